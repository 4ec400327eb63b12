// Fuzzing the validator and the interpreter with mutated traced graphs and random ones: whatever comes in,
// the answer is a result or a GraddTypeError / GraddRangeError, in bounded time.
import { describe, expect, it } from 'vitest';
import { allOps, getOp } from '../../core/catalog.js';
import { grad } from '../../core/differential.js';
import { DTYPES, type DType } from '../../core/dtype.js';
import { GraddRangeError, GraddTypeError } from '../../core/errors.js';
import { evalGraph } from '../../core/graph/eval.js';
import type { Graph, Node, TensorSpec } from '../../core/graph/ir.js';
import { trace } from '../../core/graph/trace.js';
import { fromTree } from '../../core/graph/tree.js';
import { validateGraph, type GraphLimits } from '../../core/graph/validate.js';
import { catalogVersion, CONTROL_ATTRS } from '../../core/graph/version.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { defjvp, defvjp, fixedPoint, primitive } from '../../core/primitive.js';
import { clone } from './clone.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const LIMITS: GraphLimits = { maxNodes: 400, maxDepth: 6, maxElements: 4096, maxLoopIterations: 300 };
const MUTATED = 10_000 * Number(process.env.GRADD_FUZZ_SCALE ?? 1), RANDOM = 3_000 * Number(process.env.GRADD_FUZZ_SCALE ?? 1);

// mulberry32: the same cases on every run.
let seed = Number(process.env.GRADD_FUZZ_SEED ?? 20240611);
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const fail = () => { throw new Error('skip'); };

const f64 = (shape: number[]) => ({ dtype: 'float64', shape });
const cube = primitive((x: any) => np.multiply(x, np.square(x)));
defvjp(cube, (_a, x) => (g) => np.multiply(g, np.multiply(3, np.square(x))));
defjvp(cube, (t, _a, x) => np.multiply(t, np.multiply(3, np.square(x))));

const BASES: Graph[] = [
  trace((x: any, y: any) => np.sum(np.tanh(x.mul(2)).get('1:', null).add(y)), f64([4]), f64([])),
  trace((x: any) => np.whileLoop(([, t]: any[]) => np.abs(t).gt(0.01), ([a, t, i]: any[]) => {
    const u = np.negative(t).mul(np.square(x)).div(i.mul(2).add(3).mul(i.mul(2).add(2)));
    return [a.add(u), u, i.add(1)];
  }, [x, x, 0])[0], f64([])),
  trace((xs: any, n: any) => np.forLoop(0, n, (i: any, s: any) => s.add(xs.get(i).mul(i)), 0), f64([5]), { dtype: 'int64', shape: [] }),
  trace((w: any, xs: any) => np.scan(({ h }: any, x: any) => [{ h: np.tanh(w.mul(h).add(x)) }, h.mul(2)], { h: 0 }, xs), f64([]), f64([3])),
  trace((x: any, y: any) => np.cond(np.sum(x).gt(y), (v: any) => v.mul(y), (v: any) => np.exp(v), x), f64([2]), f64([])),
  trace((x: any) => np.sum(cube(x.add(1))).add(fixedPoint((a: any) => (z: any) => z.mul(0.5).add(a.div(z).mul(0.5)), np.sum(x).add(3), np.array(1.0),
    (u: any, v: any) => np.abs(u.sub(v)), 1e-8)), f64([3])),
  trace((a: any) => {
    const [w, v] = np.linalg.eigh(a.add(a.T));
    const [s, l] = np.linalg.slogdet(np.add(a, np.eye(3).mul(4)));
    return np.sum(np.linalg.inv(a.add(np.eye(3).mul(3))).dot(v).mul(w)).add(s.mul(l));
  }, f64([3, 3])),
  trace((a: any, b: any) => {
    const [p, q] = np.split(np.concatenate([a, b], { axis: 0 }), 2);
    return np.einsum('ij,kj->ik', np.stack([p.ravel(), q.ravel()]), np.transpose(np.reshape(a, [6, 1])));
  }, f64([2, 3]), f64([2, 3])),
  trace((x: any, i: any) => np.take(np.abs(np.fft.fft(x)), i).sum().add(np.cumsum(x).get(i).sum()), f64([6]), { dtype: 'int64', shape: [2] }),
];

const OPS = allOps().map((o) => o.name);
const OP_NAMES = [...OPS, ...Object.keys(CONTROL_ATTRS), 'tanhh', '', 'constructor', '__proto__', 'toString'];
const ATTR_NAMES = [...new Set(allOps().flatMap((o) => o.attrs ?? []))].concat(Object.values(CONTROL_ATTRS).flat(), ['foo', '__proto__']);

function randomArray(dtype: DType, shape: number[]): NDArray {
  const n = shape.reduce((a, b) => a * b, 1), w = dtype === 'complex128' ? 2 : 1;
  const data = Array.from({ length: n * w }, () => (dtype === 'bool' ? int(2) : dtype.startsWith('int') ? int(4) : rand() * 4 - 2));
  return NDArray.fromData(data, shape, dtype);
}
const randomShape = () => Array.from({ length: int(4) }, () => int(4));
const randomSpec = (): TensorSpec => ({ dtype: pick(DTYPES), shape: randomShape() });

