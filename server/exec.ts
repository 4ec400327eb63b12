// The computations on registered graphs, from request to response (bytes, or messages on the event loop):
// what a compute worker runs (server/worker.ts), and the event loop itself for graphs too small to be worth
// the hop. Tapes (the closures of makeVjp) live in the thread that ran their forward pass.
import { createHash } from 'node:crypto';
import { create, toBinary, type DescMessage, type Message, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import '../core/np.js'; // the whole op catalog, as a client that imports gradd has it
import { makeHvp, makeJvp, makeVjp, valueAndGrad } from '../core/differential.js';
import type { DType } from '../core/dtype.js';
import { evalGraph } from '../core/graph/eval.js';
import type { Graph, TensorSpec } from '../core/graph/ir.js';
import { compile, type Compiled } from '../core/graph/plan.js';
import { tensorMessage } from '../core/graph/tensor-wire.js';
import { trace } from '../core/graph/trace.js';
import { sameShape } from '../core/tracer.js';
import { NDArray } from '../core/ndarray.js';
import type { Meta, Value } from '../core/catalog.js';
import { fail, fmtShape, GraddRangeError, GraddTypeError, type ErrorCode } from '../core/errors.js';
import { onesLike, zerosLike } from '../core/ops/prims.js';
import { outputSpecs, validateGraph, type GraphLimits } from '../core/graph/validate.js';
import { DATATYPES, decode, encode as encodeMessage, graphFromProto, graphToProto, tensorFromProto, tensorToProto, type WireLimits } from '../core/graph/wire.js';
import { GraphSchema } from '../core/graph/gen/gradd/v1/graph_pb.js';
import { TensorContentsSchema, TensorSchema, type Tensor } from '../core/graph/gen/gradd/v1/tensor_pb.js';
import * as g from '../core/graph/gen/gradd/v1/gradient_pb.js';
import * as kserve from '../core/graph/gen/inference/grpc_predict_v2_pb.js';
import { isGradd } from './errors.js';
import { graphLimits, wireLimits, type Limits } from './limits.js';

/** A registered graph: its content hash and canonical encoding (in a SharedArrayBuffer, so every task shares one copy). */
export interface GraphRef { hash: string; bytes: Uint8Array }

export const CALLS = ['Evaluate', 'ValueAndGrad', 'Vjp', 'Jvp', 'Hvp', 'Jacobian', 'ModelInfer'] as const;
export type CallMethod = (typeof CALLS)[number];

/** Each call's request message. */
export const REQUESTS = {
  Evaluate: g.EvaluateRequestSchema, ValueAndGrad: g.ValueAndGradRequestSchema, Vjp: g.VjpRequestSchema, Jvp: g.JvpRequestSchema,
  Hvp: g.HvpRequestSchema, Jacobian: g.JacobianRequestSchema, ModelInfer: kserve.ModelInferRequestSchema,
} as const satisfies Record<CallMethod, DescMessage>;

/** A call's request: its encoding, or (on the event loop's lane, where nothing crosses a thread) the message itself. */
export type Task =
  | { kind: 'register'; request: Uint8Array }
  | { kind: 'call'; method: CallMethod; graph: GraphRef; request: Uint8Array | Message; tape?: { id: string; expireMs: number } }
  | { kind: 'backward'; tapeId: string; request: Uint8Array }
  | { kind: 'release'; tapeIds: string[] };

/** What RegisterModel learns from a graph. */
export interface Analysis {
  name: string;
  canonical: Uint8Array;
  /** sha256 of `canonical`, hex. */
  hash: string;
  catalogVersion: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  /** Estimated bytes a tape of this graph holds: every node's results and the inputs. */
  tapeBytes: number;
  /** Elements produced by all nodes together, and whether a loop can repeat them. */
  elements: number;
  loops: boolean;
}

export type Outcome = { ok: true; value: Uint8Array | Message | Analysis | null } | { ok: false; code: ErrorCode; message: string };

// The server's limits, and the core's views of them (made once: evalGraph reads a limits object once).
let wire: WireLimits, evalOpts: { limits: GraphLimits };
export function configure(l: Limits): void {
  wire = wireLimits(l);
  evalOpts = { limits: graphLimits(l) };
}

/**
 * Runs a task; every failure comes back as an Outcome, so it crosses a thread boundary intact. A call answers
 * with its response's encoding, or with the message itself when `messages` (nothing crosses a thread).
 */
export function execute(task: Task, messages = false): Outcome {
  try {
    switch (task.kind) {
      case 'register': return { ok: true, value: analyze(decode(g.RegisterModelRequestSchema, task.request)) };
      case 'call': return { ok: true, value: call(task.method, flat(task.graph), task.request, messages ? tensorMessage : encode, task.tape) };
      case 'backward': return { ok: true, value: backward(task.tapeId, task.request) };
      case 'release': task.tapeIds.forEach((id) => tapes.delete(id)); return { ok: true, value: null };
    }
  } catch (e) {
    if (isGradd(e)) return { ok: false, code: e.code, message: e.message };
    return { ok: false, code: 'INTERNAL', message: `internal error: ${(e as Error)?.message ?? String(e)}` };
  }
}

// ---- models ----

function analyze(req: g.RegisterModelRequest): Analysis {
  if (!req.graph) fail('BAD_ARGUMENT', 'RegisterModelRequest.graph is missing');
  const ir = graphFromProto(req.graph, wire);
  validateGraph(ir, evalOpts.limits);
  // The graph as read back (tensors raw, references normalised), maps in key order: one graph, one encoding.
  const canonical = toBinary(GraphSchema, sortMaps(graphToProto(ir)));
  const stats = { bytes: 0, elements: 0, loops: false };
  census(ir, stats);
  return {
    name: req.name, canonical, hash: createHash('sha256').update(canonical).digest('hex'), catalogVersion: ir.catalogVersion,
    inputs: ir.inputs, outputs: outputSpecs(ir).map((m) => ({ dtype: m.dtype, shape: [...m.shape] })), tapeBytes: stats.bytes + ir.inputs.reduce((n, s) => n + bytesOf(s), 0),
    elements: stats.elements, loops: stats.loops,
  };
}

const BYTES: Record<DType, number> = { bool: 1, int32: 4, int64: 8, float32: 4, float64: 8, complex128: 16 };
const bytesOf = (s: TensorSpec) => BYTES[s.dtype] * s.shape.reduce((a, b) => a * b, 1);
const LOOPS = new Set(['while_loop', 'for_loop', 'scan']);

function census(ir: Graph, stats: { bytes: number; elements: number; loops: boolean }): void {
  for (const n of ir.nodes) {
    stats.loops ||= LOOPS.has(n.op);
    for (const s of n.outputs) { stats.bytes += bytesOf(s); stats.elements += s.shape.reduce((a, b) => a * b, 1); }
  }
  ir.subgraphs.forEach((s) => census(s, stats));
}

/** Protobuf maps in key order, recursively (toBinary writes them in insertion order). */
function sortMaps<T>(v: T): T {
  if (Array.isArray(v)) return v.map(sortMaps) as T;
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  const entries = Object.entries(v);
  if (!('$typeName' in v)) entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, x]) => [k, sortMaps(x)])) as T;
}

