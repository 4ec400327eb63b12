// The RPCs, once for both transports: http.ts and grpc.ts authenticate, decode and hand over here.
// Computations take and give binary protobuf (a gRPC request goes to its worker as it arrived), or messages
// (HTTP's requests, read from JSON): one that runs on the event loop answers with a message, never encoded.
import { existsSync, readFileSync } from 'node:fs';
import { create, type Message } from '@bufbuild/protobuf';
import { fail } from '../core/errors.js';
import { DATATYPES } from '../core/graph/wire.js';
import * as g from '../core/graph/gen/gradd/v1/gradient_pb.js';
import * as kserve from '../core/graph/gen/inference/grpc_predict_v2_pb.js';
import type { TensorSpec } from '../index.js';
import type { Config } from './config.js';
import { isGradd } from './errors.js';
import type { Compute, Lane } from './compute.js';
import type { Analysis, CallMethod } from './exec.js';
import type { Metrics } from './metrics.js';
import { modelToProto, type ModelRecord, type Models } from './models.js';
import type { Tapes } from './tapes.js';

/** Who is calling, and until when (`deadline`, epoch ms); `cancel` when the client cancels or disconnects. */
export class Ctx {
  private ctrl: AbortController | null = null;
  private reason: unknown = undefined;
  constructor(readonly tenant: string, readonly deadline: number) {}

  /** Aborts on `cancel`; made on first use, since most requests finish with no one listening. */
  get signal(): AbortSignal {
    if (!this.ctrl) {
      this.ctrl = new AbortController();
      if (this.reason !== undefined) this.ctrl.abort(this.reason);
    }
    return this.ctrl.signal;
  }

  /** Why the request was cancelled; undefined while it is not. */
  get cancelled(): unknown { return this.reason; }

  cancel(reason: unknown): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.ctrl?.abort(reason);
  }
}

/** A computation's response: at once where it ran on the event loop, else a promise. */
export type Answer = Uint8Array | Message | Promise<Uint8Array | Message>;

/** f of a value that may still be a promise: at once where it is not (a promise and a tick less per inline request). */
export const andThen = <T, U>(v: T | Promise<T>, f: (t: T) => U): U | Promise<U> => (v instanceof Promise ? v.then(f) : f(v));

/** Graph encodings up to this size are checked at registration on the event loop. */
const INLINE_REGISTER_BYTES = 64 * 1024;

export const EXTENSIONS = ['gradients'];
export const SERVER_VERSION = (() => {
  const at = ['../package.json', '../../package.json'].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
  return at ? (JSON.parse(readFileSync(at, 'utf8')) as { version: string }).version : '0.0.0';
})();

export class Service {
  /** False while draining: readiness fails, new computations are refused. */
  ready = true;

  constructor(readonly cfg: Config, readonly models: Models, readonly tapes: Tapes, readonly compute: Compute, readonly metrics: Metrics) {}

  private run(ctx: Ctx, task: Parameters<Compute['run']>[0], lane: Lane, late?: Parameters<Compute['run']>[2]['late']) {
    if (!this.ready) fail('UNAVAILABLE', 'the server is shutting down; retry on another instance');
    return this.compute.run(task, lane, { ctx, late });
  }

  /** Checks a RegisterModelRequest's graph (binary) and registers it. */
  async registerModel(ctx: Ctx, request: Uint8Array): Promise<g.RegisterModelResponse> {
    const a = await this.run(ctx, { kind: 'register', request }, request.length <= INLINE_REGISTER_BYTES ? 'inline' : 'pool') as Analysis;
    const { model, created } = await this.models.register(ctx.tenant, a);
    this.metrics.models.set(this.models.count);
    return create(g.RegisterModelResponseSchema, { model: modelToProto(model), created });
  }

  getModel(ctx: Ctx, req: g.GetModelRequest): g.Model {
    return modelToProto(this.models.get(ctx.tenant, req.modelId), req.includeGraph);
  }

  listModels(ctx: Ctx, req: g.ListModelsRequest): g.ListModelsResponse {
    const { models, next } = this.models.list(ctx.tenant, req.pageSize, req.pageToken);
    return create(g.ListModelsResponseSchema, { models: models.map((m) => modelToProto(m)), nextPageToken: next });
  }

