// An optimization job's thread (a piscina task of its own pool, server/jobs.ts): runs the steps, checkpoints
// to the job's directory itself (synchronously: the step waits for its checkpoint to be durable), and posts
// progress to the main thread on the task's MessagePort, at most every PROGRESS_MS, at every checkpoint and
// at the end. The task's flag (shared memory) asks it to stop: CANCEL after the current step, STOP (the
// server is shutting down) at once, at the next graph or tape node, keeping the last step done.
import type { MessagePort } from 'node:worker_threads';
import '../core/np.js'; // the whole op catalog
import { withSignal } from '../core/cancel.js';
import { valueAndGrad } from '../core/differential.js';
import { fail } from '../core/errors.js';
import { evalGraph } from '../core/graph/eval.js';
import type { Graph } from '../core/graph/ir.js';
import { decode, graphFromProto, tensorFromProto } from '../core/graph/wire.js';
import { GraphSchema } from '../core/graph/gen/gradd/v1/graph_pb.js';
import { StartJobRequestSchema, type Optimizer } from '../core/graph/gen/gradd/v1/jobs_pb.js';
import { NDArray } from '../core/ndarray.js';
import type { Value } from '../core/catalog.js';
import { lbfgsInit, lbfgsStep, rules, type Objective, type State } from '../core/optimizers.js';
import { isGradd } from './errors.js';
import type { GraphRef } from './exec.js';
import { graphLimits, wireLimits, type Limits } from './limits.js';
import { writeCheckpointSync, type Checkpoint } from './jobs-store.js';

export const RUN = 0, CANCEL = 1, STOP = 2;
const PROGRESS_MS = 25;

/** Each optimizer's hyper-parameters by autograd's names, with autograd's defaults ("sgd" is plain: mass 0). */
export const OPTIMIZERS: Record<string, Record<string, number>> = {
  sgd: { step_size: 0.1, mass: 0 },
  momentum: { step_size: 0.1, mass: 0.9 },
  rmsprop: { step_size: 0.1, gamma: 0.9, eps: 1e-8 },
  adam: { step_size: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8 },
  lbfgs: { history: 10, gtol: 1e-5, c1: 1e-4, c2: 0.9 },
};

/** The optimizer a request names, every hyper-parameter filled in; BAD_ARGUMENT for what it cannot be. */
export function resolveOptimizer(o: Optimizer | undefined): { name: string; hp: Record<string, number> } {
  const name = o?.name || 'adam', defaults = OPTIMIZERS[name];
  if (!defaults) fail('BAD_ARGUMENT', `optimizer.name is ${JSON.stringify(name)}; one of ${Object.keys(OPTIMIZERS).join(', ')}`);
  for (const [k, v] of Object.entries(o?.hyperparameters ?? {})) {
    if (!(k in defaults)) fail('BAD_ARGUMENT', `optimizer ${name} has no hyperparameter ${JSON.stringify(k)}; its hyperparameters are ${Object.keys(defaults).join(', ')}`);
    if (!Number.isFinite(v)) fail('BAD_ARGUMENT', `optimizer hyperparameter ${k} is ${v}; it must be finite`);
  }
  const hp = { ...defaults, ...o?.hyperparameters };
  if (name === 'lbfgs') {
    if (!Number.isInteger(hp.history) || hp.history < 1 || hp.history > 1000) fail('BAD_ARGUMENT', `lbfgs history is ${hp.history}; an integer from 1 to 1000`);
    if (!(hp.c1 > 0 && hp.c1 < hp.c2 && hp.c2 < 1)) fail('BAD_ARGUMENT', `lbfgs needs 0 < c1 < c2 < 1; c1 is ${hp.c1}, c2 ${hp.c2}`);
  }
  return { name, hp };
}

interface Stepper {
  init(n: number): State;
  /** Step i (0-based) from x, updating x and state in place: the loss and gradient norm it reports, and whether the run is over. */
  step(x: Float64Array, i: number, state: State, f: Objective): { loss: number; gradNorm: number; done: boolean };
}

const norm = (g: Float64Array) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));

export function stepper(name: string, hp: Record<string, number>): Stepper {
  if (name === 'lbfgs') {
    const o = { history: hp.history, gtol: hp.gtol, c1: hp.c1, c2: hp.c2 };
    return {
      init: (n) => lbfgsInit(n, o),
      step: (x, _i, state, f) => { const r = lbfgsStep(x, state, f, o); return { loss: r.loss, gradNorm: norm(r.g), done: r.done }; },
    };
  }
  const rule = name === 'rmsprop' ? rules.rmsprop({ stepSize: hp.step_size, gamma: hp.gamma, eps: hp.eps })
    : name === 'adam' ? rules.adam({ stepSize: hp.step_size, b1: hp.b1, b2: hp.b2, eps: hp.eps })
      : rules.sgd({ stepSize: hp.step_size, mass: hp.mass });
  return {
    init: (n) => rule.init(n),
    step: (x, i, state, f) => {
      const [loss, g] = f(x);
      rule.step(x, g, i, state);
      return { loss, gradNorm: norm(g), done: false };
    },
  };
}

export interface JobTask {
  dir: string;
  graph: GraphRef;
  /** The StartJobRequest, binary; checked by StartJob. */
  request: Uint8Array;
  /** The checkpoint to continue from; null: from the request's parameters. */
  resume: Checkpoint | null;
  flag: Int32Array;
  port: MessagePort;
  limits: Limits;
}

