// Remote optimization jobs (gradd.v1.Jobs) for the client: model.minimize(initialParams, options) starts one
// and client.job(id) reopens one (also after a server restart: jobs resume there by themselves). A Job is an
// async iterable of progress events, which reconnects while the server is unreachable; result() waits for
// the end and gives the parameters. Adds `minimize` to Model and `job` to Client (imported by the index).
import { durationMs, timestampDate } from '@bufbuild/protobuf/wkt';
import { ERRORS, fail, graddError, GraddRangeError, type ErrorCode } from '../core/errors.js';
import { tensorFromProto } from '../core/graph/wire.js';
import { Jobs, JobState, type Job as JobMessage, type JobProgress } from '../core/graph/gen/gradd/v1/jobs_pb.js';
import type { Tensor } from '../core/graph/gen/gradd/v1/tensor_pb.js';
import { Client } from './client.js';
import { httpRoute } from './http.js';
import { Model } from './model.js';
import { stopped, type CallOptions } from './transport.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const J = Jobs.method, id = encodeURIComponent;
httpRoute(J.startJob, { verb: 'POST', path: () => '/v1/jobs' });
httpRoute(J.getJob, { verb: 'GET', path: (r) => `/v1/jobs/${id(r.jobId)}` });
httpRoute(J.listJobs, { verb: 'GET', path: () => '/v1/jobs', query: (r) => ({ pageSize: r.pageSize || undefined, pageToken: r.pageToken || undefined, modelId: r.modelId || undefined }) });
httpRoute(J.cancelJob, { verb: 'POST', path: (r) => `/v1/jobs/${id(r.jobId)}/cancel` });
httpRoute(J.watchJob, { verb: 'GET', path: (r) => `/v1/jobs/${id(r.jobId)}/watch` });

export type JobStateName = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
const FINAL = new Set<JobStateName>(['succeeded', 'failed', 'cancelled']);
const stateName = (s: JobState) => (JobState[s] ?? 'UNSPECIFIED').toLowerCase() as JobStateName;

/** One progress event: the latest step done (a server may skip some events under load, never the last). */
export interface Progress {
  jobId: string;
  state: JobStateName;
  step: number;
  /** The loss and the gradient's 2-norm at that step (NaN before the first). */
  loss: number;
  gradNorm: number;
  elapsedMs: number;
  stepsPerSecond: number;
  /** This step's parameters were kept (a checkpoint). */
  checkpoint: boolean;
}

export interface JobInfo {
  id: string;
  modelId: string;
  state: JobStateName;
  optimizer: { name: string; hyperparameters: Record<string, number> };
  steps: number;
  progress: Progress;
  /** The parameters at the latest checkpoint (the result once succeeded), and the step they are from. */
  params: any;
  paramsStep: number;
  /** The loss at every step done. */
  losses: number[];
  error?: { code: string; message: string };
  createTime: Date;
  endTime?: Date;
}

/** Hyper-parameters by autograd's names (camelCase here): which ones an optimizer takes is the server's to check. */
const HYPER = { stepSize: 'step_size', mass: 'mass', gamma: 'gamma', eps: 'eps', b1: 'b1', b2: 'b2', history: 'history', gtol: 'gtol', c1: 'c1', c2: 'c2' } as const;

export interface MinimizeOptions extends CallOptions, Partial<Record<keyof typeof HYPER, number>> {
  /** "adam" by default; "sgd" (plain), "momentum" (autograd's sgd), "rmsprop", or "lbfgs" (full-batch). */
  optimizer?: 'sgd' | 'momentum' | 'rmsprop' | 'adam' | 'lbfgs';
  steps: number;
  /** Keep the parameters every this many steps (0, the default: only at the end). */
  checkpointEvery?: number;
  /** The model's other arguments, in order: held fixed. */
  inputs?: unknown[];
  /** The argument(s) optimized, as autograd's argnum: initialParams is that argument, or an array with one per argnum. */
  argnum?: number | number[];
  /** The model output minimized (a real scalar). */
  output?: number;
}

