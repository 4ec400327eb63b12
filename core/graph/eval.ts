// evalGraph: runs a graph with the eager engine, one applyOp per node, so that differentiating a call of
// evalGraph differentiates the graph (grad, jvp, hvp, jacobian need no rules of their own). Control-flow
// nodes run through np.cond / whileLoop / forLoop / scan with the subgraphs as the functions, and a
// primitive node becomes a primitive whose rules are its rule subgraphs.
import { getOp, type Attrs, type OpDef, type Out, type Value } from '../catalog.js';
import { callOp } from '../call.js';
import { isComplexScalar } from '../containers.js';
import { checkAbort, withSignal, type AbortFlag } from '../cancel.js';
import { cond, forLoop, scanWith, whileLoop, withLoopBudget } from '../control.js';
import { fail, fmtShape, graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { defjvp, defvjp, primitive } from '../primitive.js';
import { Tensorish } from '../tensorish.js';
import { applyOp, sameShape } from '../tracer.js';
import { decodeAttrs, operandsOf } from './attrs.js';
import type { Graph, Node, Ref, TensorSpec } from './ir.js';
import { flattenBy, fromTree, treeLeaves } from './tree.js';
import { DEFAULT_LIMITS, validateGraph, type GraphLimits } from './validate.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;

const validated = new WeakMap<Graph, string>();
/** Limits as given → merged with the defaults, and as a key: a server passes one object on every call. */
const merged = new WeakMap<object, { limits: GraphLimits; key: string }>();
const defaults = { limits: DEFAULT_LIMITS, key: JSON.stringify(DEFAULT_LIMITS) };

function limitsOf(given: Partial<GraphLimits> | undefined): { limits: GraphLimits; key: string } {
  if (!given) return defaults;
  let m = merged.get(given);
  if (!m) {
    const limits = { ...DEFAULT_LIMITS, ...given };
    merged.set(given, m = { limits, key: JSON.stringify(limits) });
  }
  return m;
}

/**
 * Runs `graph` on `inputs`: the arguments of the function it was traced from (containers as they were), or a
 * flat list of arrays for a graph without inputTree. The graph is validated first (once per graph and limits;
 * a limits object is read once).
 * Returns the outputs in the structure of outputTree (a flat list without one).
 */
export function evalGraph(graph: Graph, inputs: readonly unknown[] = [], opts: { limits?: Partial<GraphLimits>; signal?: AbortFlag } = {}): any {
  const { limits, key } = limitsOf(opts.limits);
  if (validated.get(graph) !== key) {
    validateGraph(graph, limits);
    validated.set(graph, key);
  }
  const flat = graph.inputTree === undefined ? treeLeaves(inputs, 'evalGraph: inputs') : flattenBy(graph.inputTree, inputs, 'evalGraph: inputs');
  if (flat.length !== graph.inputs.length) fail('BAD_ARGUMENT', `evalGraph: the graph takes ${graph.inputs.length} arrays, got ${flat.length}`);
  const outs = withSignal(opts.signal, () =>
    withLoopBudget(limits.maxLoopIterations, () => run(graph, flat.map((v, i) => inputValue(v, graph.inputs[i], i)), limits.maxLoopIterations)));
  return graph.outputTree === undefined ? outs : fromTree(graph.outputTree, outs);
}

function inputValue(v: unknown, spec: TensorSpec, i: number): Value {
  const where = `evalGraph: input ${i}`;
  if (typeof v === 'number' || typeof v === 'boolean' || isComplexScalar(v)) {
    if (spec.shape.length) fail('SHAPE_MISMATCH', `${where} is a scalar, but the graph takes shape ${fmtShape(spec.shape)}`);
    return callOp('astype', [v], { dtype: spec.dtype }) as Value;
  }
  if (!(v instanceof Tensorish)) return fail('BAD_ARGUMENT', `${where}: expected an array or a number, got ${typeof v}`);
  if (!sameShape(v.shape, spec.shape)) fail('SHAPE_MISMATCH', `${where} has shape ${fmtShape(v.shape)}, but the graph takes ${fmtShape(spec.shape)}`);
  if (v.dtype !== spec.dtype) fail('DTYPE_MISMATCH', `${where} is ${v.dtype}, but the graph takes ${spec.dtype}`);
  return v as Value;
}

/**
 * A node prepared once per graph: a catalog op with its attributes decoded (when no operand stands in them)
 * and the number of trailing node inputs that are operands; `op` null for control flow and primitives.
 */
interface Step { node: Node; op: OpDef | null; attrs: Attrs | null; operands: number }

const CONTROL = new Set(['cond', 'while_loop', 'for_loop', 'scan', 'primitive']);
const steps = new WeakMap<Graph, Step[]>();

function stepsOf(g: Graph): Step[] {
  let s = steps.get(g);
  if (!s) {
    s = g.nodes.map((node) => {
      if (CONTROL.has(node.op)) return { node, op: null, attrs: null, operands: 0 };
      const operands = operandsOf(node.attrs).length;
      // Shared by every run of the graph (and kept by its tapes): frozen, so that no op can change it for the next.
      return { node, op: getOp(node.op), attrs: operands ? null : Object.freeze(freezeLists(decodeAttrs(node.attrs, () => undefined))), operands };
    });
    steps.set(g, s);
  }
  return s;
}

function freezeLists<T>(v: T): T {
  for (const c of Object.values(v as object)) if (Array.isArray(c)) Object.freeze(freezeLists(c));
  return v;
}

/**
 * Runs a validated graph on values of its input types; the flat list of its outputs. `loops` bounds the loop
 * iterations of a primitive's rules, which run later, in the backward pass, outside evalGraph's budget.
 */
export function run(g: Graph, inputs: readonly Value[], loops: number): Value[] {
  const plan = stepsOf(g), env: (Value | Value[])[] = new Array(plan.length);
  const get = (r: Ref): Value => {
    if ('node' in r) { const o = env[r.node]; return Array.isArray(o) ? o[r.index ?? 0] : o; }
    return 'input' in r ? inputs[r.input] : g.constants[r.constant];
  };
  for (let i = 0; i < plan.length; i++) {
    const { node, op, attrs, operands } = plan[i], refs = node.inputs, args: Value[] = new Array(refs.length);
    for (let k = 0; k < refs.length; k++) args[k] = get(refs[k]);
    checkAbort();
    try {
      const out = op === null ? control(g, node, args, loops)
        : applyOp(op, operands ? args.slice(0, args.length - operands) : args, attrs ?? decodeAttrs(node.attrs, (k) => args[k]));
      // The static rule of ops whose result dtype depends on the values (linalg.eig): the declared dtype.
      env[i] = Array.isArray(out) ? out.map((v, k) => declared(v, node.outputs[k])) : declared(out, node.outputs[0]);
    } catch (e) {
      throw e instanceof GraddTypeError || e instanceof GraddRangeError ? graddError(e.code, `node ${i} (${node.op}): ${e.message}`) : e;
    }
  }
  return g.outputs.map(get);
}

const declared = (v: Value, spec: TensorSpec): Value => (v.dtype === spec.dtype ? v : callOp('astype', [v], { dtype: spec.dtype }) as Value);

const sub = (g: Graph, attr: unknown) => g.subgraphs[(attr as { graph: number }).graph];

function control(g: Graph, node: Node, args: Value[], loops: number): Out {
  const a = node.attrs, n = node.outputs.length, call = (s: Graph, xs: Value[]) => run(s, xs, loops);
  switch (node.op) {
    case 'cond': {
      const t = sub(g, a.true_branch), f = sub(g, a.false_branch);
      return cond(args[0], (xs: Value[]) => call(t, xs), (xs: Value[]) => call(f, xs), args.slice(1));
    }
    case 'while_loop': {
      const c = sub(g, a.cond), b = sub(g, a.body), caps = args.slice(n);
      return whileLoop((s: Value[]) => call(c, [...s, ...caps])[0], (s: Value[]) => call(b, [...s, ...caps]), args.slice(0, n));
    }
    case 'for_loop': {
      const b = sub(g, a.body), caps = args.slice(2 + n);
      return forLoop(args[0], args[1], (i: Value, s: Value[]) => call(b, [i, ...s, ...caps]), args.slice(2, 2 + n));
    }
    case 'scan': {
      const b = sub(g, a.body), nc = a.num_carry as number, nx = a.num_xs as number, caps = args.slice(nc + nx);
      const body = (c: Value[], x: Value[]) => { const o = call(b, [...c, ...x, ...caps]); return [o.slice(0, nc), o.slice(nc)]; };
      const [carry, ys] = scanWith(body, args.slice(0, nc), args.slice(nc, nc + nx), a.length as number, node.outputs.slice(nc));
      return [...carry as Value[], ...ys as Value[]];
    }
    default: return primitiveOf(g, node, loops)(...args); // 'primitive'
  }
}

const primitives = new WeakMap<Node, Map<number, Fn>>();

/** A primitive node as a primitive: its forward and rules run their subgraphs (each rule call with its own loop budget). */
function primitiveOf(g: Graph, node: Node, loops: number): Fn {
  const made = primitives.get(node) ?? new Map<number, Fn>();
  primitives.set(node, made);
  let p = made.get(loops);
  if (!p) {
    const a = node.attrs as { name: string; forward: unknown; vjp?: unknown[]; jvp?: unknown[] };
    const rule = (r: unknown) => (xs: Value[]) => withLoopBudget(loops, () => run(sub(g, r), xs, loops)[0]);
    const fwd = rule(a.forward);
    p = primitive((...xs: Value[]) => fwd(xs), a.name);
    defvjp(p, ...(a.vjp ?? []).map((r) => (r === null ? null : (ans: Value, ...xs: Value[]) => (gr: Value) => rule(r)([ans, ...xs, gr]))));
    defjvp(p, ...(a.jvp ?? []).map((r) => (r === null ? null : (t: Value, ans: Value, ...xs: Value[]) => rule(r)([t, ans, ...xs]))));
    made.set(loops, p);
  }
  return p;
}
