// scipy.integrate.odeint: y' = f(y, t, ...args) by an adaptive Dormand–Prince 5(4) method (SciPy uses LSODA; both
// meet rtol/atol), differentiable in y0, t and args by the adjoint method, as autograd's integrate.py (after
// Froehlich, Loos and Hasenauer, 2017): the VJP integrates the augmented system backwards between the times.
// Forward mode (which autograd lacks) integrates the forward sensitivities alongside y.
import type { Value } from './catalog.js';
import { callOp } from './call.js';
import { makeJvp, makeVjp } from './differential.js';
import { isComplex } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { flatten } from './flatten.js';
import { cast } from './kernels.js';
import { NDArray } from './ndarray.js';
import { getitem } from './ops/indexing.js';
import { add, dot, mul, neg, reshape, sub } from './ops/prims.js';
import { defjvp, defvjp, primitive } from './primitive.js';
import { Box } from './tracer.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
export interface OdeintOptions { args?: unknown; rtol?: number; atol?: number }

// Dormand–Prince 5(4): nodes, stages, the 5th-order weights (also the last stage: first-same-as-last) and the
// weights of the error estimate (5th- minus 4th-order solution).
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1, 1];
const A = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
  [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84],
];
const E = [71 / 57600, 0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40];
const MAX_STEPS = 100_000;

type Rhs = (y: Float64Array, t: number) => Float64Array;
const rms = (v: Float64Array, scale: (i: number) => number) => Math.sqrt(v.reduce((s, x, i) => s + (x / scale(i)) ** 2, 0) / Math.max(1, v.length));
const axpy = (y: Float64Array, h: number, ks: Float64Array[], w: number[]) =>
  y.map((v, i) => v + h * ks.reduce((s, k, j) => s + w[j] * k[i], 0));

/** Hairer's starting step (SciPy's select_initial_step) for order 5. */
function firstStep(rhs: Rhs, t0: number, y0: Float64Array, f0: Float64Array, dir: number, rtol: number, atol: number): number {
  const scale = (i: number) => atol + Math.abs(y0[i]) * rtol;
  const d0 = rms(y0, scale), d1 = rms(f0, scale);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const f1 = rhs(axpy(y0, dir * h0, [f0], [1]), t0 + dir * h0);
  const d2 = rms(f1.map((v, i) => v - f0[i]), scale) / h0;
  const h1 = Math.max(d1, d2) <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / Math.max(d1, d2)) ** (1 / 5);
  return Math.min(100 * h0, h1);
}

/** y at each of the times ts (ts[0] is y0's time; monotone either way), by adaptive steps that land on each time. */
function dopri(rhs: Rhs, y0: Float64Array, ts: ArrayLike<number>, rtol: number, atol: number): Float64Array[] {
  const out = [y0];
  if (ts.length < 2) return out;
  const dir = Math.sign(ts[ts.length - 1] - ts[0]) || 1;
  let t = ts[0], y = y0, k1 = rhs(y, t), h = firstStep(rhs, t, y, k1, dir, rtol, atol), steps = 0;
  for (let i = 1; i < ts.length; i++) {
    if ((ts[i] - ts[i - 1]) * dir < 0) fail('BAD_ARGUMENT', 'scipy.integrate.odeint: the times t must be monotonic');
    let rejected = false;
    while ((ts[i] - t) * dir > 0) {
      if (++steps > MAX_STEPS) fail('BAD_ARGUMENT', `scipy.integrate.odeint: more than ${MAX_STEPS} steps before t = ${ts[i]} (a stiff or blowing-up system?)`);
      const last = Math.abs(ts[i] - t) <= h * (1 + 1e-12), step = last ? ts[i] - t : dir * h;
      const ks = [k1];
      for (let s = 1; s < 6; s++) ks.push(rhs(axpy(y, step, ks, A[s]), t + C[s] * step));
      const yNew = axpy(y, step, ks, A[6]), k7 = rhs(yNew, t + step);
      ks.push(k7);
      const err = rms(axpy(new Float64Array(y.length), step, ks, E), (j) => atol + rtol * Math.max(Math.abs(y[j]), Math.abs(yNew[j])));
      if (!Number.isFinite(err)) fail('BAD_ARGUMENT', `scipy.integrate.odeint: the solution is not finite near t = ${t}`);
      if (err <= 1) {
        t = last ? ts[i] : t + step; y = yNew; k1 = k7;
        const grow = err === 0 ? 10 : Math.min(10, 0.9 * err ** -0.2);
        if (!last) h *= rejected ? Math.min(1, grow) : grow;
        rejected = false;
      } else {
        h = Math.abs(step) * Math.max(0.2, 0.9 * err ** -0.2);
        rejected = true;
        if (h < 1e-14 * Math.max(1, Math.abs(t))) fail('BAD_ARGUMENT', `scipy.integrate.odeint: the step size underflowed near t = ${t}`);
      }
    }
    out.push(y);
  }
  return out;
}

