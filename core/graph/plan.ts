// compile: a graph without control flow as a function of concrete arrays of its input types, for a server that
// runs one graph many times. Every node's shape rule runs once, here; a run calls each op's forward directly
// (no tracer, no shape inference), and small real elementwise nodes run as one loop over the op's scalar
// function with their broadcasting worked out in advance, into arrays made once where only other such loops
// read them. The results are those of evalGraph, bit for bit: the loops are the ones an op's forward runs for
// arrays below the native kernels' sizes.
import { getOp, type Attrs, type Meta, type OpDef } from '../catalog.js';
import { checkAbort } from '../cancel.js';
import { callOp } from '../call.js';
import { allocate, isComplex, type DType } from '../dtype.js';
import { graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { NATIVE_MIN_BINARY, NATIVE_MIN_UNARY } from '../native.js';
import { cStrides, NDArray, sizeOf } from '../ndarray.js';
import { decodeAttrs, operandsOf } from './attrs.js';
import type { Graph, Ref, TensorSpec } from './ir.js';

type Slot = NDArray | NDArray[];
type Get = (env: Slot[], xs: readonly NDArray[]) => NDArray;
type Step = (env: Slot[], xs: readonly NDArray[]) => Slot;

/** Runs the graph on arrays of its input types (checked by the caller); its outputs, a flat list. */
export type Compiled = (inputs: readonly NDArray[]) => NDArray[];

const CONTROL = new Set(['cond', 'while_loop', 'for_loop', 'scan', 'primitive']);

/** The graph compiled, or null where it has control flow or a node's shape rule refuses its operands (evalGraph then says why). */
export function compile(g: Graph): Compiled | null {
  if (g.nodes.some((n) => CONTROL.has(n.op))) return null;
  const metas: (Meta | Meta[])[] = [];
  const metaOf = (r: Ref): Meta => ('node' in r ? pick(metas[r.node], r.index) : 'input' in r ? g.inputs[r.input] : g.constants[r.constant]);
  let nodes: { op: OpDef; gets: Get[]; ins: Meta[]; out: Meta | Meta[]; attrs: Attrs | null; operands: number; loop: boolean }[];
  try {
    nodes = g.nodes.map((node, i) => {
      const op = getOp(node.op), gets = node.inputs.map((r) => getter(g, r)), operands = operandsOf(node.attrs).length;
      if (operands || op.valueDependent) {
        metas[i] = node.outputs.length === 1 && !op.multi ? node.outputs[0] : node.outputs;
        return { op, gets, ins: [], out: metas[i], attrs: null, operands, loop: false };
      }
      const attrs = Object.freeze(decodeAttrs(node.attrs, () => undefined)), ins = node.inputs.map(metaOf), out = metas[i] = op.infer(ins, attrs);
      return { op, gets, ins, out, attrs, operands, loop: !Array.isArray(out) && loops(op, ins, out) };
    });
  } catch (e) {
    if (e instanceof GraddTypeError || e instanceof GraddRangeError) return null;
    throw e;
  }
  // A loop's result that only other loops read, during the run, is written into the same array every run.
  const inner = nodes.map((n) => n.loop);
  g.outputs.forEach((r) => { if ('node' in r) inner[r.node] = false; });
  g.nodes.forEach((node, j) => node.inputs.forEach((r) => { if ('node' in r && !nodes[j].loop) inner[r.node] = false; }));
  const steps = nodes.map(({ op, gets, ins, out, attrs, operands, loop }, i): Step => {
    const node = g.nodes[i];
    if (attrs === null) return dynamic(op, gets, operands, node.attrs, node.outputs);
    return loop ? elementwise(op, gets, ins, out as Meta, inner[i]) : direct(op, gets, attrs, out, node.outputs);
  });
  const outs = g.outputs.map((r) => getter(g, r));
  return (xs) => {
    const env: Slot[] = new Array(steps.length);
    let i = 0;
    try {
      for (; i < steps.length; i++) {
        checkAbort();
        env[i] = steps[i](env, xs);
      }
    } catch (e) {
      throw e instanceof GraddTypeError || e instanceof GraddRangeError ? graddError(e.code, `node ${i} (${g.nodes[i].op}): ${e.message}`) : e;
    }
    return outs.map((get) => get(env, xs));
  };
}

const pick = <T>(v: T | T[], index = 0): T => (Array.isArray(v) ? v[index] : v);

function getter(g: Graph, r: Ref): Get {
  if ('input' in r) { const k = r.input; return (_env, xs) => xs[k]; }
  if ('constant' in r) { const c = g.constants[r.constant]; return () => c; }
  const j = r.node, k = r.index ?? 0;
  return (env) => pick(env[j], k);
}

/** The op's forward with its shape rule's result from compile time; a result of another dtype than declared
 * (linalg.eig's real eigenvalues) is cast, as evalGraph does. */
function direct(op: OpDef, gets: Get[], attrs: Attrs, out: Meta | Meta[], declared: TensorSpec[]): Step {
  const [a, b] = gets;
  if (gets.length === 1) return (env, xs) => asDeclared(op.forward([a(env, xs)], attrs, out), declared);
  if (gets.length === 2) return (env, xs) => asDeclared(op.forward([a(env, xs), b(env, xs)], attrs, out), declared);
  return (env, xs) => asDeclared(op.forward(gets.map((get) => get(env, xs)), attrs, out), declared);
}

/** Ops whose attributes hold node results (index arrays) or whose result type depends on values: the shape rule runs each time. */
function dynamic(op: OpDef, gets: Get[], operands: number, raw: Graph['nodes'][number]['attrs'], declared: TensorSpec[]): Step {
  const arrays = gets.length - operands;
  return (env, xs) => {
    const all = gets.map((get) => get(env, xs)), args = all.slice(0, arrays);
    const attrs = operands ? decodeAttrs(raw, (k) => all[arrays + k]) : decodeAttrs(raw, () => undefined);
    return asDeclared(op.forward(args, attrs, op.infer(args, attrs)), declared);
  };
}

const asDeclared = (r: Slot, declared: TensorSpec[]): Slot => (Array.isArray(r) ? r.map((v, k) => fit(v, declared[k])) : fit(r, declared[0]));
const fit = (v: NDArray, s: TensorSpec) => (v.dtype === s.dtype ? v : callOp('astype', [v], { dtype: s.dtype }) as NDArray);

/** Whether a node runs as one loop over op.scalar: a real elementwise op below the native kernels' sizes, whose
 * forward runs that same loop. */
function loops(op: OpDef, ins: Meta[], out: Meta): boolean {
  const { dtype } = out;
  return !!op.scalar && (dtype === 'float64' || dtype === 'float32') && ins.length === op.arity && !ins.some((m) => isComplex(m.dtype))
    && sizeOf(out.shape) < (ins.length === 1 ? NATIVE_MIN_UNARY : NATIVE_MIN_BINARY);
}

/** The loop of a node, each operand read through its broadcast index map (null where it has the result's shape);
 * `reused`: into one array made here (nothing keeps the result past the run). */
function elementwise(op: OpDef, gets: Get[], ins: Meta[], out: Meta, reused: boolean): Step {
  const { shape, dtype } = out, n = sizeOf(shape), f = op.scalar!, strides = cStrides(shape);
  const kept = reused ? new NDArray(output(dtype, n), shape, dtype, strides) : null;
  const result = (): NDArray => kept ?? new NDArray(output(dtype, n), shape, dtype, strides);
  if (ins.length === 1) {
    const [x] = gets, f1 = f as (v: number) => number;
    return (env, xs) => {
      const v = x(env, xs).values(), r = result(), o = r.data;
      for (let k = 0; k < n; k++) o[k] = f1(v[k]);
      return r;
    };
  }
  const [a, b] = gets, ia = indexMap(ins[0].shape, shape), ib = indexMap(ins[1].shape, shape), f2 = f as (u: number, v: number) => number;
  return (env, xs) => {
    const u = a(env, xs).values(), v = b(env, xs).values(), r = result(), o = r.data;
    if (ia === null && ib === null) for (let k = 0; k < n; k++) o[k] = f2(u[k], v[k]);
    else for (let k = 0; k < n; k++) o[k] = f2(u[ia === null ? k : ia[k]], v[ib === null ? k : ib[k]]);
    return r;
  };
}

const output = (dtype: DType, n: number) => allocate(dtype, n) as Float64Array | Float32Array;

/** For each element of `shape` in C order, the index of the element of a C-ordered `from` broadcast to it; null when from is shape. */
function indexMap(from: readonly number[], shape: readonly number[]): Int32Array | null {
  if (from.length === shape.length && from.every((d, i) => d === shape[i])) return null;
  const lead = shape.length - from.length, fs = cStrides(from), n = sizeOf(shape), map = new Int32Array(n), idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let at = 0;
    for (let d = lead; d < shape.length; d++) if (from[d - lead] !== 1) at += idx[d] * fs[d - lead];
    map[k] = at;
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return map;
}
