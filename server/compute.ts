// Where computations run, off the event loop: a piscina pool of `workers` threads for calls without a tape,
// and one more thread that runs every Vjp and Backward and so holds every tape (a tape is the closures of
// its forward pass, which cannot leave the thread that made them). Graphs too small to be worth the hop run
// inline while nothing else computes (under concurrent load the pool adds cores). OpenBLAS's thread count
// is process-wide: floor(cores / (workers + 1)), so the threads that call BLAS at once never oversubscribe
// the cores.
//
// Cancellation (client gone, or past the deadline): a queued task is dropped; a running pool task is stopped
// by terminating its worker (piscina then starts a fresh one; nothing lives there between tasks). A task on
// the tape thread is never terminated (that would drop every tenant's tapes): the request answers at once,
// and the task's abort flag (shared memory) stops the computation at its next graph or tape node; a Vjp
// that got to its end regardless has its tape released.
import { toBinary } from '@bufbuild/protobuf';
import { Piscina } from 'piscina';
import { fail, graddError, type GraddRangeError, type GraddTypeError } from '../core/errors.js';
import { native } from '../core/native.js';
import type { Config } from './config.js';
import { configure, execute, REQUESTS, type Outcome, type Task } from './exec.js';
import type { Metrics } from './metrics.js';
import { workerModule } from './threads.js';
import type { Ctx } from './rpc.js';

export type Lane = 'inline' | 'pool' | 'tapes';
type Ok = Extract<Outcome, { ok: true }>['value'];

/** A tape-thread task with its abort flag: an Int32Array on a SharedArrayBuffer, 0 until the request gives up. */
export type FlaggedTask = Task & { abort?: Int32Array };
export const ABORT_CODES = [null, 'CANCELLED', 'DEADLINE_EXCEEDED'] as const;

export interface RunOptions {
  /** The request: its deadline, and its cancellation (the client cancels or disconnects). */
  ctx: Ctx;
  /** Tape thread only: called with the outcome of a task whose request was already answered (cancelled). */
  late?: (o: Outcome) => void;
}

export class Compute {
  private readonly pool: Piscina;
  private readonly tapeThread: Piscina;
  private running = 0;

  constructor(private readonly cfg: Config, private readonly metrics: Metrics) {
    const common = {
      ...workerModule('worker', import.meta.url), idleTimeout: Infinity, concurrentTasksPerWorker: 1,
      workerData: { limits: cfg.limits }, env: { ...process.env, GRADD_THREADS: String(cfg.blasThreads) },
    };
    this.pool = new Piscina({ ...common, minThreads: cfg.workers, maxThreads: cfg.workers });
    this.tapeThread = new Piscina({ ...common, minThreads: 1, maxThreads: 1 });
    configure(cfg.limits);
    metrics.computationsRunning = () => this.running;
    native()?.setThreads(cfg.blasThreads);
  }

  get active(): number { return this.running; }

  /** A task's result: at once where it runs inline, else a promise. */
  run(task: Task, lane: Lane, opts: RunOptions): Ok | Promise<Ok> {
    if (this.running >= this.cfg.limits.maxConcurrent)
      fail('QUOTA_EXCEEDED', `${this.running} computations are running or queued, the server's limit (maxConcurrent); retry later`);
    const { ctx } = opts;
    if (ctx.cancelled !== undefined) throw ctx.cancelled;
    // Inline only while nothing else computes: under concurrent load the pool's threads add cores.
    if (lane === 'inline' && this.running === 0) {
      this.running++;
      try {
        return unwrap(execute(task, true));
      } finally {
        this.running--;
      }
    }
    return this.offload(task, lane === 'inline' ? 'pool' : lane, opts);
  }

  private async offload(task: Task, lane: Exclude<Lane, 'inline'>, { ctx, late }: RunOptions): Promise<Ok> {
    this.running++;
    try {
      if (task.kind === 'call' && !(task.request instanceof Uint8Array)) task = { ...task, request: toBinary(REQUESTS[task.method], task.request as never) };
      const ctrl = new AbortController(), ms = Math.max(0, ctx.deadline - Date.now()), signal = ctx.signal;
      const timer = setTimeout(() => ctrl.abort(graddError('DEADLINE_EXCEEDED', `the computation did not finish within its deadline of ${ms} ms (the server allows at most ${this.cfg.limits.deadlineMs} ms: deadlineMs)`)), ms);
      const cancel = () => ctrl.abort(signal.reason);
      signal.addEventListener('abort', cancel, { once: true });
      try {
        if (lane === 'pool') return unwrap(await this.pool.run(task, { signal: ctrl.signal }).catch((e) => { throw ctrl.signal.aborted ? ctrl.signal.reason : died(e); }));
        const abort = new Int32Array(new SharedArrayBuffer(4));
        const work = this.tapeThread.run({ ...task, abort } satisfies FlaggedTask).catch((e): Outcome => ({ ok: false, ...problem(died(e)) }));
        const aborted = new Promise<never>((_, reject) => ctrl.signal.addEventListener('abort', () => {
          Atomics.store(abort, 0, ABORT_CODES.indexOf((ctrl.signal.reason as { code?: string })?.code === 'DEADLINE_EXCEEDED' ? 'DEADLINE_EXCEEDED' : 'CANCELLED'));
          reject(ctrl.signal.reason);
        }, { once: true }));
        return unwrap(await Promise.race([work, aborted]).catch((e) => { work.then(late); throw e; }));
      } finally {
        clearTimeout(timer);
        signal.removeEventListener('abort', cancel);
      }
    } finally {
      this.running--;
    }
  }

  /** Drops tapes from the tape thread (after TTL, eviction, ReleaseTape). */
  release(tapeIds: string[]): void {
    if (tapeIds.length) void this.tapeThread.run({ kind: 'release', tapeIds } satisfies Task).catch(() => undefined);
  }

  async close(): Promise<void> {
    await Promise.all([this.pool.destroy(), this.tapeThread.destroy()]);
  }
}

function unwrap(o: Outcome): Ok {
  if (!o.ok) throw graddError(o.code, o.message);
  return o.value;
}

const died = (e: unknown) => graddError('INTERNAL', `the compute worker failed: ${(e as Error)?.message ?? e}`);
const problem = (e: GraddTypeError | GraddRangeError) => ({ code: e.code, message: e.message });