/** f as a function of plain vectors; f must compute from its arguments (parameters go in args, not a closure). */
function rhsOf(f: Fn, d: number, extra: unknown[]): Rhs {
  return (y, t) => {
    let v = f(new NDArray(y, [d], 'float64'), NDArray.scalar(t), ...extra);
    if (typeof v === 'number') v = NDArray.scalar(v);
    if (v instanceof Box) fail('BAD_ARGUMENT', 'scipy.integrate.odeint: f returned a traced value; pass the parameters it depends on through args, not a closure');
    if (!(v instanceof NDArray) || v.size !== d || isComplex(v.dtype))
      fail('SHAPE_MISMATCH', `scipy.integrate.odeint: f must return a real array of ${d} elements (y's size), got ${v instanceof NDArray ? `${v.dtype}${fmtShape(v.shape)}` : typeof v}`);
    return Float64Array.from(cast(v, 'float64').values());
  };
}

// Inside the primitive the arrays are concrete: its arguments arrive unboxed.
const solve = primitive(
  (f: Fn, y0: Value, t: Value, flatArgs: Value, unflatten: Fn, rtol: number, atol: number): Value => {
    const [y, ts] = [y0, t].map((v) => (v as NDArray).values()), d = y0.size;
    const ys = dopri(rhsOf(f, d, unflatten(flatArgs)), Float64Array.from(y), ts, rtol, atol);
    const out = new Float64Array(ys.length * d);
    ys.forEach((y, i) => out.set(y, i * d));
    return new NDArray(out, [ys.length, d], 'float64');
  }, 'scipy.integrate.odeint');

const row = (x: Value, i: number) => getitem(x, [i]);
const part = (x: Value, from: number, to: number) => getitem(x, [{ slice: [from, to, null] }]);
const hstack = (xs: Value[]) => callOp('concatenate', [xs.map((x) => reshape(x, [-1]))], { axis: 0 }) as Value;
/** f of (y, t, flat args) with a 1-d result. */
const flatFunc = (f: Fn, unflatten: Fn, d: number) => (y: Value, t: Value, fa: Value) => reshape(f(y, t, ...unflatten(fa)), [d]);
type Args = [f: Fn, y0: Value, t: Value, flatArgs: Value, unflatten: Fn, rtol: number, atol: number];

/** The cotangents of y0, t and the flat args for the output cotangent g (autograd's grad_odeint). */
function adjoint(g: Value, yt: Value, [f, y0, t, flatArgs, unflatten, rtol, atol]: Args): Value[] {
  const [T, D] = yt.shape, P = flatArgs.size, F = flatFunc(f, unflatten, D);
  // The state [y, a, a_t, a_args] with a = ∂L/∂y runs backwards under y' = f, a' = −aᵀ∂f/∂y, a_t' = −aᵀ∂f/∂t, a_args' = −aᵀ∂f/∂args.
  const augmented = (s: Value, tt: Value, fa: Value) => {
    const [vjp, dy] = makeVjp(F, [0, 1, 2])(part(s, 0, D), tt, fa);
    return hstack([dy, ...vjp(neg(part(s, D, 2 * D)))]);
  };
  let a = row(g, T - 1), aT: Value = NDArray.scalar(0), aArgs: Value = NDArray.zeros([P]);
  const times: Value[] = [];
  for (let i = T - 1; i > 0; i--) {
    const now = dot(F(row(yt, i), row(t, i), flatArgs), row(g, i));
    times.push(now);
    aT = sub(aT, now);
    const back = solve(augmented, hstack([row(yt, i), a, aT, aArgs]), hstack([row(t, i), row(t, i - 1)]), flatArgs, (fa: Value) => [fa], rtol, atol);
    const s = row(back, 1);
    a = add(part(s, D, 2 * D), row(g, i - 1));
    aT = reshape(part(s, 2 * D, 2 * D + 1), []);
    aArgs = part(s, 2 * D + 1, 2 * D + 1 + P);
  }
  times.push(aT);
  return [reshape(a, y0.shape), callOp('flip', [hstack(times)], { axis: 0 }) as Value, aArgs];
}