export type JobMessage =
  /** Steps up to `step` are done; `losses` are those since the last message; `checkpoint`: the parameters at `step`, now durable. */
  | { kind: 'progress'; step: number; losses: Float64Array; gradNorm: number; elapsedMs: number; checkpoint: Float64Array | null }
  /** The job's last state, as written; `stopped`: the server is shutting down and the job resumes when it restarts. */
  | { kind: 'end'; checkpoint: Checkpoint; stopped: boolean };

/**
 * The loss and flat gradient of the request's output with respect to its argnums, as a function of the flat parameters.
 * Through the tracer, as embedded gradd differentiates: ValueAndGrad's compiled gradient graph rounds differently, and
 * a job must give the embedded optimizers' parameters bit for bit (compiled, test/jobs/restart.test.ts's job ended 7e-5 away).
 */
function objective(ir: Graph, argnums: number[], output: number, fixed: NDArray[], limits: Limits): Objective {
  const f = (...xs: Value[]) => (evalGraph(ir, xs, { limits: graphLimits(limits) }) as Value[])[output];
  const vg = valueAndGrad(f, argnums);
  const sizes = argnums.map((k) => ir.inputs[k].shape.reduce((a, b) => a * b, 1)), n = sizes.reduce((a, b) => a + b, 0);
  return (x) => {
    let off = 0, j = 0;
    const xs = ir.inputs.map((s, k) => {
      if (!argnums.includes(k)) return fixed[j++];
      const size = s.shape.reduce((a, b) => a * b, 1);
      return new NDArray(x.slice(off, (off += size)), [...s.shape], 'float64');
    });
    const [value, grads] = vg(...xs) as [NDArray, NDArray[]];
    const g = new Float64Array(n);
    let at = 0;
    grads.forEach((gk) => { g.set(gk.values(), at); at += gk.size; });
    return [Number(value.item()), g];
  };
}

export default function runJob(task: JobTask): void {
  const { port, flag, dir } = task;
  const req = decode(StartJobRequestSchema, task.request);
  const { inputTree: _i, outputTree: _o, ...ir } = graphFromProto(decode(GraphSchema, task.graph.bytes), wireLimits(task.limits));
  const argnums = req.argnums.length ? req.argnums : [0];
  const fixed = req.inputs.map((t, k) => { const a = tensorFromProto(t, wireLimits(task.limits), `inputs[${k}]`); a.weak = false; return a; });
  const f = objective(ir, argnums, req.output, fixed, task.limits);
  const { name, hp } = resolveOptimizer(req.optimizer), opt = stepper(name, hp);

  const r = task.resume;
  const x = r ? r.x : Float64Array.from(req.params.flatMap((t, k) => Array.from(tensorFromProto(t, wireLimits(task.limits), `params[${k}]`).values() as Float64Array)));
  const state = r ? r.opt : opt.init(x.length);
  let step = r?.step ?? 0, loss = r?.loss ?? NaN, gradNorm = r?.gradNorm ?? NaN;
  const t0 = performance.now(), before = r?.elapsedMs ?? 0, elapsed = () => before + performance.now() - t0;
  let sent: number[] = [], unwritten: number[] = [], unwrittenFrom = step, lastPost = 0;

  const checkpoint = (s: Checkpoint['state'], error?: Checkpoint['error']): Checkpoint => {
    const c: Checkpoint = { state: s, step, x, opt: state, loss, gradNorm, elapsedMs: elapsed(), error, endMs: s === 'RUNNING' ? undefined : Date.now() };
    writeCheckpointSync(dir, c, { from: unwrittenFrom, values: Float64Array.from(unwritten) });
    unwritten = [];
    unwrittenFrom = step;
    return c;
  };
  const post = (kept: boolean) => {
    port.postMessage({ kind: 'progress', step, losses: Float64Array.from(sent), gradNorm, elapsedMs: elapsed(), checkpoint: kept ? x.slice() : null } satisfies JobMessage);
    sent = [];
    lastPost = performance.now();
  };
  const end = (s: Checkpoint['state'], error?: Checkpoint['error'], stopped = false) => {
    const c = checkpoint(s, error);
    post(true);
    port.postMessage({ kind: 'end', checkpoint: c, stopped } satisfies JobMessage);
  };

  const stopping = { get aborted() { return Atomics.load(flag, 0) === STOP; } };
  for (;;) {
    if (step >= req.steps) return end('SUCCEEDED');
    const asked = Atomics.load(flag, 0);
    if (asked === CANCEL) return end('CANCELLED');
    if (asked === STOP) return end('RUNNING', undefined, true);
    let out: ReturnType<Stepper['step']>;
    try {
      out = withSignal(stopping, () => opt.step(x, step, state, f));
    } catch (e) {
      if (Atomics.load(flag, 0) === STOP) return end('RUNNING', undefined, true);
      return end('FAILED', isGradd(e) ? { code: e.code, message: `step ${step + 1}: ${e.message}` } : { code: 'INTERNAL', message: `step ${step + 1}: ${(e as Error)?.message ?? e}` });
    }
    step++;
    ({ loss, gradNorm } = out);
    sent.push(loss);
    unwritten.push(loss);
    if (out.done) return end('SUCCEEDED');
    const every = req.checkpointEvery;
    if (every && step % every === 0 && step < req.steps) {
      checkpoint('RUNNING');
      post(true);
    } else if (performance.now() - lastPost >= PROGRESS_MS) post(false);
  }
}
