// The model registry, per tenant, persisted under <dataDir>/models/<tenant digest>/<id>.json: written to a
// temporary file, fsynced, renamed over the target and the directory fsynced, so a model is either wholly
// there after a crash (kill -9 included) or not at all. Each file records the catalog version the graph
// was checked against; at start every model is checked again against this server's catalog.
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { fail } from '../core/errors.js';
import { catalogVersion } from '../core/graph/version.js';
import { decode, DATATYPES } from '../core/graph/wire.js';
import { GraphSchema } from '../core/graph/gen/gradd/v1/graph_pb.js';
import { ModelSchema, type Model } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import type { TensorSpec } from '../index.js';
import type { Analysis, GraphRef } from './exec.js';
import type { Limits } from './limits.js';

export interface ModelRecord {
  id: string;
  tenant: string;
  name: string;
  /** sha256 hex of the canonical graph encoding. */
  hash: string;
  graph: GraphRef;
  catalogVersion: string;
  /** The catalog version this server checked the graph against. */
  checkedCatalogVersion: string;
  createMs: number;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  tapeBytes: number;
  /** Small and loop-free: runs on the event loop. */
  inline: boolean;
}

interface Stored {
  format: 'gradd.model.v1';
  id: string; tenant: string; name: string; contentHash: string;
  catalogVersion: string; checkedCatalogVersion: string; createTime: string;
  /** The canonical gradd.v1.Graph encoding, base64. */
  graph: string;
}

const MAX_PAGE = 1000;
const tenantDir = (tenant: string) => createHash('sha256').update(tenant).digest('hex').slice(0, 32);

/** Bytes in memory shared with the worker threads. */
function shared(bytes: Uint8Array): Uint8Array {
  const s = new Uint8Array(new SharedArrayBuffer(bytes.length));
  s.set(bytes);
  return s;
}