// One backward pass serves the three arguments' rules (the driver asks each with the same g and ans).
let last: { g: unknown; ans: unknown; grads: Value[] } | null = null;
const adjointPart = (k: number) => (ans: Value, ...args: Args) => (g: Value) => {
  if (last?.g !== g || last.ans !== ans) last = { g, ans, grads: adjoint(g, ans, args) };
  return last.grads[k];
};
defvjp(solve, null, adjointPart(0), adjointPart(1), adjointPart(2));

/** Forward sensitivities: s' = ∂f/∂y·s + ∂f/∂args·targs from s(t0) = s0, integrated alongside y; s at each time. */
function sensitivity([f, y0, t, flatArgs, unflatten, rtol, atol]: Args, s0: Value, targs: Value): Value {
  const D = y0.size, P = flatArgs.size, F = flatFunc(f, unflatten, D);
  const augmented = (z: Value, tt: Value, both: Value) => {
    const [dy, ds] = makeJvp(F, [0, 2])(part(z, 0, D), tt, part(both, 0, P))([part(z, D, 2 * D), part(both, P, 2 * P)]);
    return hstack([dy, ds]);
  };
  const z = solve(augmented, hstack([y0, s0]), t, hstack([flatArgs, targs]), (both: Value) => [both], rtol, atol);
  return getitem(z, [{ slice: [null, null, null] }, { slice: [D, 2 * D, null] }]);
}

defjvp(solve, null,
  (ty0: Value, _ans, ...args: Args) => sensitivity(args, ty0, NDArray.zeros([args[3].size])),
  // Moving t0 starts y0 earlier or later (s(t0) = −f(y0, t0)·δt0); moving t_i reads y' = f there.
  (tt: Value, ans: Value, ...args: Args) => {
    const [f, y0, t, flatArgs, unflatten] = args, F = flatFunc(f, unflatten, y0.size);
    const start = mul(F(reshape(y0, [-1]), row(t, 0), flatArgs), neg(row(tt, 0)));
    const slopes = callOp('stack', [[...Array(ans.shape[0]).keys()].map((i) => F(row(ans, i), row(t, i), flatArgs))]) as Value;
    return add(sensitivity(args, start, NDArray.zeros([flatArgs.size])), mul(slopes, reshape(tt, [-1, 1])));
  },
  (targs: Value, _ans, ...args: Args) => sensitivity(args, NDArray.zeros([args[1].size]), targs));

const asArray = (x: unknown, what: string): Value => {
  const v = typeof x === 'number' ? NDArray.scalar(x) : x;
  if (!(v instanceof NDArray || v instanceof Box) || isComplex(v.dtype)) fail('BAD_ARGUMENT', `scipy.integrate.odeint: ${what} must be a real array or number`);
  return v.dtype === 'float64' ? v : callOp('astype', [v], { dtype: 'float64' }) as Value;
};

/**
 * Solves y' = f(y, t, ...args) from y(t[0]) = y0 and returns y at each time of t, shape [len(t), y0.size].
 * f receives y as a 1-d array and t as a 0-d array. Tolerances default to SciPy's (1.49012e-8).
 */
export function odeint(f: Fn, y0: unknown, t: unknown, { args = [], rtol = 1.49012e-8, atol = 1.49012e-8 }: OdeintOptions = {}): Value {
  if (typeof f !== 'function') fail('BAD_ARGUMENT', 'scipy.integrate.odeint: f must be a function f(y, t, ...args)');
  const tv = asArray(t, 't');
  if (tv.shape.length !== 1 || !tv.size) fail('SHAPE_MISMATCH', `scipy.integrate.odeint: t must be a non-empty 1-d array, got shape ${fmtShape(tv.shape)}`);
  const [flat, unflatten] = flatten(Array.isArray(args) ? args : [args]);
  return solve(f, asArray(y0, 'y0'), tv, flat, unflatten, rtol, atol);
}