// Graphs decoded once per thread, without their container trees: the server speaks flat lists of tensors.
const graphs = new Map<string, Graph>();
const GRAPH_CACHE = 256;

/** The graph used last: already last in `graphs`' order, so a run of calls on one model leaves the map alone. */
let newest = '';

function flat(ref: GraphRef): Graph {
  let ir = graphs.get(ref.hash);
  if (ir) {
    if (ref.hash === newest) return ir;
    graphs.delete(ref.hash);
  } else {
    const { inputTree: _i, outputTree: _o, ...rest } = graphFromProto(decode(GraphSchema, ref.bytes), wire);
    ir = rest;
    if (graphs.size >= GRAPH_CACHE) graphs.delete(graphs.keys().next().value!);
  }
  graphs.set(ref.hash, ir);
  newest = ref.hash;
  return ir;
}

// Graphs without control flow run compiled (core/graph/plan.ts): Evaluate the graph itself, ValueAndGrad its
// gradient graph, traced once per selection of inputs and output. null: run through the tracer (loops,
// primitives, or a selection the tracer refuses, which then reports why).
const plans = new WeakMap<Graph, Map<string | number, Compiled | null>>();
const PLANS_PER_GRAPH = 16;

function planned(ir: Graph, key: string | number, make: () => Graph): Compiled | null {
  let m = plans.get(ir);
  if (!m) plans.set(ir, m = new Map());
  let p = m.get(key);
  if (p === undefined) {
    try {
      const { inputTree: _i, outputTree: _o, ...flatGraph } = make();
      p = compile(flatGraph);
    } catch (e) {
      if (!(e instanceof GraddTypeError || e instanceof GraddRangeError)) throw e;
      p = null;
    }
    if (m.size >= PLANS_PER_GRAPH) m.delete(m.keys().next().value!);
    m.set(key, p);
  }
  return p;
}

