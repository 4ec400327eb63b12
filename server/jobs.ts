// Optimization jobs (gradd.v1.Jobs): minimize a registered model's scalar output over some of its inputs on
// the server, each job on a thread of its own (server/jobs-worker.ts, a piscina pool of maxRunningJobs
// threads), never on the event loop. Jobs past that number wait, QUEUED, the next taken from the tenant with
// the fewest running. Every job is on disk from the moment StartJob answers (server/jobs-store.ts): after a
// restart, kill -9 included, each unfinished job resumes from its last checkpoint by itself. On close
// (SIGTERM) every running job stops at once, keeping its last step done as a checkpoint.
import { randomBytes } from 'node:crypto';
import { MessageChannel } from 'node:worker_threads';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { durationFromMs, timestampFromMs } from '@bufbuild/protobuf/wkt';
import { Piscina } from 'piscina';
import { fail, fmtShape, graddError } from '../core/errors.js';
import { DATATYPES, tensorFromProto, tensorToProto } from '../core/graph/wire.js';
import * as j from '../core/graph/gen/gradd/v1/jobs_pb.js';
import type { Tensor } from '../core/graph/gen/gradd/v1/tensor_pb.js';
import { NDArray } from '../core/ndarray.js';
import type { Config } from './config.js';
import type { GraphRef } from './exec.js';
import { CANCEL, resolveOptimizer, STOP, type JobMessage, type JobTask } from './jobs-worker.js';
import { jobDir, loadAll, removeJob, writeCheckpointSync, writeSpec, type Checkpoint, type Spec } from './jobs-store.js';
import { wireLimits } from './limits.js';
import type { Metrics } from './metrics.js';
import type { ModelRecord, Models } from './models.js';
import type { Ctx } from './rpc.js';
import { workerModule } from './threads.js';

const { JobState } = j;
/** Finished jobs kept per tenant; past it the oldest are removed, files and all. */
const KEEP_FINISHED = 1000;
const MAX_PAGE = 1000;
const STORED = { RUNNING: JobState.RUNNING, SUCCEEDED: JobState.SUCCEEDED, FAILED: JobState.FAILED, CANCELLED: JobState.CANCELLED } as const;
const finished = (s: j.JobState) => s === JobState.SUCCEEDED || s === JobState.FAILED || s === JobState.CANCELLED;

interface Run { flag: Int32Array; startStep: number; startElapsedMs: number; ended: Promise<void>; end: () => void }
interface Watcher { send: (p: j.JobProgress, last: boolean) => void; done: (e?: Error) => void }

interface JobRecord {
  id: string;
  tenant: string;
  modelId: string;
  createMs: number;
  dir: string;
  graph: GraphRef;
  request: Uint8Array;
  req: j.StartJobRequest;
  optimizer: j.Optimizer;
  state: j.JobState;
  step: number;
  loss: number;
  gradNorm: number;
  elapsedMs: number;
  rate: number;
  losses: number[];
  /** The flat parameters kept at step paramsStep (the latest checkpoint). */
  params: Float64Array;
  paramsStep: number;
  /** Where a queued job starts: its checkpoint, or null for the request's parameters. */
  resume: Checkpoint | null;
  error?: { code: string; message: string };
  endMs?: number;
  run?: Run;
  watchers: Set<Watcher>;
}

