// The tape registry: who owns each tape, when it expires, its estimated bytes, least-recently-used order.
// The tapes themselves live on the compute thread that ran their forward pass (server/compute.ts).
// A tape that is gone answers NOT_FOUND saying why (expired, evicted, released) to its owner; to anyone
// else it is an id that never existed.
import { randomBytes } from 'node:crypto';
import { fail } from '../core/errors.js';
import type { Limits } from './limits.js';
import type { Metrics } from './metrics.js';

export interface Tape { id: string; tenant: string; modelId: string; bytes: number; expireMs: number }

const GONE_KEPT = 10_000;
const key = (tenant: string, id: string) => `${tenant}\0${id}`;

export class Tapes {
  // Map order is recency: a used tape moves to the end, eviction takes from the front.
  private readonly live = new Map<string, Tape>();
  private readonly gone = new Map<string, string>();
  private readonly perTenant = new Map<string, number>();
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly limits: Limits, private readonly drop: (ids: string[]) => void, private readonly metrics: Metrics) {
    this.timer = setInterval(() => this.sweep(), 1000).unref();
  }

  /** Claims a tape slot for `tenant` before its forward pass runs; `commit` or `cancel` settles it. */
  reserve(tenant: string, bytes: number): { id: string; expireMs: number } {
    const n = this.perTenant.get(tenant) ?? 0;
    if (n >= this.limits.maxTapesPerTenant)
      fail('QUOTA_EXCEEDED', `this tenant holds ${n} tapes, the limit (maxTapesPerTenant); release some with ReleaseTape`);
    if (bytes > this.limits.tapeMemoryBytes)
      fail('TOO_LARGE', `a tape of this model would hold about ${bytes} bytes, more than all tapes may hold together (tapeMemoryBytes ${this.limits.tapeMemoryBytes})`);
    this.perTenant.set(tenant, n + 1);
    return { id: `t-${randomBytes(12).toString('hex')}`, expireMs: Date.now() + this.limits.tapeTtlMs };
  }

  cancel(tenant: string): void { this.count(tenant, -1); }

  commit(t: Tape): void {
    const evicted: string[] = [];
    for (const old of this.live.values()) {
      if (this.bytes + t.bytes <= this.limits.tapeMemoryBytes) break;
      this.remove(old, `it was evicted to make room for newer tapes (the server keeps at most ${this.limits.tapeMemoryBytes} bytes of tapes, least recently used first)`);
      evicted.push(old.id);
    }
    this.drop(evicted);
    this.live.set(key(t.tenant, t.id), t);
    this.bytes += t.bytes;
    this.gauge();
  }

  /** The caller's tape, marked as just used. */
  use(tenant: string, id: string): Tape {
    const k = key(tenant, id), t = this.live.get(k);
    if (!t) return fail('NOT_FOUND', `tape ${JSON.stringify(id)} not found${this.gone.has(k) ? `: ${this.gone.get(k)}` : ''}`);
    if (t.expireMs <= Date.now()) {
      this.expire(t);
      return this.use(tenant, id);
    }
    this.live.delete(k);
    this.live.set(k, t);
    return t;
  }

  release(tenant: string, id: string): void {
    const t = this.use(tenant, id);
    this.remove(t, 'it was released');
    this.drop([t.id]);
  }

  /** Drops a tape the compute thread no longer has (it restarted). */
  lost(t: Tape): void { this.remove(t, 'the compute worker that held it restarted'); }

  releaseModel(tenant: string, modelId: string): void {
    const ids = [...this.live.values()].filter((t) => t.tenant === tenant && t.modelId === modelId).map((t) => {
      this.remove(t, `its model ${modelId} was deleted`);
      return t.id;
    });
    this.drop(ids);
  }

  close(): void { clearInterval(this.timer); }

  private sweep(): void {
    const now = Date.now();
    for (const t of [...this.live.values()]) if (t.expireMs <= now) this.expire(t);
  }

  private expire(t: Tape): void {
    this.remove(t, `it expired at ${new Date(t.expireMs).toISOString()} (tapes live ${this.limits.tapeTtlMs / 1000} s)`);
    this.drop([t.id]);
  }

  private remove(t: Tape, why: string): void {
    const k = key(t.tenant, t.id);
    if (!this.live.delete(k)) return;
    this.bytes -= t.bytes;
    this.count(t.tenant, -1);
    this.gone.set(k, why);
    if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.keys().next().value!);
    this.gauge();
  }

  private count(tenant: string, d: number): void {
    const n = (this.perTenant.get(tenant) ?? 0) + d;
    if (n > 0) this.perTenant.set(tenant, n); else this.perTenant.delete(tenant);
  }

  private gauge(): void {
    this.metrics.tapes.set(this.live.size);
    this.metrics.tapeBytes.set(this.bytes);
  }
}
