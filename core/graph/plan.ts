// compile: a graph without control flow as a function of concrete arrays of its input types, for a server that
// runs one graph many times. Every node's shape rule runs once, here; a run calls each op's forward directly
// (no tracer, no shape inference). Small real elementwise nodes run on the op's scalar function: each run of
// consecutive such nodes of one shape becomes one generated loop that takes every element through all of them
// in locals, reading operands from outside through broadcast index maps worked out in advance, and writing
// only the arrays something after it reads (into arrays made once where only other loops read them). The
// results are those of evalGraph, bit for bit: each node applies the scalar function an op's forward loops
// over for arrays below the native kernels' sizes, and a float32 node rounds as its array would.
import { getOp, type Attrs, type Meta, type OpDef } from '../catalog.js';
import { checkAbort } from '../cancel.js';
import { callOp } from '../call.js';
import { isComplex } from '../dtype.js';
import { graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { output } from '../kernels.js';
import { NATIVE_MIN_BINARY, NATIVE_MIN_UNARY } from '../native.js';
import { cStrides, NDArray, sizeOf } from '../ndarray.js';
import { sameShape } from '../tracer.js';
import { decodeAttrs, operandsOf } from './attrs.js';
import type { Graph, Ref, TensorSpec } from './ir.js';

type Slot = NDArray | NDArray[];
type Get = (env: Slot[], xs: readonly NDArray[]) => NDArray;
/** Runs one node or a fused run of them, writing their results into env. */
type Step = (env: Slot[], xs: readonly NDArray[]) => void;
interface Planned { op: OpDef; gets: Get[]; ins: Meta[]; out: Meta | Meta[]; attrs: Attrs | null; operands: number; loop: boolean }

/** Runs the graph on arrays of its input types (checked by the caller); its outputs, a flat list. */
export type Compiled = (inputs: readonly NDArray[]) => NDArray[];

const CONTROL = new Set(['cond', 'while_loop', 'for_loop', 'scan', 'primitive']);

/** The graph compiled, or null where it has control flow or a node's shape rule refuses its operands (evalGraph then says why). */
export function compile(g: Graph): Compiled | null {
  if (g.nodes.some((n) => CONTROL.has(n.op))) return null;
  const metas: (Meta | Meta[])[] = [];
  const metaOf = (r: Ref): Meta => ('node' in r ? pick(metas[r.node], r.index) : 'input' in r ? g.inputs[r.input] : g.constants[r.constant]);
  let nodes: Planned[];
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
  // The last node that reads each node's result (past every node: a graph output).
  const lastRead = new Int32Array(nodes.length).fill(-1);
  g.nodes.forEach((node, j) => node.inputs.forEach((r) => { if ('node' in r) lastRead[r.node] = j; }));
  g.outputs.forEach((r) => { if ('node' in r) lastRead[r.node] = nodes.length; });
  const steps: Step[] = [], at: number[] = [];
  for (let i = 0; i < nodes.length;) {
    const { op, gets, out, attrs, operands, loop } = nodes[i], node = g.nodes[i];
    at.push(i);
    if (!loop) {
      steps.push(attrs === null ? dynamic(i, op, gets, operands, node.attrs, node.outputs) : direct(i, op, gets, attrs, out, node.outputs));
      i++;
      continue;
    }
    let last = i;
    while (last + 1 < nodes.length && nodes[last + 1].loop && sameShape((nodes[last + 1].out as Meta).shape, (out as Meta).shape)) last++;
    steps.push(fused(g, nodes, i, last, inner, lastRead));
    i = last + 1;
  }
  const outs = g.outputs.map((r) => getter(g, r));
  return (xs) => {
    const env: Slot[] = new Array(nodes.length);
    let s = 0;
    try {
      for (; s < steps.length; s++) {
        checkAbort();
        steps[s](env, xs);
      }
    } catch (e) {
      throw e instanceof GraddTypeError || e instanceof GraddRangeError ? graddError(e.code, `node ${at[s]} (${g.nodes[at[s]].op}): ${e.message}`) : e;
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
function direct(i: number, op: OpDef, gets: Get[], attrs: Attrs, out: Meta | Meta[], declared: TensorSpec[]): Step {
  const [a, b] = gets;
  if (gets.length === 1) return (env, xs) => { env[i] = asDeclared(op.forward([a(env, xs)], attrs, out), declared); };
  if (gets.length === 2) return (env, xs) => { env[i] = asDeclared(op.forward([a(env, xs), b(env, xs)], attrs, out), declared); };
  return (env, xs) => { env[i] = asDeclared(op.forward(gets.map((get) => get(env, xs)), attrs, out), declared); };
}

/** Ops whose attributes hold node results (index arrays) or whose result type depends on values: the shape rule runs each time. */
function dynamic(i: number, op: OpDef, gets: Get[], operands: number, raw: Graph['nodes'][number]['attrs'], declared: TensorSpec[]): Step {
  const arrays = gets.length - operands;
  return (env, xs) => {
    const all = gets.map((get) => get(env, xs)), args = all.slice(0, arrays);
    const attrs = operands ? decodeAttrs(raw, (k) => all[arrays + k]) : decodeAttrs(raw, () => undefined);
    env[i] = asDeclared(op.forward(args, attrs, op.infer(args, attrs)), declared);
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

/** Loop nodes first..last (consecutive, of one shape) as one generated loop over their elements. An operand from
 * outside the run is read through its broadcast index map; a node's value stays in a local unless a node after
 * the run or the graph's outputs read it (lastRead), when it is written into its array (the same array every run where
 * only loops read it: `inner`). */
function fused(g: Graph, nodes: Planned[], first: number, last: number, inner: boolean[], lastRead: Int32Array): Step {
  const { shape } = nodes[first].out as Meta, n = sizeOf(shape), strides = cStrides(shape);
  const read = new Map<string, number>(), gets: Get[] = [], maps: (Int32Array | null)[] = [], fns: OpDef['scalar'][] = [], made: (() => NDArray)[] = [];
  const body: string[] = [], stores: string[] = [], results: string[] = [];
  for (let i = first; i <= last; i++) {
    const args = g.nodes[i].inputs.map((r, p) => {
      if ('node' in r && r.node >= first) return `t${r.node}`;
      const key = 'input' in r ? `i${r.input}` : 'constant' in r ? `c${r.constant}` : `n${r.node}.${r.index ?? 0}`;
      let e = read.get(key);
      if (e === undefined) {
        read.set(key, e = gets.length);
        gets.push(getter(g, r));
        maps.push(indexMap(nodes[i].ins[p].shape, shape));
      }
      return maps[e] ? `e${e}[m${e}[k]]` : `e${e}[k]`;
    });
    const call = `f${fns.length}(${args.join(', ')})`;
    fns.push(nodes[i].op.scalar);
    body.push(`const t${i} = ${(nodes[i].out as Meta).dtype === 'float32' ? `Math.fround(${call})` : call};`);
    if (lastRead[i] > last) {
      const { dtype } = nodes[i].out as Meta;
      const kept = inner[i] ? new NDArray(output(dtype, n), shape, dtype, strides) : null;
      results.push(`const r${i} = A[${made.length}](), o${i} = r${i}.data;`);
      made.push(kept ? () => kept : () => new NDArray(output(dtype, n), shape, dtype, strides));
      body.push(`o${i}[k] = t${i};`);
      stores.push(`env[${i}] = r${i};`);
    }
  }
  const src = [
    ...fns.map((_, q) => `const f${q} = F[${q}];`), ...maps.map((m, e) => (m ? `const m${e} = M[${e}];` : '')),
    'return (env, xs) => {', ...gets.map((_, e) => `const e${e} = G[${e}](env, xs).values();`), ...results,
    `for (let k = 0; k < ${n}; k++) {`, ...body, '}', ...stores, '};',
  ].join('\n');
  // Generated per run of nodes, so that each scalar call site sees one function (and V8 inlines it).
  return new Function('F', 'G', 'M', 'A', src)(fns, gets, maps, made) as Step;
}

/** For each element of `shape` in C order, the index of the element of a C-ordered `from` broadcast to it; null when from is shape. */
function indexMap(from: readonly number[], shape: readonly number[]): Int32Array | null {
  if (sameShape(from, shape)) return null;
  const lead = shape.length - from.length, fs = cStrides(from), n = sizeOf(shape), map = new Int32Array(n), idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let at = 0;
    for (let d = lead; d < shape.length; d++) if (from[d - lead] !== 1) at += idx[d] * fs[d - lead];
    map[k] = at;
    for (let d = shape.length - 1; d >= 0 && ++idx[d] === shape[d]; d--) idx[d] = 0;
  }
  return map;
}