/** StartJob's checks, against the model's inputs and outputs and the server's limits. */
function check(m: ModelRecord, req: j.StartJobRequest, cfg: Config): void {
  const argnums = req.argnums.length ? req.argnums : [0];
  argnums.forEach((n, k) => {
    if (n >= m.inputs.length) fail('BAD_ARGUMENT', `argnums[${k}] is ${n}; the model has ${m.inputs.length} inputs`);
    if (argnums.indexOf(n) !== k) fail('BAD_ARGUMENT', `argnums lists input ${n} twice`);
    if (m.inputs[n].dtype !== 'float64') fail('DTYPE_MISMATCH', `model input ${n} is ${DATATYPES[m.inputs[n].dtype]}; the optimizers work on FP64 parameters`);
  });
  const tensors = (ts: Tensor[], which: number[], field: string) => {
    if (ts.length !== which.length) fail('BAD_ARGUMENT', `${field} has ${ts.length} tensors; ${which.length} expected (model inputs ${which.join(', ') || 'none'})`);
    ts.forEach((t, k) => {
      const a = tensorFromProto(t, wireLimits(cfg.limits), `${field}[${k}]`), s = m.inputs[which[k]];
      if (a.dtype !== s.dtype) fail('DTYPE_MISMATCH', `${field}[${k}] is ${DATATYPES[a.dtype]}, but model input ${which[k]} is ${DATATYPES[s.dtype]}${fmtShape(s.shape)}`);
      if (a.shape.length !== s.shape.length || a.shape.some((d, i) => d !== s.shape[i])) fail('SHAPE_MISMATCH', `${field}[${k}] has shape ${fmtShape(a.shape)}, but model input ${which[k]} has shape ${fmtShape(s.shape)}`);
    });
  };
  tensors(req.params, argnums, 'params');
  tensors(req.inputs, m.inputs.map((_, k) => k).filter((k) => !argnums.includes(k)), 'inputs');
  if (req.output >= m.outputs.length) fail('BAD_ARGUMENT', `output is ${req.output}; the model has ${m.outputs.length} outputs`);
  const o = m.outputs[req.output];
  if ((o.dtype !== 'float64' && o.dtype !== 'float32') || o.shape.reduce((a, b) => a * b, 1) !== 1)
    fail('NON_SCALAR_OUTPUT', `a job minimizes a real scalar output; output ${req.output} is ${DATATYPES[o.dtype]}${fmtShape(o.shape)}`);
  if (!req.steps) fail('BAD_ARGUMENT', 'steps must be at least 1');
  if (req.steps > cfg.limits.maxJobSteps) fail('LIMIT_EXCEEDED', `steps is ${req.steps}, more than this server allows (maxJobSteps ${cfg.limits.maxJobSteps})`);
}

export class Jobs {
  private readonly byTenant = new Map<string, Map<string, JobRecord>>();
  private readonly queue: JobRecord[] = [];
  /** StartJobs writing their files, per tenant: they count against maxJobsPerTenant already. */
  private readonly starting = new Map<string, number>();
  private readonly pool: Piscina;
  private running = 0;
  private closing = false;

  constructor(private readonly cfg: Config, private readonly models: Models, private readonly metrics: Metrics, private readonly log: { warn(o: object, msg: string): void }) {
    this.pool = new Piscina({
      ...workerModule('jobs-worker', import.meta.url), minThreads: 0, maxThreads: cfg.limits.maxRunningJobs, idleTimeout: 60_000, concurrentTasksPerWorker: 1,
      env: { ...process.env, GRADD_THREADS: String(cfg.blasThreads) },
    });
  }

  /** Reads every stored job; unfinished ones are queued to resume from their checkpoints. */
  async load(): Promise<void> {
    for (const s of await loadAll(this.cfg.dataDir, (msg) => this.log.warn({}, msg))) {
      try {
        const request = new Uint8Array(Buffer.from(s.spec.request, 'base64')), c = s.checkpoint;
        let m: ModelRecord | undefined;
        try { m = this.models.get(s.spec.tenant, s.spec.modelId); } catch { /* deleted: the job cannot go on */ }
        const rec = this.record(s.spec, request, m?.graph ?? { hash: '', bytes: new Uint8Array(0) }, s.dir);
        rec.losses = Array.from(s.losses);
        rec.resume = c;
        if (c) Object.assign(rec, { step: c.step, loss: c.loss, gradNorm: c.gradNorm, elapsedMs: c.elapsedMs, params: c.x, paramsStep: c.step });
        this.add(rec);
        if (c && c.state !== 'RUNNING') Object.assign(rec, { state: STORED[c.state], error: c.error, endMs: c.endMs, resume: null });
        else if (!m) this.finish(rec, 'FAILED', { code: 'NOT_FOUND', message: `model ${s.spec.modelId} was deleted before the job could resume` });
        else this.queue.push(rec);
      } catch (e) {
        this.log.warn({}, `job ${s.dir} was not loaded: ${(e as Error).message}`);
      }
    }
    this.queue.sort((a, b) => a.createMs - b.createMs);
    this.gauge();
    this.pump();
  }