  async deleteModel(ctx: Ctx, req: g.DeleteModelRequest): Promise<g.DeleteModelResponse> {
    this.models.get(ctx.tenant, req.modelId);
    this.tapes.releaseModel(ctx.tenant, req.modelId);
    await this.models.delete(ctx.tenant, req.modelId);
    this.metrics.models.set(this.models.count);
    return create(g.DeleteModelResponseSchema);
  }

  /** Evaluate, ValueAndGrad, Jvp, Hvp, Jacobian: request and response as binary protobuf or messages; answered at
   * once where the computation runs on the event loop. */
  call(ctx: Ctx, method: Exclude<CallMethod, 'Vjp' | 'ModelInfer'>, modelId: string, request: Uint8Array | Message): Answer {
    const m = this.models.get(ctx.tenant, modelId);
    return this.run(ctx, { kind: 'call', method, graph: m.graph, request }, m.inline ? 'inline' : 'pool') as Answer;
  }

  async vjp(ctx: Ctx, modelId: string, request: Uint8Array): Promise<Uint8Array> {
    const m = this.models.get(ctx.tenant, modelId), slot = this.tapes.reserve(ctx.tenant, m.tapeBytes);
    let out: Uint8Array;
    try {
      out = await this.run(ctx, { kind: 'call', method: 'Vjp', graph: m.graph, request, tape: slot }, 'tapes',
        (o) => { if (o.ok) this.compute.release([slot.id]); }) as Uint8Array;
    } catch (e) {
      this.tapes.cancel(ctx.tenant);
      throw e;
    }
    this.tapes.commit({ id: slot.id, tenant: ctx.tenant, modelId, bytes: m.tapeBytes, expireMs: slot.expireMs });
    return out;
  }

  async backward(ctx: Ctx, tapeId: string, request: Uint8Array): Promise<Uint8Array> {
    const t = this.tapes.use(ctx.tenant, tapeId);
    try {
      return await this.run(ctx, { kind: 'backward', tapeId, request }, 'tapes') as Uint8Array;
    } catch (e) {
      if (isGradd(e) && e.code === 'NOT_FOUND') this.tapes.lost(t);
      throw e;
    }
  }

  releaseTape(ctx: Ctx, req: g.ReleaseTapeRequest): g.ReleaseTapeResponse {
    this.tapes.release(ctx.tenant, req.tapeId);
    return create(g.ReleaseTapeResponseSchema);
  }

  // ---- KServe v2 ----

  serverMetadata(): kserve.ServerMetadataResponse {
    return create(kserve.ServerMetadataResponseSchema, { name: 'gradd', version: SERVER_VERSION, extensions: EXTENSIONS });
  }

  /** The model named by a KServe request: a model id; versions are "" or "1". */
  kserveModel(ctx: Ctx, name: string, version: string): ModelRecord {
    if (version && version !== '1') fail('NOT_FOUND', `model ${JSON.stringify(name)} has no version ${JSON.stringify(version)}; gradd models have version 1`);
    return this.models.get(ctx.tenant, name);
  }

  modelMetadata(ctx: Ctx, name: string, version: string): kserve.ModelMetadataResponse {
    const m = this.kserveModel(ctx, name, version);
    const meta = (prefix: string) => (s: TensorSpec, k: number) => ({ name: `${prefix}_${k}`, datatype: DATATYPES[s.dtype], shape: s.shape.map(BigInt) });
    return create(kserve.ModelMetadataResponseSchema, { name: m.id, versions: ['1'], platform: 'gradd', inputs: m.inputs.map(meta('input')), outputs: m.outputs.map(meta('output')) });
  }

  infer(ctx: Ctx, name: string, version: string, request: Uint8Array | Message): Answer {
    const m = this.kserveModel(ctx, name, version);
    return this.run(ctx, { kind: 'call', method: 'ModelInfer', graph: m.graph, request }, m.inline ? 'inline' : 'pool') as Answer;
  }
}