/** A gradient plan's key: a number for one input and an output below 2^16 (no text to build and hash per call). */
const gradKey = (nums: number[], k: number) => (nums.length === 1 && nums[0] < 0x10000 && k < 0x10000 ? k * 0x10000 + nums[0] : `grad ${k} ${nums.join(',')}`);

/** [value, ...grads] of output k with respect to inputs nums, compiled. */
const gradientPlan = (ir: Graph, nums: number[], k: number) => planned(ir, gradKey(nums, k), () => trace((...xs: Value[]) => {
  const [value, grads] = valueAndGrad((...ys: Value[]) => (evalGraph(ir, ys, evalOpts) as Value[])[k], nums)(...xs) as [Value, Value[]];
  return [value, ...grads];
}, ...ir.inputs));

// ---- calls ----

type Fn = (...xs: Value[]) => Value[];

const tapes = new Map<string, { vjp: (cts: Value[]) => Value[]; outputs: Meta[] }>();

/** How a call answers: its response as a message (`tensorMessage`, create without reflection where it can) or encoded (`encode`). */
type Answer = <D extends DescMessage>(schema: D, init: MessageInitShape<D>) => Message | Uint8Array;

/** A call's request message, decoded here from its encoding unless it came as a message. */
function read<D extends DescMessage>(schema: D, request: Uint8Array | Message): MessageShape<D> {
  if (request instanceof Uint8Array) return decode(schema, request);
  if (request.$typeName !== schema.typeName) fail('INTERNAL', `a ${request.$typeName} was given where a ${schema.typeName} is expected`);
  return request as MessageShape<D>;
}

function call(method: CallMethod, ir: Graph, request: Uint8Array | Message, answer: Answer, tape?: { id: string; expireMs: number }): Uint8Array | Message {
  const f: Fn = (...xs) => evalGraph(ir, xs, evalOpts) as Value[];
  switch (method) {
    case 'Evaluate': {
      const req = read(g.EvaluateRequestSchema, request), xs = inputs(ir, req.inputs), plan = planned(ir, 'evaluate', () => ir);
      return answer(g.EvaluateResponseSchema, { outputs: tensorsOut(plan ? plan(xs) : f(...xs)) });
    }
    case 'ValueAndGrad': {
      const req = read(g.ValueAndGradRequestSchema, request), nums = argnums(ir, req.argnums), k = output(ir, req.output), xs = inputs(ir, req.inputs);
      const compiled = gradientPlan(ir, nums, k)?.(xs);
      const [value, grads] = compiled ? [compiled[0], compiled.slice(1)] : valueAndGrad((...ys: Value[]) => f(...ys)[k], nums)(...xs) as [Value, Value[]];
      return answer(g.ValueAndGradResponseSchema, { value: tensorToProto(value as NDArray), grads: tensorsOut(grads) });
    }
    case 'Vjp': {
      const req = read(g.VjpRequestSchema, request), nums = argnums(ir, req.argnums);
      const [vjp, values] = makeVjp(f, nums)(...inputs(ir, req.inputs)) as [(cts: Value[]) => Value[], Value[]];
      tapes.set(tape!.id, { vjp, outputs: outputSpecs(ir) });
      return answer(g.VjpResponseSchema, { tapeId: tape!.id, outputs: tensorsOut(values), expireTime: timestampFromMs(tape!.expireMs) });
    }
    case 'Jvp': {
      const req = read(g.JvpRequestSchema, request), nums = argnums(ir, req.argnums);
      const tangents = tensorsIn(req.tangents, nums.map((n) => ir.inputs[n]), 'tangents', (j) => `input ${nums[j]}`);
      const [values, jvps] = makeJvp(f, nums)(...inputs(ir, req.inputs))(tangents) as [Value[], Value[]];
      return answer(g.JvpResponseSchema, { outputs: tensorsOut(values), tangents: tensorsOut(jvps) });
    }
    case 'Hvp': {
      const req = read(g.HvpRequestSchema, request), nums = argnums(ir, req.argnums), k = output(ir, req.output);
      const vectors = tensorsIn(req.vectors, nums.map((n) => ir.inputs[n]), 'vectors', (j) => `input ${nums[j]}`);
      const [hvp] = makeHvp((...xs: Value[]) => f(...xs)[k], nums)(...inputs(ir, req.inputs)) as [(v: Value[]) => Value[], unknown];
      return answer(g.HvpResponseSchema, { hvps: tensorsOut(hvp(vectors)) });
    }
    case 'Jacobian': {
      const req = read(g.JacobianRequestSchema, request), nums = argnums(ir, req.argnums), k = output(ir, req.output);
      return answer(g.JacobianResponseSchema, { jacobians: tensorsOut(jacobians((...xs: Value[]) => f(...xs)[k], nums, inputs(ir, req.inputs))) });
    }
    case 'ModelInfer': return infer(ir, f, read(kserve.ModelInferRequestSchema, request), answer);
  }
}