  async start(ctx: Ctx, req: j.StartJobRequest): Promise<j.Job> {
    if (this.closing) fail('UNAVAILABLE', 'the server is shutting down; retry on another instance');
    const m = this.models.get(ctx.tenant, req.modelId);
    check(m, req, this.cfg);
    const starting = this.starting.get(ctx.tenant) ?? 0;
    const active = starting + [...this.byTenant.get(ctx.tenant)?.values() ?? []].filter((r) => !finished(r.state)).length;
    if (active >= this.cfg.limits.maxJobsPerTenant)
      fail('QUOTA_EXCEEDED', `this tenant has ${active} jobs queued or running, the limit (maxJobsPerTenant); wait for one to finish or cancel one`);
    const id = `j-${randomBytes(12).toString('hex')}`, request = toBinary(j.StartJobRequestSchema, req);
    const spec: Spec = { format: 'gradd.job.v1', id, tenant: ctx.tenant, modelId: m.id, createTime: new Date().toISOString(), request: Buffer.from(request).toString('base64') };
    const dir = jobDir(this.cfg.dataDir, ctx.tenant, id);
    this.starting.set(ctx.tenant, starting + 1);
    try {
      await writeSpec(dir, spec);
    } finally {
      const n = this.starting.get(ctx.tenant)! - 1;
      if (n) this.starting.set(ctx.tenant, n); else this.starting.delete(ctx.tenant);
    }
    const rec = this.record(spec, request, m.graph, dir);
    this.add(rec);
    this.queue.push(rec);
    this.gauge();
    this.pump();
    return this.toProto(rec, false);
  }

  get(ctx: Ctx, id: string): j.Job { return this.toProto(this.find(ctx.tenant, id), true); }

  /** Pages in creation order; the token is the position after the last job returned. */
  list(ctx: Ctx, req: j.ListJobsRequest): j.ListJobsResponse {
    const all = [...this.byTenant.get(ctx.tenant)?.values() ?? []].filter((r) => !req.modelId || r.modelId === req.modelId)
      .sort((a, b) => a.createMs - b.createMs || (a.id < b.id ? -1 : 1));
    let start = 0;
    if (req.pageToken) {
      const [ms, id] = Buffer.from(req.pageToken, 'base64url').toString().split(':');
      if (!id || !Number.isFinite(Number(ms))) fail('BAD_ARGUMENT', 'page_token is not a token this server gave out');
      start = all.findIndex((r) => r.createMs > Number(ms) || (r.createMs === Number(ms) && r.id > id));
      if (start < 0) start = all.length;
    }
    const size = Math.min(req.pageSize || 100, MAX_PAGE), page = all.slice(start, start + size), last = page.at(-1);
    return create(j.ListJobsResponseSchema, {
      jobs: page.map((r) => this.toProto(r, false)),
      nextPageToken: start + size < all.length && last ? Buffer.from(`${last.createMs}:${last.id}`).toString('base64url') : '',
    });
  }

  /** A queued job ends at once; a running one after its current step (waited for until the request's deadline). */
  async cancel(ctx: Ctx, id: string): Promise<j.Job> {
    const rec = this.find(ctx.tenant, id);
    if (rec.state === JobState.QUEUED) {
      this.queue.splice(this.queue.indexOf(rec), 1);
      this.finish(rec, 'CANCELLED');
      this.gauge();
    } else if (rec.run) {
      Atomics.store(rec.run.flag, 0, CANCEL);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([rec.run.ended, new Promise((resolve) => {
        ctx.signal.addEventListener('abort', resolve, { once: true });
        timer = setTimeout(resolve, Math.min(2 ** 31 - 1, ctx.deadline - Date.now()));
      })]);
      clearTimeout(timer);
    }
    return this.toProto(rec, false);
  }