export class Models {
  private readonly byTenant = new Map<string, Map<string, ModelRecord>>();
  private readonly writing = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string, private readonly limits: Limits, private readonly inlineMaxElements: number) {}

  get count(): number { return [...this.byTenant.values()].reduce((n, m) => n + m.size, 0); }

  /** Reads every persisted model, re-checking each graph with `analyze`; a model that no longer checks is skipped and reported. */
  async load(analyze: (graph: Uint8Array, name: string) => Promise<Analysis>, warn: (msg: string) => void): Promise<void> {
    const root = join(this.dir, 'models');
    await mkdir(root, { recursive: true });
    for (const sub of await readdir(root)) {
      for (const file of await readdir(join(root, sub))) {
        const path = join(root, sub, file);
        if (file.endsWith('.tmp')) await rm(path, { force: true }); // a write that a crash interrupted
        if (!file.endsWith('.json')) continue;
        try {
          const s = JSON.parse(await readFile(path, 'utf8')) as Stored;
          const a = await analyze(Buffer.from(s.graph, 'base64'), s.name);
          if (a.hash !== s.contentHash) throw new Error(`its graph's hash is ${a.hash}, the file records ${s.contentHash}`);
          this.add(this.record(s.tenant, a, Date.parse(s.createTime)));
        } catch (e) {
          warn(`model file ${path} was not loaded: ${(e as Error).message}`);
        }
      }
    }
  }

  get(tenant: string, id: string): ModelRecord {
    return this.byTenant.get(tenant)?.get(id) ?? fail('NOT_FOUND', `model ${JSON.stringify(id)} not found`);
  }

  /** Idempotent by content: the same graph gives the same model (created: false) and keeps its first name. */
  async register(tenant: string, a: Analysis): Promise<{ model: ModelRecord; created: boolean }> {
    const id = a.hash.slice(0, 32), k = `${tenant}\0${id}`;
    await this.writing.get(k);
    const have = this.byTenant.get(tenant)?.get(id);
    if (have) return { model: have, created: false };
    const n = this.byTenant.get(tenant)?.size ?? 0;
    if (n >= this.limits.maxModelsPerTenant) fail('QUOTA_EXCEEDED', `this tenant has ${n} models, the limit (maxModelsPerTenant); delete some with DeleteModel`);
    const model = this.record(tenant, a, Date.now());
    const write = this.persist(model, a.canonical);
    this.writing.set(k, write);
    try { await write; } finally { this.writing.delete(k); }
    this.add(model);
    return { model, created: true };
  }

  async delete(tenant: string, id: string): Promise<void> {
    this.get(tenant, id);
    this.byTenant.get(tenant)!.delete(id);
    const dir = join(this.dir, 'models', tenantDir(tenant));
    await rm(join(dir, `${id}.json`), { force: true });
    await syncDir(dir);
  }

  /** Pages in creation order; the token is the position after the last model returned. */
  list(tenant: string, pageSize: number, pageToken: string): { models: ModelRecord[]; next: string } {
    const all = [...(this.byTenant.get(tenant)?.values() ?? [])].sort((a, b) => a.createMs - b.createMs || (a.id < b.id ? -1 : 1));
    let start = 0;
    if (pageToken) {
      const [ms, id] = Buffer.from(pageToken, 'base64url').toString().split(':');
      if (!id || !Number.isFinite(Number(ms))) fail('BAD_ARGUMENT', 'page_token is not a token this server gave out');
      start = all.findIndex((m) => m.createMs > Number(ms) || (m.createMs === Number(ms) && m.id > id));
      if (start < 0) start = all.length;
    }
    const size = Math.min(pageSize || 100, MAX_PAGE), page = all.slice(start, start + size);
    const last = page.at(-1);
    return { models: page, next: start + size < all.length && last ? Buffer.from(`${last.createMs}:${last.id}`).toString('base64url') : '' };
  }

  private record(tenant: string, a: Analysis, createMs: number): ModelRecord {
    return {
      id: a.hash.slice(0, 32), tenant, name: a.name, hash: a.hash, graph: { hash: a.hash, bytes: shared(a.canonical) },
      catalogVersion: a.catalogVersion, checkedCatalogVersion: catalogVersion(), createMs, inputs: a.inputs, outputs: a.outputs,
      tapeBytes: a.tapeBytes, inline: !a.loops && a.elements <= this.inlineMaxElements,
    };
  }

  private add(m: ModelRecord): void {
    let mine = this.byTenant.get(m.tenant);
    if (!mine) this.byTenant.set(m.tenant, (mine = new Map()));
    mine.set(m.id, m);
  }

  private async persist(m: ModelRecord, canonical: Uint8Array): Promise<void> {
    const dir = join(this.dir, 'models', tenantDir(m.tenant));
    await mkdir(dir, { recursive: true });
    const stored: Stored = {
      format: 'gradd.model.v1', id: m.id, tenant: m.tenant, name: m.name, contentHash: m.hash,
      catalogVersion: m.catalogVersion, checkedCatalogVersion: m.checkedCatalogVersion, createTime: new Date(m.createMs).toISOString(),
      graph: Buffer.from(canonical).toString('base64'),
    };
    const path = join(dir, `${m.id}.json`), tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(stored));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
    await syncDir(dir);
  }
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try { await fh.sync(); } finally { await fh.close(); }
}

/** A model as the wire's gradd.v1.Model; the graph only when asked for. */
export function modelToProto(m: ModelRecord, includeGraph = false): Model {
  const spec = (s: TensorSpec) => ({ datatype: DATATYPES[s.dtype], shape: s.shape.map(BigInt) });
  return create(ModelSchema, {
    id: m.id, name: m.name, contentHash: `sha256:${m.hash}`, catalogVersion: m.checkedCatalogVersion,
    inputs: m.inputs.map(spec), outputs: m.outputs.map(spec), createTime: timestampFromMs(m.createMs),
    graph: includeGraph ? decode(GraphSchema, m.graph.bytes) : undefined,
  });
}