export interface JobOptions extends CallOptions {
  /** How long a watch keeps reconnecting to an unreachable server (it may be restarting) before it fails. */
  reconnectMs?: number;
}

declare module './model.js' {
  interface Model {
    /** Starts a job on the server minimizing output `output` over argument(s) `argnum`, from `initialParams`. */
    minimize(initialParams: unknown, opts: MinimizeOptions): Promise<Job>;
  }
}
declare module './client.js' {
  interface Client {
    /**
     * Reopens job `id`. Its parameters come back as one array per optimized model input; give the `argnum` the
     * job was started with to have them shaped like the model's arguments again.
     */
    job(id: string, opts?: JobOptions & { argnum?: number | number[] }): Promise<Job>;
  }
}

Model.prototype.minimize = async function minimize(this: Model, initialParams: unknown, opts: MinimizeOptions): Promise<Job> {
  const { optimizer = 'adam', steps, checkpointEvery = 0, inputs = [], argnum = 0, output = 0, deadline, signal, ...rest } = opts;
  const hyperparameters: Record<string, number> = {};
  for (const [k, v] of Object.entries(rest)) {
    if (!(k in HYPER)) fail('BAD_ARGUMENT', `model.minimize: unknown option ${JSON.stringify(k)}; it takes optimizer, steps, checkpointEvery, inputs, argnum, output, deadline, signal and the hyper-parameters ${Object.keys(HYPER).join(', ')}`);
    hyperparameters[HYPER[k as keyof typeof HYPER]] = v as number;
  }
  const sel = this.select(argnum), nums = Array.isArray(argnum) ? argnum : [argnum];
  if (Array.isArray(argnum) && (!Array.isArray(initialParams) || initialParams.length !== nums.length))
    fail('BAD_ARGUMENT', `model.minimize: with argnum [${nums}], initialParams is a JS array of ${nums.length} (one per argnum)`);
  const args: unknown[] = [], fixed = [...inputs], total = nums.length + inputs.length;
  const past = nums.find((a) => a >= total);
  if (past !== undefined) fail('BAD_ARGUMENT', `model.minimize: argnum ${past} is past the ${total} arguments given (initialParams and ${inputs.length} inputs); give every other argument in inputs`);
  for (let i = 0; i < total; i++)
    args.push(nums.includes(i) ? (Array.isArray(argnum) ? (initialParams as unknown[])[nums.indexOf(i)] : initialParams) : fixed.shift());
  const { tensors, leaves } = this.tensors(args), chosen = new Set(sel.flat);
  const job = await this.client.call(J.startJob, {
    modelId: this.id, argnums: sel.flat, params: sel.flat.map((k) => tensors[k]), inputs: tensors.filter((_, k) => !chosen.has(k)),
    output, optimizer: { name: optimizer, hyperparameters }, steps, checkpointEvery,
  }, { deadline, signal });
  return new Job(this.client, job.id, (ts) => sel.result(ts, leaves));
};

Client.prototype.job = async function job(this: Client, jobId: string, opts: JobOptions & { argnum?: number | number[] } = {}): Promise<Job> {
  const { argnum, ...call } = opts;
  const msg = await this.call(J.getJob, { jobId }, call, true);
  if (argnum === undefined) return new Job(this, jobId, (ts) => ts.map((t) => tensorFromProto(t)), opts.reconnectMs);
  const sel = (await this.model(msg.modelId, call)).select(argnum);
  if (sel.flat.join() !== msg.argnums.join()) fail('BAD_ARGUMENT', `client.job: job ${jobId} optimizes model inputs [${msg.argnums}]; argnum ${JSON.stringify(argnum)} selects [${sel.flat}]`);
  return new Job(this, jobId, (ts) => sel.result(ts), opts.reconnectMs);
};