  /**
   * Sends the job's latest progress, then each new event, the terminal one with last = true. Resolves after
   * that one, or when ctx.signal aborts; rejects UNAVAILABLE when the server closes first (the client reconnects).
   */
  watch(ctx: Ctx, id: string, send: Watcher['send']): Promise<void> {
    const rec = this.find(ctx.tenant, id);
    send(this.progress(rec), finished(rec.state));
    if (finished(rec.state)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const w: Watcher = {
        send,
        done: (e) => {
          rec.watchers.delete(w);
          ctx.signal.removeEventListener('abort', stop);
          if (e) reject(e); else resolve();
        },
      };
      const stop = () => w.done();
      rec.watchers.add(w);
      ctx.signal.addEventListener('abort', stop, { once: true });
    });
  }

  /** Ends every watch (UNAVAILABLE), stops running jobs keeping their last step done (up to drainMs), and the threads. */
  async close(): Promise<void> {
    this.closing = true;
    const all = [...this.byTenant.values()].flatMap((m) => [...m.values()]);
    for (const r of all) for (const w of r.watchers) w.done(graddError('UNAVAILABLE', 'the server is shutting down; the job goes on when it restarts'));
    const runs = all.flatMap((r) => (r.run ? [r.run] : []));
    runs.forEach((r) => Atomics.store(r.flag, 0, STOP));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(runs.map((r) => r.ended)), new Promise((resolve) => { timer = setTimeout(resolve, this.cfg.drainMs); })]);
    clearTimeout(timer);
    await this.pool.destroy();
  }

  // ---- internals ----

  private record(spec: Spec, request: Uint8Array, graph: GraphRef, dir: string): JobRecord {
    const req = fromBinary(j.StartJobRequestSchema, request), { name, hp } = resolveOptimizer(req.optimizer);
    const params = Float64Array.from(req.params.flatMap((t) => Array.from(tensorFromProto(t).values() as Float64Array)));
    return {
      id: spec.id, tenant: spec.tenant, modelId: spec.modelId, createMs: Date.parse(spec.createTime), dir, graph, request, req,
      optimizer: create(j.OptimizerSchema, { name, hyperparameters: hp }), state: JobState.QUEUED,
      step: 0, loss: NaN, gradNorm: NaN, elapsedMs: 0, rate: 0, losses: [], params, paramsStep: 0, resume: null, watchers: new Set(),
    };
  }

  private add(r: JobRecord): void {
    let mine = this.byTenant.get(r.tenant);
    if (!mine) this.byTenant.set(r.tenant, (mine = new Map()));
    mine.set(r.id, r);
  }

  private find(tenant: string, id: string): JobRecord {
    return this.byTenant.get(tenant)?.get(id) ?? fail('NOT_FOUND', `job ${JSON.stringify(id)} not found`);
  }

  /** Starts queued jobs while threads are free, each time from the tenant with the fewest running. */
  private pump(): void {
    while (!this.closing && this.running < this.cfg.limits.maxRunningJobs && this.queue.length) {
      const load = (t: string) => [...this.byTenant.get(t)!.values()].filter((r) => r.run).length;
      const next = this.queue.reduce((best, r) => (load(r.tenant) < load(best.tenant) ? r : best));
      this.queue.splice(this.queue.indexOf(next), 1);
      this.launch(next);
    }
    this.gauge();
  }

  private launch(rec: JobRecord): void {
    const { port1, port2 } = new MessageChannel();
    let end!: () => void;
    const ended = new Promise<void>((resolve) => { end = resolve; });
    const run: Run = { flag: new Int32Array(new SharedArrayBuffer(4)), startStep: rec.step, startElapsedMs: rec.elapsedMs, ended, end };
    rec.run = run;
    rec.state = JobState.RUNNING;
    this.running++;
    const task: JobTask = { dir: rec.dir, graph: rec.graph, request: rec.request, resume: rec.resume, flag: run.flag, port: port2, limits: this.cfg.limits };
    port1.on('message', (m: JobMessage) => {
      if (rec.run !== run) return;
      if (m.kind === 'progress') this.progressed(rec, m);
      else {
        port1.close();
        this.ended(rec, m.checkpoint, m.stopped);
      }
    });
    this.emit(rec, false);
    this.pool.run(task, { transferList: [port2] }).catch((e: Error) => {
      if (rec.run !== run) return;
      port1.close();
      if (this.closing) return this.ended(rec, null, true);
      this.log.warn({ err: e, job: rec.id }, 'a job\'s thread failed');
      this.ended(rec, null, false, { code: 'INTERNAL', message: `the job's thread failed: ${e.message}` });
    });
  }

  private progressed(rec: JobRecord, m: Extract<JobMessage, { kind: 'progress' }>): void {
    for (const v of m.losses) rec.losses.push(v);
    this.metrics.jobSteps.inc(m.losses.length);
    Object.assign(rec, { step: m.step, loss: m.losses.at(-1) ?? rec.loss, gradNorm: m.gradNorm, elapsedMs: m.elapsedMs });
    const seconds = (m.elapsedMs - rec.run!.startElapsedMs) / 1000;
    rec.rate = seconds > 0 ? (m.step - rec.run!.startStep) / seconds : 0;
    if (m.checkpoint) Object.assign(rec, { params: m.checkpoint, paramsStep: m.step });
    this.emit(rec, !!m.checkpoint);
  }

  /** A run is over: finished (c), stopped for shutdown, or its thread died (c null, error). */
  private ended(rec: JobRecord, c: Checkpoint | null, stopped: boolean, error?: { code: string; message: string }): void {
    const run = rec.run!;
    rec.run = undefined;
    this.running--;
    if (stopped) rec.resume = c ?? rec.resume;
    else if (c) {
      Object.assign(rec, { state: STORED[c.state], params: c.x, paramsStep: c.step, step: c.step, error: c.error, endMs: c.endMs });
      this.settled(rec);
    } else this.finish(rec, 'FAILED', error);
    run.end();
    this.pump();
  }

  /** Ends a job that has no thread running it, writing its final state. */
  private finish(rec: JobRecord, state: 'FAILED' | 'CANCELLED', error?: { code: string; message: string }): void {
    const r = rec.resume, endMs = Date.now();
    writeCheckpointSync(rec.dir, {
      state, step: rec.paramsStep, x: rec.params, opt: r?.opt ?? {}, loss: rec.loss, gradNorm: rec.gradNorm, elapsedMs: rec.elapsedMs, endMs, error,
    });
    Object.assign(rec, { state: STORED[state], step: rec.paramsStep, error, endMs });
    this.settled(rec);
  }

  /** A job reached its final state: count it, tell its watchers, make room. */
  private settled(rec: JobRecord): void {
    rec.resume = null;
    this.metrics.jobsEnded.inc({ state: JobState[rec.state] });
    this.emit(rec, true);
    this.prune(rec.tenant);
  }

  private prune(tenant: string): void {
    const mine = this.byTenant.get(tenant)!, done = [...mine.values()].filter((r) => finished(r.state)).sort((a, b) => a.createMs - b.createMs);
    for (const r of done.slice(0, Math.max(0, done.length - KEEP_FINISHED))) {
      mine.delete(r.id);
      void removeJob(r.dir);
    }
  }

  private emit(rec: JobRecord, checkpoint: boolean): void {
    const p = this.progress(rec, checkpoint), last = finished(rec.state);
    for (const w of rec.watchers) {
      w.send(p, last);
      if (last) w.done();
    }
  }

  private gauge(): void {
    this.metrics.jobs.set(this.running);
    this.metrics.jobsQueued.set(this.queue.length);
  }

  private progress(r: JobRecord, checkpoint = false): j.JobProgress {
    return create(j.JobProgressSchema, {
      jobId: r.id, state: r.state, step: r.step, loss: r.loss, gradNorm: r.gradNorm, elapsed: durationFromMs(Math.round(r.elapsedMs)),
      stepsPerSecond: r.run ? r.rate : 0, checkpoint,
    });
  }

  /** The job as the wire's Job; its parameters and loss history only when `full` (GetJob). */
  private toProto(r: JobRecord, full: boolean): j.Job {
    const argnums = r.req.argnums.length ? r.req.argnums : [0];
    let at = 0;
    const params = !full ? [] : r.req.params.map((t, k) => {
      const shape = t.shape.map(Number), size = shape.reduce((a, b) => a * b, 1);
      return tensorToProto(new NDArray(r.params.slice(at, (at += size)), shape, 'float64'), {}, `params[${k}] (input ${argnums[k]})`);
    });
    return create(j.JobSchema, {
      id: r.id, modelId: r.modelId, state: r.state, optimizer: r.optimizer, steps: r.req.steps, progress: this.progress(r),
      params, paramsStep: r.paramsStep, errorCode: r.error?.code ?? '', errorMessage: r.error?.message ?? '',
      createTime: timestampFromMs(r.createMs), endTime: r.endMs === undefined ? undefined : timestampFromMs(r.endMs),
      lossHistory: full ? r.losses : [], argnums,
    });
  }
}
