// Structured control flow: np.cond, np.whileLoop, np.forLoop, np.scan. Run directly, they are JavaScript
// loops and branches (the tape records each iteration, so reverse and forward mode need no rule of their
// own). While a function is traced to a graph they become nodes (cond, while_loop, for_loop, scan) whose
// bodies are subgraphs, and evalGraph runs those nodes with these same functions.
import type { Value } from './catalog.js';
import { callOp, toValue } from './call.js';
import { isComplexScalar } from './containers.js';
import { resultType } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { NDArray } from './ndarray.js';
import { Tensorish } from './tensorish.js';
import { Box, sameShape, unboxAll } from './tracer.js';
import type { TensorSpec } from './graph/ir.js';
import { differentiatedWhileTracing, Frame, specOf, subtrace, Sym, tracing, within, type Traced } from './graph/symbolic.js';
import { flattenBy, fromTree, treeLeaves, treeOf, type TreeDef } from './graph/tree.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;

/** Loops run directly stop with LIMIT_EXCEEDED after this many iterations; evalGraph takes its own limit. */
export const loopLimits = { maxLoopIterations: 1_000_000 };

let budget: { left: number; limit: number } | null = null;

/** Runs f with one iteration budget for all the loops inside it together (a graph evaluation's loops). */
export function withLoopBudget<T>(limit: number, f: () => T): T {
  if (budget) return f();
  budget = { left: limit, limit };
  try { return f(); } finally { budget = null; }
}

function counter(where: string): () => void {
  let n = 0;
  return () => {
    if (budget ? --budget.left >= 0 : ++n <= loopLimits.maxLoopIterations) return;
    const limit = budget ? `${budget.limit} loop iterations in one graph evaluation` : `${loopLimits.maxLoopIterations} iterations`;
    fail('LIMIT_EXCEEDED', `${where}: more than ${limit} (maxLoopIterations); check the loop's condition, or raise the limit`);
  };
}

/** A loop state's or operand's leaf: JS numbers become float64 arrays (as grad's arguments), booleans bool ones; nothing stays weak. */
function leafValue(l: unknown, where: string): Value {
  if (l instanceof NDArray && l.weak) return new NDArray(l.data, l.shape, l.dtype, l.strides, l.offset);
  if (l instanceof Tensorish) return l as Value;
  if (typeof l === 'number') return NDArray.scalar(l);
  if (typeof l === 'boolean') return NDArray.scalar(+l, 'bool');
  if (isComplexScalar(l)) return NDArray.fromData([l.re, l.im], [], 'complex128');
  return fail('BAD_ARGUMENT', `${where}: expected arrays or numbers, got ${typeof l}`);
}

const normalized = (x: unknown, where: string) => fromTree(treeOf(x, where), treeLeaves(x, where).map((l) => leafValue(l, where)));

/** The body's result as the loop state: the same structure and shapes; dtypes cast to the state's where that loses nothing. */
function fitState(out: unknown, like: unknown, where: string): unknown {
  const tree = treeOf(like, where), ls = flattenBy(tree, like, where) as Value[];
  return fromTree(tree, flattenBy(tree, out, `${where} returned`).map((o, k) => {
    const v = toValue(o, where), l = ls[k];
    if (!sameShape(v.shape, l.shape))
      fail('SHAPE_MISMATCH', `${where}: state entry ${k} has shape ${fmtShape(l.shape)}, but the body returned shape ${fmtShape(v.shape)}; a loop keeps its state's shapes`);
    if (v.dtype === l.dtype) return v;
    if (resultType(l, v) !== l.dtype)
      fail('DTYPE_MISMATCH', `${where}: state entry ${k} is ${l.dtype}, but the body returned ${v.dtype}; a loop keeps its state's initial dtypes (start from a ${v.dtype} value)`);
    return callOp('astype', [v], { dtype: l.dtype }) as Value;
  }));
}

