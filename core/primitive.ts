// User-defined primitives (autograd's primitive / defvjp / defjvp) and what autograd builds on them.
import type { OpDef, Value } from './catalog.js';
import { NDArray } from './ndarray.js';
import { applyOp } from './tracer.js';
import { makeVjp, type Argnum } from './differential.js';
import { fail } from './errors.js';
import { add, greater } from './ops/prims.js';
import { whileLoop } from './control.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
export type VjpMaker = (ans: any, ...args: any[]) => (g: any) => any;
export type JvpMaker = (t: any, ans: any, ...args: any[]) => any;

const OPS = new WeakMap<Fn, OpDef>();
const asArray = (v: unknown) => (typeof v === 'number' ? NDArray.scalar(v) : v);

/**
 * An op whose insides are not traced: it runs on plain arrays, and its derivatives come from defvjp/defjvp.
 * Arguments that are not arrays (numbers, functions, options) pass through unchanged.
 */
export function primitive<F extends Fn>(fn: F, name = fn.name || 'primitive'): F {
  const op: OpDef = {
    name, arity: 'variadic',
    infer: () => ({ shape: [], dtype: 'float64' }),
    forward: (args) => asArray(fn(...args)) as NDArray,
    vjp: [], jvp: [],
  };
  const wrapped = ((...args: any[]) => applyOp(op, args as Value[], {})) as F;
  OPS.set(wrapped, op);
  return wrapped;
}

function opOf(f: Fn): OpDef {
  const op = OPS.get(f);
  if (!op) fail('BAD_ARGUMENT', 'defvjp/defjvp need a function made by primitive(fn)');
  return op;
}

/** One maker per argument, each (ans, ...args) => (g) => gradient; null or undefined for none. */
export function defvjp(f: Fn, ...makers: (VjpMaker | null | undefined)[]) {
  opOf(f).vjp = makers.map((m) => (m ? (g: Value, ans: Value, args: Value[]) => asArray(m(ans, ...args)(g)) as Value : undefined));
}

/** All arguments' VJPs from one maker (argnum, ans, args) => (g) => gradient, as autograd's defvjp_argnum. */
export function defvjpArgnum(f: Fn, maker: (argnum: number, ans: any, args: any[]) => (g: any) => any) {
  opOf(f).vjp = (g: Value, ans: Value, args: Value[], _a, i: number) => asArray(maker(i, ans, args)(g)) as Value;
}

/** One maker per argument, each (t, ans, ...args) => the output's tangent, as autograd's defjvp. */
export function defjvp(f: Fn, ...makers: (JvpMaker | null | undefined)[]) {
  opOf(f).jvp = makers.map((m) => (m ? (t: Value, ans: Value, args: Value[]) => asArray(m(t, ans, ...args)) as Value : undefined));
}

/** f with its intermediate values discarded after the forward pass and recomputed for the backward pass. */
export function checkpoint<F extends Fn>(f: F): F {
  const wrapped = primitive(f, `checkpoint(${f.name || 'f'})`);
  defvjpArgnum(wrapped, (i, _ans, args) => makeVjp(f, i)(...args)[0]);
  return wrapped;
}

/**
 * autograd's fixed_point: iterates x ← f(a)(x) from x0 until distance(x, xPrev) ≤ tol.
 * Its gradient in `a` solves the adjoint fixed-point equation instead of backpropagating through iterations.
 */
export const fixedPoint: (f: Fn, a: any, x0: any, distance: Fn, tol: number) => any = primitive(
  (f: Fn, a: any, x0: any, distance: Fn, tol: number) => {
    const step = f(a);
    // np.whileLoop, so that the forward can also be traced to a graph.
    return whileLoop(([x, prev]: any[]) => greater(distance(x, prev), tol), ([x]: any[]) => [step(x), x], [step(x0), x0])[0];
  }, 'fixed_point');

defvjp(fixedPoint, null, (ans, f: Fn, a, x0, distance: Fn, tol: number) => {
  const revIter = ([aa, xStar, xStarBar]: any[]) => {
    const [vjpX] = makeVjp(f(aa))(xStar);
    return (g: any) => add(vjpX(g), xStarBar);
  };
  const [vjpA] = makeVjp((x: any, y: any) => f(x)(y))(a, ans);
  return (g: any) => vjpA(fixedPoint(revIter, [a, ans, g], NDArray.zeros(shapeOf(x0)), distance, tol));
});

const shapeOf = (x: any): number[] => (typeof x === 'number' ? [] : [...x.shape]);