function randomNumber(): unknown {
  return pick([0, 1, -1, 2, 3, -2, 0.5, 1e9, -1e9, 2 ** 53, NaN, Infinity, -0, 1.5, 4096, 65, int(10)]);
}

function randomAttr(depth = 0): unknown {
  switch (int(depth > 2 ? 5 : 12)) {
    case 0: return randomNumber();
    case 1: return pick([null, true, false]);
    case 2: return pick(['', 'ij,jk->ik', 'ij->', 'fro', 'ortho', '...', ':', '1:', '::-1', 'float64', 'int64', 'L', 'constant', 'x']);
    case 3: return Array.from({ length: int(4) }, () => randomNumber());
    case 4: return { slice: pick([[null, null, null], [1, null, -1], [0, 'a', null], [0], [0, 1, 0], [2 ** 60, null, null]]) };
    case 5: return Array.from({ length: int(4) }, () => randomAttr(depth + 1));
    case 6: return { tensor: randomArray(pick(['int64', 'bool', 'float64']), randomShape()) };
    case 7: return { graph: int(4) };
    case 8: return { operand: int(4) };
    case 9: return { [pick(ATTR_NAMES)]: randomAttr(depth + 1) };
    case 10: return pick([undefined, {}, [], () => 1, new Date(0), Symbol('s')]);
    default: return pick([{ tensor: 5 }, { tensor: null }, { slice: null }, { graph: -1 }, { operand: 1.5 }, [[[[[]]]]]]);
  }
}

function randomRef(g: Graph, before: number): unknown {
  switch (int(8)) {
    case 0: return { input: int(g.inputs.length + 2) };
    case 1: return { constant: int(g.constants.length + 2) };
    case 2: case 3: return { node: int(before + 1) };
    case 4: return { node: int(Math.max(before, 1)), index: int(3) };
    case 5: return pick([{ input: -1 }, { node: 1.5 }, { constant: '0' }, { node: 0, index: -1 }, {}, null, 3, { input: 0, node: 0 }]);
    default: return before > 0 ? { node: before - 1 } : { input: 0 };
  }
}

/** All graphs inside g (g and its subgraphs, recursively). */
function graphsIn(g: Graph, seen = new Set<Graph>()): Graph[] {
  if (seen.has(g)) return [];
  seen.add(g);
  return [g, ...(Array.isArray(g.subgraphs) ? g.subgraphs.flatMap((s) => (s && typeof s === 'object' ? graphsIn(s, seen) : [])) : [])];
}

function mutate(root: Graph): void {
  const g = pick(graphsIn(root)) as any;
  const nodes: Node[] = Array.isArray(g.nodes) ? g.nodes : [];
  const node: any = nodes.length ? pick(nodes) : undefined;
  switch (int(16)) {
    case 0: if (nodes.length) nodes.splice(int(nodes.length), 1); break;
    case 1: if (node) nodes.splice(int(nodes.length + 1), 0, clone(node)); break;
    case 2: if (nodes.length > 1) { const i = int(nodes.length), j = int(nodes.length); [nodes[i], nodes[j]] = [nodes[j], nodes[i]]; } break;
    case 3: case 4: if (node?.inputs?.length) node.inputs[int(node.inputs.length)] = randomRef(g, nodes.indexOf(node)); break;
    case 5: if (g.outputs?.length) g.outputs[int(g.outputs.length)] = randomRef(g, nodes.length); break;
    case 6: case 7: if (node) { const keys = Object.keys(node.attrs ?? {}); node.attrs[keys.length && rand() < 0.7 ? pick(keys) : pick(ATTR_NAMES)] = randomAttr(); } break;
    case 8: if (node) { const keys = Object.keys(node.attrs ?? {}); if (keys.length) delete node.attrs[pick(keys)]; } break;
    case 9: {
      const s: any = rand() < 0.7 && node?.outputs?.length ? pick(node.outputs) : g.inputs?.length ? pick(g.inputs) : undefined;
      if (!s) break;
      if (rand() < 0.3) s.dtype = pick([...DTYPES, 'float16', 7]);
      else if (s.shape.length && rand() < 0.7) s.shape[int(s.shape.length)] = pick([0, 1, 2, 3, 5, -1, 1.5, 1e9, 'a']);
      else if (rand() < 0.5) s.shape.push(int(3)); else s.shape.pop();
      break;
    }
    case 10: if (node) { if (rand() < 0.5) node.outputs.push(randomSpec()); else node.outputs.pop(); } break;
    case 11: if (node) node.op = pick(OP_NAMES); break;
    case 12: if (node) { if (rand() < 0.5) node.inputs.push(randomRef(g, nodes.indexOf(node))); else node.inputs.pop(); } break;
    case 13:
      if (g.constants?.length && rand() < 0.6) g.constants[int(g.constants.length)] = pick([randomArray(pick(DTYPES), randomShape()), 3, null, new NDArray(new Float64Array(1), [4], 'float64')]);
      else g.catalogVersion = pick(['1.0.0', '2.0.0', '1.99.0', 'x', 7, catalogVersion()]);
      break;
    case 14: {
      const r = int(4);
      if (r === 0 && g.subgraphs?.length) g.subgraphs.splice(int(g.subgraphs.length), 1);
      else if (r === 1) g.subgraphs?.push(g);
      else if (r === 2 && g.subgraphs?.length > 1) g.subgraphs.reverse();
      else g.inputTree = pick([[null], null, { a: null }, 3, [[null, null]], undefined]);
      break;
    }
    default: {
      const k = pick(['inputs', 'constants', 'nodes', 'outputs', 'subgraphs', 'catalogVersion', 'extra']);
      g[k] = pick([undefined, null, [], {}, 'x', [null]]);
    }
  }
}