function truthy(v: unknown, where: string): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (!(v instanceof Tensorish)) return fail('BAD_ARGUMENT', `${where} must return a boolean or an array of one element, got ${typeof v}`);
  if (v.size !== 1) fail('SHAPE_MISMATCH', `${where} must return one element, got an array of shape ${fmtShape(v.shape)}`);
  const x = v.item();
  return typeof x === 'object' ? x.re !== 0 || x.im !== 0 : x !== 0 && x !== false;
}

function intOf(v: unknown, where: string): number {
  const x = v instanceof Tensorish ? (v.size === 1 ? v.item() : NaN) : v;
  if (typeof x !== 'number' || !Number.isSafeInteger(x)) fail('BAD_ARGUMENT', `${where} must be an integer (a number or an integer array of one element), got ${String(v)}`);
  return x;
}

// ---- tracing ------------------------------------------------------------------------------------------

/** The leaves of a traced control op's inputs, checked: values being differentiated cannot enter a graph node. */
function inputsOf(x: unknown, where: string): Value[] {
  const ls = treeLeaves(x, where) as Value[];
  if (ls.some((l) => l instanceof Box)) differentiatedWhileTracing(where);
  return ls;
}

/** Gives every frame the union of their captures, in one order (the first frame's captures were pre-seeded into the others). */
function shareCaptures(...ts: Traced[]): Sym[] {
  const all = ts[ts.length - 1].frame.captures;
  for (const t of ts) for (const s of all) t.frame.local(s);
  return [...all];
}

const current = () => tracing() as Frame;

/** np.cond(pred, trueFn, falseFn, operands): trueFn(operands) if pred, else falseFn(operands). */
export function cond(pred: unknown, trueFn: Fn, falseFn: Fn, operands?: unknown): any {
  const v = pred instanceof NDArray && pred.tracedAs ? pred.tracedAs : pred, p = v instanceof Box ? unboxAll(v) : v;
  if (!(p instanceof Sym)) return truthy(pred, 'np.cond: pred') ? trueFn(operands) : falseFn(operands);
  if (p.size !== 1) fail('SHAPE_MISMATCH', `np.cond: pred must be one element, got an array of shape ${fmtShape(p.shape)}`);
  const given = operands !== undefined, ops = given ? normalized(operands, 'np.cond: operands') : [];
  const leaves = inputsOf(ops, 'np.cond'), tree = treeOf(ops, 'np.cond'), specs = leaves.map(specOf);
  const branch = (fn: Fn) => (xs: Sym[]) => fn(given ? fromTree(tree, xs) : undefined);
  const t = subtrace('np.cond trueFn', specs, branch(trueFn));
  const f = subtrace('np.cond falseFn', specs, branch(falseFn), { captures: t.frame.captures });
  const caps = shareCaptures(t, f);
  if (JSON.stringify(t.tree) !== JSON.stringify(f.tree))
    fail('BAD_ARGUMENT', `np.cond: the branches return different structures: ${JSON.stringify(t.tree)} and ${JSON.stringify(f.tree)} (null is one array)`);
  const outs = t.outputs.map((a, k) => {
    const b = f.outputs[k];
    if (!sameShape(a.shape, b.shape)) fail('SHAPE_MISMATCH', `np.cond: output ${k} has shape ${fmtShape(a.shape)} in trueFn but ${fmtShape(b.shape)} in falseFn`);
    const dtype = resultType(a, b);
    for (const [x, side] of [[a, t], [b, f]] as const)
      if (x.dtype !== dtype) side.outputs[k] = within(side.frame, () => callOp('astype', [x], { dtype }) as Value);
    return { dtype, shape: [...a.shape] };
  });
  const branches = { true_branch: current().subgraph(t.frame.graph(t.outputs)), false_branch: current().subgraph(f.frame.graph(f.outputs)) };
  return fromTree(t.tree, current().emit('cond', [p, ...leaves, ...caps], branches, outs));
}