function backward(tapeId: string, bytes: Uint8Array): Uint8Array {
  const tape = tapes.get(tapeId);
  if (!tape) fail('NOT_FOUND', `tape ${tapeId} is gone: the compute worker that held it restarted`);
  const req = decode(g.BackwardRequestSchema, bytes);
  const cts = tensorsIn(req.cotangents, tape.outputs, 'cotangents', (j) => `output ${j}`);
  return encode(g.BackwardResponseSchema, { grads: tensorsOut(tape.vjp(cts)) });
}

/** The Jacobian of f's (one) output with respect to each selected input, autograd's layout: output.shape + input.shape. One forward pass, one backward pass per output element. */
function jacobians(f: (...xs: Value[]) => Value, nums: number[], xs: NDArray[]): NDArray[] {
  const [vjp, ans] = makeVjp(f, nums)(...xs) as [(g: Value) => Value[], NDArray];
  const rows = nums.map(() => [] as NDArray[]);
  for (let i = 0; i < ans.size; i++) {
    const e = NDArray.zeros(ans.shape, ans.dtype);
    e.data[ans.dtype === 'complex128' ? 2 * i : i] = 1;
    vjp(e).forEach((r, j) => rows[j].push(r as NDArray));
  }
  return nums.map((n, j) => {
    const shape = [...ans.shape, ...xs[n].shape], dtype = rows[j][0]?.dtype ?? xs[n].dtype;
    const out = NDArray.zeros(shape, dtype), w = dtype === 'complex128' ? 2 : 1;
    rows[j].forEach((r, i) => out.data.set(r.values(), i * r.size * w));
    return out;
  });
}

// ---- KServe v2 ModelInfer, with the gradients extension ----

function infer(ir: Graph, f: Fn, req: kserve.ModelInferRequest, answer: Answer): Message | Uint8Array {
  const inName = (k: number) => `input_${k}`, outName = (k: number) => `output_${k}`;
  const byName = new Map(ir.inputs.map((_, k) => [inName(k), k]));
  const raw = req.rawInputContents;
  if (raw.length && raw.length !== req.inputs.length) fail('BAD_ARGUMENT', `raw_input_contents has ${raw.length} entries for ${req.inputs.length} inputs; send one per input`);
  const given: Tensor[] = [];
  req.inputs.forEach((t, j) => {
    const k = byName.get(t.name);
    if (k === undefined) fail('BAD_ARGUMENT', `inputs[${j}].name is ${JSON.stringify(t.name)}; the model's inputs are ${[...byName.keys()].join(', ')}`);
    if (given[k]) fail('BAD_ARGUMENT', `input ${t.name} is given twice`);
    const c = t.contents;
    if (c && (c.uintContents.length || c.uint64Contents.length || c.bytesContents.length)) fail('BAD_ARGUMENT', `input ${t.name}: gradd has no unsigned or bytes datatypes`);
    if (raw.length && c && Object.values(c).some((v) => Array.isArray(v) && v.length)) fail('BAD_ARGUMENT', `input ${t.name} has contents, but the request uses raw_input_contents`);
    given[k] = create(TensorSchema, {
      datatype: t.datatype, shape: t.shape, rawContents: raw[j] ?? new Uint8Array(),
      contents: c && create(TensorContentsSchema, { boolContents: c.boolContents, intContents: c.intContents, int64Contents: c.int64Contents, fp32Contents: c.fp32Contents, fp64Contents: c.fp64Contents }),
    });
  });
  const missing = ir.inputs.findIndex((_, k) => !given[k]);
  if (missing >= 0) fail('BAD_ARGUMENT', `input ${inName(missing)} is missing; the model takes ${ir.inputs.length} inputs`);
  const xs = tensorsIn(given, ir.inputs, 'inputs', (k) => `model input ${inName(k)}`, (k) => inName(k));

  const param = (name: string) => {
    const p = req.parameters[name]?.parameterChoice;
    if (p && p.case !== 'stringParam') fail('BAD_ARGUMENT', `parameter ${name} must be a string_param`);
    return p?.value as string | undefined;
  };
  const wanted = param('gradients')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  const nums = wanted.map((name) => byName.get(name) ?? fail('BAD_ARGUMENT', `parameter gradients names ${JSON.stringify(name)}; the model's inputs are ${[...byName.keys()].join(', ')}`));
  const gradOut = param('gradient_output') ?? outName(0);
  const sel = ir.outputs.findIndex((_, k) => outName(k) === gradOut);
  if (sel < 0) fail('BAD_ARGUMENT', `parameter gradient_output is ${JSON.stringify(gradOut)}, not one of the model's outputs`);

  let values: Value[], grads: Value[] = [];
  if (nums.length) {
    const [vjp, ys] = makeVjp(f, nums)(...xs) as [(cts: Value[]) => Value[], Value[]];
    const y = ys[sel];
    if (y.size !== 1 || y.dtype === 'complex128') fail('NON_SCALAR_OUTPUT', `the gradients extension needs a real scalar gradient_output; ${gradOut} is ${y.dtype}${fmtShape(y.shape)}`);
    values = ys;
    grads = vjp(ys.map((v, k) => (k === sel ? onesLike(v) : zerosLike(v))));
  } else values = f(...xs);

  const requested = req.outputs.map((o, j) => {
    const k = ir.outputs.findIndex((_, i) => outName(i) === o.name);
    return k >= 0 ? k : fail('BAD_ARGUMENT', `outputs[${j}].name is ${JSON.stringify(o.name)}; the model's outputs are ${ir.outputs.map((_, i) => outName(i)).join(', ')}`);
  });
  const results: [string, Value][] = [
    ...(requested.length ? requested : values.map((_, k) => k)).map((k): [string, Value] => [outName(k), values[k]]),
    ...grads.map((v, j): [string, Value] => [`${wanted[j]}.grad`, v]),
  ];
  const tensors = results.map(([name, v]) => ({ name, t: tensorToProto(v as NDArray, {}, name) }));
  return answer(kserve.ModelInferResponseSchema, {
    modelName: req.modelName, modelVersion: req.modelVersion, id: req.id,
    outputs: tensors.map(({ name, t }) => ({ name, datatype: t.datatype, shape: t.shape })),
    rawOutputContents: tensors.map(({ t }) => t.rawContents),
  });
}