/** A graph of random catalog nodes; outputs come from the shape rule when it accepts, so some graphs are valid. */
function randomGraph(): Graph {
  const inputs = Array.from({ length: 1 + int(3) }, () => ({ dtype: pick(['float64', 'float64', 'int64', 'bool', 'complex128'] as DType[]), shape: randomShape() }));
  const g: Graph = { catalogVersion: catalogVersion(), inputs, constants: [randomArray('float64', [2])], nodes: [], outputs: [], subgraphs: [] };
  const types: TensorSpec[] = [...inputs];
  const refs: any[] = inputs.map((_, i) => ({ input: i }));
  for (let n = 1 + int(6); n > 0; n--) {
    const op = getOp(pick(OPS));
    const arity = op.arity === 'variadic' ? 1 + int(3) : (op.minArity ?? op.arity) + int(op.arity - (op.minArity ?? op.arity) + 1);
    const at = Array.from({ length: arity }, () => int(refs.length));
    const attrs: Record<string, any> = {};
    for (const name of op.attrs ?? []) if (rand() < 0.4) attrs[name] = randomAttr(1);
    let outputs: TensorSpec[];
    try {
      // (Here, not in the validator, a big attribute could make the shape rule itself huge.)
      if (JSON.stringify(attrs, (_k, v) => (typeof v === 'number' && Math.abs(v) > 64 ? fail() : v))) void 0;
      const out = op.infer(at.map((k) => types[k]), attrs);
      outputs = (Array.isArray(out) ? out : [out]).map((m) => ({ dtype: m.dtype, shape: [...m.shape] }));
    } catch { outputs = [randomSpec()]; }
    const node = g.nodes.push({ op: op.name, inputs: at.map((k) => refs[k]), attrs, outputs }) - 1;
    outputs.forEach((s, k) => { types.push(s); refs.push(k ? { node, index: k } : { node }); });
  }
  g.outputs = [refs[refs.length - 1]];
  return g;
}

function run(g: Graph): 'rejected' | 'ran' | 'failed at run time' {
  try { validateGraph(g, LIMITS); } catch (e) { check(e); return 'rejected'; }
  const values = g.inputs.map((s) => randomArray(s.dtype, s.shape));
  try {
    const args = g.inputTree === undefined ? values : fromTree(g.inputTree, values) as unknown[];
    evalGraph(g, args, { limits: LIMITS });
    const k = g.inputs.findIndex((s) => s.dtype === 'float64');
    if (k >= 0 && rand() < 0.3) grad((x: any) => {
      const out = evalGraph(g, g.inputTree === undefined ? values.map((v, j) => (j === k ? x : v)) : fromTree(g.inputTree, values.map((v, j) => (j === k ? x : v))) as unknown[], { limits: LIMITS });
      const first = [out].flat(Infinity).find((o: any) => o instanceof Object && 'dtype' in o && o.dtype !== 'bool' && !String(o.dtype).startsWith('int')) as any;
      return first ? np.sum(np.real(first)) : np.sum(x).mul(0);
    })(values[k]);
    return 'ran';
  } catch (e) { check(e); return 'failed at run time'; }
}

const untyped: unknown[] = [];
function check(e: unknown) {
  if (!(e instanceof GraddTypeError || e instanceof GraddRangeError)) untyped.push(e);
}

describe('fuzzing graphs', () => {
  it(`answers ${MUTATED} mutated and ${RANDOM} random graphs with a result or a typed error`, () => {
    const counts: Record<string, number> = {};
    const tally = (r: string) => { counts[r] = (counts[r] ?? 0) + 1; };
    for (const base of BASES) expect(run(base)).toBe('ran');
    for (let i = 0; i < MUTATED; i++) {
      const g = clone(pick(BASES));
      for (let m = 1 + int(3); m > 0; m--) try { mutate(g); } catch { /* the mutation met a field an earlier one broke */ }
      tally(run(g));
    }
    for (let i = 0; i < RANDOM; i++) tally(run(randomGraph()));
    if (process.env.GRADD_FUZZ_SEED) console.log(counts);
    if (untyped.length) throw untyped[0];
    expect(untyped).toEqual([]);
    // The interpreter ran a fair share of the cases, not only the validator.
    expect(counts.ran).toBeGreaterThan(1000);
    expect(counts.rejected).toBeGreaterThan(5000);
  });
});