/** np.whileLoop(condFn, bodyFn, init): state ← bodyFn(state) while condFn(state); any container as the state. */
export function whileLoop(condFn: Fn, bodyFn: Fn, init: unknown): any {
  const state = normalized(init, 'np.whileLoop: init');
  if (tracing()) {
    const leaves = inputsOf(state, 'np.whileLoop'), tree = treeOf(state, 'np.whileLoop'), specs = leaves.map(specOf);
    const c = subtrace('np.whileLoop condFn', specs, (xs) => condFn(fromTree(tree, xs)));
    if (c.tree !== null || c.outputs[0].size !== 1) fail('BAD_ARGUMENT', 'np.whileLoop: condFn must return one boolean (an array of one element)');
    const b = subtrace('np.whileLoop bodyFn', specs, (xs) => {
      const s = fromTree(tree, xs);
      return fitState(bodyFn(s), s, 'np.whileLoop bodyFn');
    }, { captures: c.frame.captures });
    const caps = shareCaptures(c, b), g = current();
    const body = { cond: g.subgraph(c.frame.graph(c.outputs)), body: g.subgraph(b.frame.graph(b.outputs)) };
    return fromTree(tree, g.emit('while_loop', [...leaves, ...caps], body, specs));
  }
  const tick = counter('np.whileLoop');
  let s = state;
  while (truthy(condFn(s), 'np.whileLoop: condFn')) {
    tick();
    s = fitState(bodyFn(s), s, 'np.whileLoop: bodyFn');
  }
  return s;
}

/** A traced loop bound: an int64 scalar. */
function bound(v: unknown, where: string): Value {
  if (typeof v === 'number') return NDArray.scalar(intOf(v, where), 'int64');
  const b = inputsOf(v, where);
  if (b.length !== 1 || b[0].size !== 1 || (b[0].dtype !== 'int64' && b[0].dtype !== 'int32'))
    fail('BAD_ARGUMENT', `${where} must be an integer (a number or an integer array of one element)`);
  return b[0].dtype === 'int64' && b[0].shape.length === 0 ? b[0] : callOp('astype', [callOp('reshape', [b[0]], { shape: [] })], { dtype: 'int64' }) as Value;
}

/** np.forLoop(lower, upper, bodyFn, init): state ← bodyFn(i, state) for i = lower … upper − 1 (i an int64 array). */
export function forLoop(lower: unknown, upper: unknown, bodyFn: Fn, init: unknown): any {
  const state = normalized(init, 'np.forLoop: init');
  if (tracing()) {
    const leaves = inputsOf(state, 'np.forLoop'), tree = treeOf(state, 'np.forLoop'), specs = leaves.map(specOf);
    const lo = bound(lower, 'np.forLoop: lower'), hi = bound(upper, 'np.forLoop: upper');
    const b = subtrace('np.forLoop bodyFn', [{ dtype: 'int64', shape: [] }, ...specs], ([i, ...xs]) => {
      const s = fromTree(tree, xs);
      return fitState(bodyFn(i, s), s, 'np.forLoop bodyFn');
    });
    const g = current();
    return fromTree(tree, g.emit('for_loop', [lo, hi, ...leaves, ...b.frame.captures], { body: g.subgraph(b.frame.graph(b.outputs)) }, specs));
  }
  const lo = intOf(lower, 'np.forLoop: lower'), hi = intOf(upper, 'np.forLoop: upper'), tick = counter('np.forLoop');
  let s = state;
  for (let i = lo; i < hi; i++) {
    tick();
    s = fitState(bodyFn(NDArray.scalar(i, 'int64'), s), s, 'np.forLoop: bodyFn');
  }
  return s;
}

/**
 * np.scan(f, init, xs, { length }): JAX's scan. f(carry, x) returns [carry, y]; x runs over the leading axis of
 * xs (any container of arrays; omitted: x is undefined and `length` counts the steps). Returns [carry, ys],
 * the ys stacked along a new leading axis.
 */