// ---- tensors in and out ----

const encode = <D extends DescMessage>(schema: D, init: MessageInitShape<D>) => encodeMessage(schema, tensorMessage(schema, init));

const inputs = (ir: Graph, ts: Tensor[]) => tensorsIn(ts, ir.inputs, 'inputs', (k) => `model input ${k}`);

/** Tensors as arrays, each checked against its spec; never weak (a weak input would change result dtypes). */
function tensorsIn(ts: Tensor[], specs: readonly Meta[], field: string, what: (k: number) => string, label = (k: number) => `${field}[${k}]`): NDArray[] {
  if (ts.length !== specs.length) fail('BAD_ARGUMENT', `${field} has ${ts.length} tensors; ${specs.length} expected (${specs.map((_, k) => what(k)).join(', ') || 'none'})`);
  return ts.map((t, k) => {
    const a = tensorFromProto(t, wire, label(k)), s = specs[k];
    if (a.dtype !== s.dtype) fail('DTYPE_MISMATCH', `${label(k)} is ${DATATYPES[a.dtype]}, but ${what(k)} is ${DATATYPES[s.dtype]}${fmtShape(s.shape)}`);
    if (!sameShape(a.shape, s.shape))
      fail('SHAPE_MISMATCH', `${label(k)} has shape ${fmtShape(a.shape)}, but ${what(k)} has shape ${fmtShape(s.shape)}`);
    a.weak = false;
    return a;
  });
}

const tensorsOut = (vs: Value[]) => vs.map((v, i) => tensorToProto(v as NDArray, {}, `result ${i}`));

function argnums(ir: Graph, given: number[]): number[] {
  const nums = given.length ? given : [0];
  nums.forEach((n, j) => {
    if (n >= ir.inputs.length) fail('BAD_ARGUMENT', `argnums[${j}] is ${n}; the model has ${ir.inputs.length} inputs`);
    if (nums.indexOf(n) !== j) fail('BAD_ARGUMENT', `argnums lists input ${n} twice`);
  });
  return nums;
}

function output(ir: Graph, k: number): number {
  if (k >= ir.outputs.length) fail('BAD_ARGUMENT', `output is ${k}; the model has ${ir.outputs.length} outputs`);
  return k;
}
