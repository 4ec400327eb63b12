// compile: a graph without control flow as a function of concrete arrays of its input types, for a server that
// runs one graph many times. Every node's shape rule runs once, here; a run calls each op's forward directly
// (no tracer, no shape inference). Small real nodes run inside generated loops: elementwise nodes on the op's
// scalar function, small matrix products (dot, matmul) as one inner product per element, and a total (sum over
// every axis) as a running sum. Each run of consecutive such nodes of one shape becomes one loop that takes
// every element through all of them in locals (totals, and the 0-d nodes that follow from them, after it),
// reading operands from outside through broadcast index maps worked out in advance, and writing only the arrays
// something after it reads (into arrays made once where only other loops read them). The results are those of
// evalGraph, bit for bit: each node does the arithmetic, in the order, that an op's forward does below the native
// kernels' sizes (jsGemm's inner products, sum3's running sum), and a float32 node rounds as its array would.
import { getOp, type Attrs, type Meta, type OpDef } from '../catalog.js';
import { checkAbort } from '../cancel.js';
import { callOp } from '../call.js';
import { isComplex } from '../dtype.js';
import { graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { output } from '../kernels.js';
import { NATIVE_MIN_BINARY, NATIVE_MIN_SUM, NATIVE_MIN_UNARY } from '../native.js';
import { GEMM_MIN_WORK, matrixDims } from '../ops/products.js';
import { cStrides, NDArray, sizeOf } from '../ndarray.js';
import { sameShape } from '../tracer.js';
import { decodeAttrs, operandsOf } from './attrs.js';
import type { Graph, Ref, TensorSpec } from './ir.js';

type Slot = NDArray | NDArray[];
type Get = (env: Slot[], xs: readonly NDArray[]) => NDArray;
/** Runs one node or a fused run of them, writing their results into env. */
type Step = (env: Slot[], xs: readonly NDArray[]) => void;
/** How a node runs inside a generated loop: elementwise, an inner product per element, or a running sum; null: on its own. */
type Loop = 'map' | 'product' | 'total' | null;
interface Planned { op: OpDef; gets: Get[]; ins: Meta[]; out: Meta | Meta[]; attrs: Attrs | null; operands: number; loop: Loop }
/** Per node: written into the same array every run; worked out after its run's loop; the last node that reads it. */
interface Placement { inner: boolean[]; late: boolean[]; lastRead: Int32Array }

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
        return { op, gets, ins: [], out: metas[i], attrs: null, operands, loop: null };
      }
      const attrs = Object.freeze(decodeAttrs(node.attrs, () => undefined)), ins = node.inputs.map(metaOf), out = metas[i] = op.infer(ins, attrs);
      return { op, gets, ins, out, attrs, operands, loop: Array.isArray(out) ? null : loopOf(op, ins, out) };
    });
  } catch (e) {
    if (e instanceof GraddTypeError || e instanceof GraddRangeError) return null;
    throw e;
  }
  // Runs of loop nodes, [first, last], of one shape. A product reads whole arrays, so its operands come from before
  // its run. A total sums a value of its run as the loop makes it; it is whole only after the loop, where it and the
  // 0-d elementwise nodes of it are worked out (`late`), so no node inside the loop reads them.
  const runs: [number, number][] = [], inRun = new Array<boolean>(nodes.length).fill(false), late = [...inRun];
  const place = (j: number, first: number, shape: readonly number[]): 'loop' | 'late' | null => {
    const { loop, out, ins } = nodes[j], reads = g.nodes[j].inputs.flatMap((r) => ('node' in r && r.node >= first ? [r.node] : []));
    if (loop === 'total') return reads.length === 1 && !late[reads[0]] && sameShape(ins[0].shape, shape) ? 'late' : null;
    if (loop === 'map' && (out as Meta).shape.length === 0 && reads.length && reads.every((k) => late[k])) return 'late';
    if (reads.some((k) => late[k])) return null;
    return (loop === 'map' || (loop === 'product' && !reads.length)) && sameShape((out as Meta).shape, shape) ? 'loop' : null;
  };
  for (let i = 0; i < nodes.length; i++) {
    const { shape } = nodes[i].out as Meta;
    if (nodes[i].loop === null || place(i, i, shape) !== 'loop') continue;
    let last = i;
    for (let at; last + 1 < nodes.length && (at = place(last + 1, i, shape));) late[++last] = at === 'late';
    runs.push([i, last]);
    inRun.fill(true, i, last + 1);
    i = last;
  }
  // A loop's result that only loops read, during the run, is written into the same array every run.
  const inner = [...inRun];
  g.outputs.forEach((r) => { if ('node' in r) inner[r.node] = false; });
  g.nodes.forEach((node, j) => node.inputs.forEach((r) => { if ('node' in r && !inRun[j]) inner[r.node] = false; }));
  // The last node that reads each node's result (past every node: a graph output).
  const lastRead = new Int32Array(nodes.length).fill(-1);
  g.nodes.forEach((node, j) => node.inputs.forEach((r) => { if ('node' in r) lastRead[r.node] = j; }));
  g.outputs.forEach((r) => { if ('node' in r) lastRead[r.node] = nodes.length; });
  const steps: Step[] = [], at: number[] = [];
  for (let i = 0, r = 0; i < nodes.length;) {
    at.push(i);
    if (runs[r]?.[0] === i) {
      const [first, last] = runs[r++];
      steps.push(fused(g, nodes, first, last, { inner, late, lastRead }));
      i = last + 1;
      continue;
    }
    const { op, gets, out, attrs, operands } = nodes[i], node = g.nodes[i];
    steps.push(attrs === null ? dynamic(i, op, gets, operands, node.attrs, node.outputs) : direct(i, op, gets, attrs, out, node.outputs));
    i++;
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

/** How a node runs in a loop, where its forward (below the native kernels' sizes) does that same arithmetic: a real
 * elementwise op over op.scalar; a dot or matmul of vectors and matrices of one real dtype, small enough for jsGemm;
 * a sum over every axis of a small real array, as sum3 adds it up. */
function loopOf(op: OpDef, ins: Meta[], out: Meta): Loop {
  const { dtype } = out, real = dtype === 'float64' || dtype === 'float32';
  if (!real || ins.some((m) => isComplex(m.dtype))) return null;
  if (op.scalar && ins.length === op.arity && sizeOf(out.shape) < (ins.length === 1 ? NATIVE_MIN_UNARY : NATIVE_MIN_BINARY)) return 'map';
  const same = ins.every((m) => m.dtype === dtype);
  if ((op.name === 'dot' || op.name === 'matmul') && same) {
    const dims = matrixDims(ins[0], ins[1]);
    return dims && dims[0] * dims[1] * dims[2] < GEMM_MIN_WORK ? 'product' : null;
  }
  return op.name === 'sum' && same && out.shape.length === 0 && sizeOf(ins[0].shape) < NATIVE_MIN_SUM ? 'total' : null;
}

/** Loop nodes first..last (of one shape, with the totals of their values and what follows from those: `late`) as one
 * generated loop over their elements. An operand from outside the run is read through its broadcast index map (whole,
 * by a product); a node's value stays in a local unless a node after the run or the graph's outputs read it (lastRead),
 * when it is written into its array (the same array every run where only loops read it: `inner`). */
function fused(g: Graph, nodes: Planned[], first: number, last: number, { inner, late, lastRead }: Placement): Step {
  const { shape } = nodes[first].out as Meta, n = sizeOf(shape);
  const read = new Map<string, number>(), gets: Get[] = [], maps: (Int32Array | null)[] = [], fns: OpDef['scalar'][] = [], made: (() => NDArray)[] = [];
  const before: string[] = [], body: string[] = [], after: string[] = [], stores: string[] = [], results: string[] = [];
  const operand = (r: Ref, from: readonly number[] | null) => {
    const key = ('input' in r ? `i${r.input}` : 'constant' in r ? `c${r.constant}` : `n${r.node}.${r.index ?? 0}`) + (from ? '' : ' whole');
    let e = read.get(key);
    if (e === undefined) {
      read.set(key, e = gets.length);
      gets.push(getter(g, r));
      maps.push(from && indexMap(from, shape));
    }
    return e;
  };
  for (let i = first; i <= last; i++) {
    const { loop, ins, out } = nodes[i], { dtype } = out as Meta, round = (v: string) => (dtype === 'float32' ? `Math.fround(${v})` : v);
    const inputs = g.nodes[i].inputs;
    if (loop === 'total') {
      before.push(`let t${i} = 0;`);
      body.push(`t${i} += t${(inputs[0] as { node: number }).node};`);
      if (dtype === 'float32') after.push(`t${i} = Math.fround(t${i});`); // as sum3's float32 result holds it
    } else if (loop === 'product') {
      // jsGemm's inner product for output element k = (row, column) of a (a row of a, or a itself) and b (a column, or b).
      const [, K, cols] = matrixDims(ins[0], ins[1])!, a = operand(inputs[0], null), b = operand(inputs[1], null);
      const row = ins[0].shape.length === 1 ? '0' : ins[1].shape.length === 1 ? `k * ${K}` : `((k / ${cols}) | 0) * ${K}`;
      const col = ins[1].shape.length === 1 ? '0' : ins[0].shape.length === 1 ? 'k' : `k % ${cols}`;
      body.push(`let t${i} = 0;`, `for (let p = 0, pa = ${row}, pb = ${col}; p < ${K}; p++, pa++, pb += ${ins[1].shape.length === 1 ? 1 : cols}) t${i} += e${a}[pa] * e${b}[pb];`);
      if (dtype === 'float32') body.push(`t${i} = Math.fround(t${i});`);
    } else {
      const args = inputs.map((r, p) => {
        if ('node' in r && r.node >= first) return `t${r.node}`;
        if (late[i] || sizeOf(ins[p].shape) === 1) return `e${operand(r, null)}[0]`; // a 0-d (or one-element) operand
        const e = operand(r, ins[p].shape);
        return maps[e] ? `e${e}[m${e}[k]]` : `e${e}[k]`;
      });
      (late[i] ? after : body).push(`const t${i} = ${round(`f${fns.length}(${args.join(', ')})`)};`);
      fns.push(nodes[i].op.scalar);
    }
    if (lastRead[i] > last) {
      const own = (out as Meta).shape, size = sizeOf(own), strides = cStrides(own);
      const kept = inner[i] ? new NDArray(output(dtype, size), own, dtype, strides) : null;
      results.push(`const r${i} = A[${made.length}](), o${i} = r${i}.data;`);
      made.push(kept ? () => kept : () => new NDArray(output(dtype, size), own, dtype, strides));
      (late[i] ? after : body).push(`o${i}[${late[i] ? 0 : 'k'}] = t${i};`);
      stores.push(`env[${i}] = r${i};`);
    }
  }
  const src = [
    ...fns.map((_, q) => `const f${q} = F[${q}];`), ...maps.map((m, e) => (m ? `const m${e} = M[${e}];` : '')),
    'return (env, xs) => {', ...gets.map((_, e) => `const e${e} = G[${e}](env, xs).values();`), ...results, ...before,
    `for (let k = 0; k < ${n}; k++) {`, ...body, '}', ...after, ...stores, '};',
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