export function scan(f: Fn, init: unknown, xs?: unknown, opts: { length?: number } = {}): any {
  return scanWith(f, init, xs, opts.length);
}

/** scan, where `ys` gives the ys' types for a run of length 0 (evalGraph knows them from the node). */
export function scanWith(f: Fn, init: unknown, xs: unknown, length: number | undefined, ys?: readonly TensorSpec[]): [unknown, unknown] {
  const carry = normalized(init, 'np.scan: init');
  const given = xs !== undefined && xs !== null, xtree = given ? treeOf(xs, 'np.scan: xs') : [];
  const xl = given ? treeLeaves(xs, 'np.scan: xs').map((l) => leafValue(l, 'np.scan: xs')) : [];
  const n = length ?? xl[0]?.shape[0];
  if (n === undefined) fail('BAD_ARGUMENT', 'np.scan: give xs, or { length } when there are none');
  if (!Number.isSafeInteger(n) || n < 0) fail('BAD_ARGUMENT', `np.scan: length must be a non-negative integer, got ${n}`);
  for (const l of xl)
    if (l.shape[0] !== n) fail('SHAPE_MISMATCH', `np.scan: every xs array runs over its leading axis of length ${n}, but one has shape ${fmtShape(l.shape)}`);
  const pair = (r: unknown): [unknown, unknown] =>
    (Array.isArray(r) && r.length === 2 ? r as [unknown, unknown] : fail('BAD_ARGUMENT', 'np.scan: f(carry, x) must return [carry, y]'));
  const xAt = (vals: readonly unknown[]) => (given ? fromTree(xtree, vals) : undefined);
  if (tracing()) {
    const cl = inputsOf(carry, 'np.scan'), ctree = treeOf(carry, 'np.scan'), specs = cl.map(specOf);
    inputsOf(xl, 'np.scan');
    const b = subtrace('np.scan f', [...specs, ...xl.map((l) => ({ dtype: l.dtype, shape: l.shape.slice(1) }))], (vals) => {
      const c = fromTree(ctree, vals.slice(0, cl.length)), [c2, y] = pair(f(c, xAt(vals.slice(cl.length))));
      return [fitState(c2, c, 'np.scan f'), y];
    });
    const g = current(), ytree = (b.tree as TreeDef[])[1];
    const attrs = { body: g.subgraph(b.frame.graph(b.outputs)), length: n, num_carry: cl.length, num_xs: xl.length };
    const outs = g.emit('scan', [...cl, ...xl, ...b.frame.captures], attrs,
      [...specs, ...b.outputs.slice(cl.length).map((y) => ({ dtype: y.dtype, shape: [n, ...y.shape] }))]);
    return [fromTree(ctree, outs.slice(0, cl.length)), fromTree(ytree, outs.slice(cl.length))];
  }
  const tick = counter('np.scan');
  let c = carry, ytree: TreeDef | undefined;
  const cols: Value[][] = [];
  for (let k = 0; k < n; k++) {
    tick();
    const [c2, y] = pair(f(c, xAt(xl.map((l) => callOp('getitem', [l], { index: [k] }) as Value))));
    c = fitState(c2, c, 'np.scan: f');
    ytree ??= treeOf(y, 'np.scan: y');
    flattenBy(ytree, y, 'np.scan: y').forEach((v, j) => (cols[j] ??= []).push(toValue(v, 'np.scan: y')));
  }
  if (ytree === undefined) {
    if (!ys) fail('BAD_ARGUMENT', 'np.scan: with no steps (length 0) the ys have no known shape; give at least one step');
    return [c, ys.map((s) => NDArray.zeros(s.shape, s.dtype))];
  }
  return [c, fromTree(ytree, cols.map((col) => callOp('stack', [col], { axis: 0 }) as Value))];
}