const progressOf = (p: JobProgress | undefined, jobId: string): Progress => ({
  jobId, state: stateName(p?.state ?? JobState.UNSPECIFIED), step: p?.step ?? 0, loss: p?.loss ?? NaN, gradNorm: p?.gradNorm ?? NaN,
  elapsedMs: p?.elapsed ? durationMs(p.elapsed) : 0, stepsPerSecond: p?.stepsPerSecond ?? 0, checkpoint: p?.checkpoint ?? false,
});

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
  const timer = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});

/** A job on the server. Iterating it watches its progress until its final state. */
export class Job implements AsyncIterable<Progress> {
  constructor(readonly client: Client, readonly id: string, private readonly shape: (params: Tensor[]) => any, private readonly reconnectMs = 60_000) {}

  [Symbol.asyncIterator](): AsyncIterator<Progress> { return this.watch()[Symbol.asyncIterator](); }

  /**
   * Progress events until the job's final state (the last event). While the server is unreachable (restarting,
   * say) it reconnects, with backoff, for up to reconnectMs; the first event after that is the latest progress.
   */
  async *watch(opts: CallOptions = {}): AsyncGenerator<Progress> {
    let down: number | undefined, delay = 100;
    for (;;) {
      try {
        for await (const p of this.client.stream(J.watchJob, { jobId: this.id }, opts)) {
          down = undefined;
          delay = 100;
          const e = progressOf(p, this.id);
          yield e;
          if (FINAL.has(e.state)) return;
        }
      } catch (e) {
        if (!(e instanceof GraddRangeError && e.code === 'UNAVAILABLE')) throw e;
      }
      down ??= Date.now();
      if (Date.now() - down > this.reconnectMs) throw graddError('UNAVAILABLE', `job ${this.id}: the server was unreachable for ${this.reconnectMs / 1000} s`);
      await sleep(Math.random() * delay, opts.signal);
      delay = Math.min(2000, 2 * delay);
      const stop = stopped(opts, `job ${this.id}`);
      if (stop) throw stop;
    }
  }

  /** The job now (GetJob): state, progress, parameters at the latest checkpoint, loss history. */
  async get(opts: CallOptions = {}): Promise<JobInfo> {
    return this.info(await this.client.call(J.getJob, { jobId: this.id }, opts, true));
  }

  /** Asks the job to stop after its current step (it keeps that step's parameters); the job as it is then. */
  async cancel(opts: CallOptions = {}): Promise<JobInfo> {
    await this.client.call(J.cancelJob, { jobId: this.id }, opts, true);
    return this.get(opts);
  }

  /** Waits for the end: the final parameters when the job succeeded; its error when it failed, CANCELLED when cancelled. */
  async result(opts: CallOptions = {}): Promise<any> {
    for await (const p of this.watch(opts)) if (FINAL.has(p.state)) break;
    const info = await this.get(opts);
    if (info.state === 'succeeded') return info.params;
    if (info.error) throw Object.assign(graddError(Object.hasOwn(ERRORS, info.error.code) ? info.error.code as ErrorCode : 'INTERNAL', `job ${this.id} failed: ${info.error.message}`), { job: info });
    throw Object.assign(graddError('CANCELLED', `job ${this.id} was cancelled at step ${info.paramsStep}; its parameters then are in job.get()`), { job: info });
  }

  private info(m: JobMessage): JobInfo {
    return {
      id: m.id, modelId: m.modelId, state: stateName(m.state), optimizer: { name: m.optimizer?.name ?? '', hyperparameters: { ...m.optimizer?.hyperparameters } },
      steps: m.steps, progress: progressOf(m.progress, m.id), params: this.shape(m.params), paramsStep: m.paramsStep, losses: m.lossHistory,
      error: m.errorCode ? { code: m.errorCode, message: m.errorMessage } : undefined,
      createTime: m.createTime ? timestampDate(m.createTime) : new Date(NaN), endTime: m.endTime ? timestampDate(m.endTime) : undefined,
    };
  }
}
