// autograd.misc.optimizers: sgd (with momentum `mass`), rmsprop and adam over any container of arrays, plus
// L-BFGS for full-batch problems. Updates run on the flattened vector with autograd's exact formulas and
// defaults. Each optimizer's state is a record of Float64Arrays and its step a function of (x, g, i, state),
// so a run can stop after any step and resume bit for bit from a saved copy (the server's jobs do).
import { leaves } from './containers.js';
import { flatten } from './flatten.js';
import { output } from './kernels.js';
import { NDArray } from './ndarray.js';
import { fail } from './errors.js';
import { native, NATIVE_MIN_UNARY } from './native.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type GradFn = (x: any, i: number) => any;
export type Callback = (x: any, i: number, g: any) => void;
interface Common { numIters?: number; stepSize?: number; callback?: Callback }

/** An optimizer's state: what a step reads and updates besides x, exactly what a checkpoint must keep. */
export type State = Record<string, Float64Array>;
/** A first-order update: x's next value into `out` (x itself by default) from the gradient g at step i (0-based). */
export interface Rule { init(n: number): State; step(x: Float64Array, g: Float64Array, i: number, state: State, out?: Float64Array): void }

export interface SgdOptions { stepSize?: number; mass?: number }
export interface RmspropOptions { stepSize?: number; gamma?: number; eps?: number }
export interface AdamOptions { stepSize?: number; b1?: number; b2?: number; eps?: number }

export const rules = {
  sgd: ({ stepSize = 0.1, mass = 0.9 }: SgdOptions = {}): Rule => ({
    init: (n) => ({ velocity: new Float64Array(n) }),
    step: (x, g, _i, { velocity }, out = x) => {
      for (let j = 0; j < x.length; j++) {
        velocity[j] = mass * velocity[j] - (1.0 - mass) * g[j];
        out[j] = x[j] + stepSize * velocity[j];
      }
    },
  }),
  rmsprop: ({ stepSize = 0.1, gamma = 0.9, eps = 1e-8 }: RmspropOptions = {}): Rule => ({
    init: (n) => ({ avgSqGrad: new Float64Array(n).fill(1) }),
    step: (x, g, _i, { avgSqGrad }, out = x) => {
      for (let j = 0; j < x.length; j++) {
        avgSqGrad[j] = avgSqGrad[j] * gamma + g[j] ** 2 * (1 - gamma);
        out[j] = x[j] - (stepSize * g[j]) / (Math.sqrt(avgSqGrad[j]) + eps);
      }
    },
  }),
  adam: ({ stepSize = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8 }: AdamOptions = {}): Rule => ({
    init: (n) => ({ m: new Float64Array(n), v: new Float64Array(n) }),
    step: (x, g, i, { m, v }, out = x) => {
      const n = x.length, c1 = 1 - b1 ** (i + 1), c2 = 1 - b2 ** (i + 1);
      if (n >= NATIVE_MIN_UNARY && g instanceof Float64Array && native()) return native()!.adam(x, g, m, v, stepSize, b1, b2, eps, c1, c2, out); // the same loop
      for (let j = 0; j < n; j++) {
        m[j] = (1 - b1) * g[j] + b1 * m[j];
        v[j] = (1 - b2) * g[j] ** 2 + b2 * v[j];
        out[j] = x[j] - (stepSize * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
      }
    },
  }),
};

/**
 * x0 flattened to a fresh float64 vector, and the inverse: copies of the vector's pieces, or views of them (for a
 * vector that is never written again).
 */
function flat(x0: any, views: boolean): [Float64Array, (x: Float64Array) => any] {
  const [flat0, unflatten] = flatten(x0);
  if (!(flat0 instanceof NDArray) || flat0.dtype !== 'float64')
    fail('DTYPE_MISMATCH', `optimizers work on real float64 parameters; x0 flattens to ${flat0.dtype}`);
  return [flat0.values() as Float64Array, (x) => unflatten(new NDArray(x, [x.length], 'float64'), { views })];
}

/**
 * The gradient as pieces of the flat vector: [offset, values] per leaf, the leaves' own storage when every leaf is a
 * contiguous float64 array (no copy), else one piece copied into `into` (numbers, float32 or mixed leaves: flatten
 * converts them).
 */
function gradPieces(g: any, into: Float64Array): [number, Float64Array][] {
  const ls = leaves(g), plain = ls.every((l) => l instanceof NDArray && l.dtype === 'float64');
  const gv = plain ? null : flatten(g)[0] as NDArray;
  const n = gv ? gv.size : (ls as NDArray[]).reduce((s, l) => s + l.size, 0);
  if (n !== into.length || (gv && gv.dtype === 'complex128'))
    fail('SHAPE_MISMATCH', `optimizer: the gradient has ${n} ${gv?.dtype ?? 'float64'} elements, the parameters ${into.length} float64`);
  if (gv) { into.set(gv.values()); return [[0, into]]; }
  const pieces: [number, Float64Array][] = [];
  for (let k = 0, i = 0; i < ls.length; k += (ls[i] as NDArray).size, i++) pieces.push([k, (ls[i] as NDArray).values() as Float64Array]);
  return pieces;
}

/** The gradient, flattened into `into`. */
function flatGrad(g: any, into: Float64Array): Float64Array {
  const pieces = gradPieces(g, into);
  if (pieces.length !== 1 || pieces[0][1] !== into) for (const [k, v] of pieces) into.set(v, k);
  return into;
}

const slice = (a: Float64Array, k: number, n: number) => (k === 0 && n === a.length ? a : a.subarray(k, k + n));

function run(gradFn: GradFn, x0: any, numIters: number, callback: Callback | undefined, rule: Rule) {
  const [start, unflatten] = flat(x0, true);
  let x = start;
  const state = rule.init(x.length), gbuf = new Float64Array(x.length), names = Object.keys(state);
  // Each step writes a new vector (never x, which the parameters handed out so far are views of), as autograd's
  // x = x - … makes a new array. The update runs piece by piece over the gradient's leaves (elementwise, so the
  // same numbers as over the whole vector), which saves copying the gradient into one vector first.
  for (let i = 0; i < numIters; i++) {
    const params = unflatten(x);
    const g = gradFn(params, i);
    const pieces = gradPieces(g, gbuf);
    if (callback) callback(params, i, g);
    const next = output('float64', x.length) as Float64Array; // every element is written
    for (const [k, gv] of pieces) {
      const n = gv.length, part: State = {};
      for (const s of names) part[s] = slice(state[s], k, n);
      rule.step(slice(x, k, n), gv, i, part, slice(next, k, n));
    }
    x = next;
  }
  return unflatten(x);
}

export function sgd(gradFn: GradFn, x0: any, { numIters = 200, callback, ...o }: Common & SgdOptions = {}) {
  return run(gradFn, x0, numIters, callback, rules.sgd(o));
}

export function rmsprop(gradFn: GradFn, x0: any, { numIters = 100, callback, ...o }: Common & RmspropOptions = {}) {
  return run(gradFn, x0, numIters, callback, rules.rmsprop(o));
}

export function adam(gradFn: GradFn, x0: any, { numIters = 100, callback, ...o }: Common & AdamOptions = {}) {
  return run(gradFn, x0, numIters, callback, rules.adam(o));
}

// ---- L-BFGS ----

export interface LbfgsOptions {
  /** Curvature pairs kept. */
  history?: number;
  /** Converged when the gradient's largest magnitude is at most this. */
  gtol?: number;
  /** The strong Wolfe conditions' sufficient-decrease and curvature constants, 0 < c1 < c2 < 1. */
  c1?: number;
  c2?: number;
  /** Function evaluations one line search may spend. */
  maxLineSearch?: number;
}
/** The loss and its gradient at a flat x. */
export type Objective = (x: Float64Array) => [number, Float64Array];

const dot = (a: Float64Array, b: Float64Array) => { let s = 0; for (let j = 0; j < a.length; j++) s += a[j] * b[j]; return s; };
const maxAbs = (a: Float64Array) => { let s = 0; for (let j = 0; j < a.length; j++) s = Math.max(s, Math.abs(a[j])); return s; };

/** L-BFGS's state for n parameters: the last `history` pairs (s, y) in rings, 1/(s·y), the gradient, and meta = [pairs, newest slot, loss, evaluated]. */
export function lbfgsInit(n: number, { history = 10 }: LbfgsOptions = {}): State {
  return { S: new Float64Array(history * n), Y: new Float64Array(history * n), rho: new Float64Array(history), g: new Float64Array(n), meta: new Float64Array(4) };
}

/**
 * One L-BFGS iteration: the two-loop recursion's direction, then a line search satisfying the strong Wolfe
 * conditions (Nocedal & Wright, algorithms 3.5 and 3.6). Updates x and state in place. `done`: converged
 * (gradient within gtol) or no further progress is possible (the line search found no acceptable point).
 */
export function lbfgsStep(x: Float64Array, state: State, fun: Objective, { gtol = 1e-5, c1 = 1e-4, c2 = 0.9, maxLineSearch = 25 }: LbfgsOptions = {}): { loss: number; g: Float64Array; done: boolean } {
  const { S, Y, rho, g, meta } = state, n = x.length, m = rho.length;
  if (!meta[3]) {
    const [f, g0] = fun(x);
    g.set(g0);
    meta[2] = f;
    meta[3] = 1;
  }
  const f0 = meta[2];
  if (maxAbs(g) <= gtol) return { loss: f0, g, done: true };
  const pairs = meta[0], newest = meta[1];
  const row = (A: Float64Array, k: number) => A.subarray(k * n, (k + 1) * n);
  const q = g.slice(), alpha = new Float64Array(m);
  for (let t = 0; t < pairs; t++) {
    const k = (newest - t + m) % m, s = row(S, k);
    alpha[k] = rho[k] * dot(s, q);
    const y = row(Y, k);
    for (let j = 0; j < n; j++) q[j] -= alpha[k] * y[j];
  }
  if (pairs) {
    const y = row(Y, newest), gamma = 1 / (rho[newest] * dot(y, y));
    for (let j = 0; j < n; j++) q[j] *= gamma;
  }
  for (let t = pairs - 1; t >= 0; t--) {
    const k = (newest - t + m) % m, s = row(S, k), y = row(Y, k), beta = rho[k] * dot(y, q);
    for (let j = 0; j < n; j++) q[j] += s[j] * (alpha[k] - beta);
  }
  const d = q.map((v) => -v);
  let slope = dot(g, d);
  if (!(slope < 0)) { // not a descent direction (rounding): restart from steepest descent
    meta[0] = 0;
    for (let j = 0; j < n; j++) d[j] = -g[j];
    slope = dot(g, d);
  }
  const a1 = meta[0] ? 1 : Math.min(1, 1 / Math.sqrt(dot(g, g)));
  const found = wolfe(x, d, f0, slope, a1, fun, c1, c2, maxLineSearch);
  if (!found) return { loss: f0, g, done: true };
  const k = pairs ? (newest + 1) % m : 0, s = row(S, k), y = row(Y, k);
  for (let j = 0; j < n; j++) {
    s[j] = found.a * d[j];
    y[j] = found.g[j] - g[j];
    x[j] += s[j];
  }
  const sy = dot(s, y);
  if (sy > 0) { rho[k] = 1 / sy; meta[0] = Math.min(pairs + 1, m); meta[1] = k; }
  g.set(found.g);
  meta[2] = found.f;
  return { loss: found.f, g, done: maxAbs(g) <= gtol };
}

interface Point { a: number; f: number; d: number; g: Float64Array }

/** A step length along d meeting the strong Wolfe conditions, with the loss and gradient there; null when none is found. */
function wolfe(x: Float64Array, dir: Float64Array, f0: number, d0: number, a1: number, fun: Objective, c1: number, c2: number, evals: number): Point | null {
  const xt = new Float64Array(x.length);
  const at = (a: number): Point => {
    for (let j = 0; j < x.length; j++) xt[j] = x[j] + a * dir[j];
    const [f, g] = fun(xt);
    const d = dot(g, dir);
    return Number.isFinite(f) && Number.isFinite(d) ? { a, f, d, g: g.slice() } : { a, f: Infinity, d: NaN, g };
  };
  const armijo = (p: Point) => p.f <= f0 + c1 * p.a * d0;
  const curved = (p: Point) => Math.abs(p.d) <= -c2 * d0;
  const zoom = (lo: Point, hi: Point): Point | null => {
    while (evals-- > 0) {
      const p = at(cubicMin(lo, hi));
      if (!armijo(p) || p.f >= lo.f) hi = p;
      else {
        if (curved(p)) return p;
        if (p.d * (hi.a - lo.a) >= 0) hi = lo;
        lo = p;
      }
      if (Math.abs(hi.a - lo.a) <= 1e-16 * Math.max(1, lo.a)) break;
    }
    return null;
  };
  let prev: Point = { a: 0, f: f0, d: d0, g: new Float64Array(0) }, a = a1;
  for (let i = 0; evals-- > 0; i++) {
    const p = at(a);
    if (!armijo(p) || (i > 0 && p.f >= prev.f)) return zoom(prev, p);
    if (curved(p)) return p;
    if (p.d >= 0) return zoom(p, prev);
    prev = p;
    a *= 2;
  }
  return null;
}

/** The minimizer of the cubic through two points' values and slopes, kept inside the interval (bisection when it is not usable). */
function cubicMin(p: Point, q: Point): number {
  const lo = Math.min(p.a, q.a), hi = Math.max(p.a, q.a), margin = 0.1 * (hi - lo);
  const d1 = p.d + q.d - 3 * (p.f - q.f) / (p.a - q.a), disc = d1 * d1 - p.d * q.d;
  if (disc >= 0 && Number.isFinite(disc)) {
    const d2 = Math.sign(q.a - p.a) * Math.sqrt(disc);
    const a = q.a - (q.a - p.a) * (q.d + d2 - d1) / (q.d - p.d + 2 * d2);
    if (a >= lo + margin && a <= hi - margin) return a;
  }
  return (lo + hi) / 2;
}

/**
 * L-BFGS on a full-batch objective over any container of float64 arrays: `fun(x, i)` returns [loss, gradient]
 * (as valueAndGrad(loss) does). Stops after numIters iterations or when converged (see lbfgsStep).
 */
export function lbfgs(fun: (x: any, i: number) => any[], x0: any, { numIters = 100, callback, ...o }: { numIters?: number; callback?: Callback } & LbfgsOptions = {}) {
  const [x, unflatten] = flat(x0, false); // x and the line search's trial point are updated in place
  const state = lbfgsInit(x.length, o);
  let i = 0;
  const objective: Objective = (xt) => {
    const [f, g] = fun(unflatten(xt), i);
    return [Number(f instanceof NDArray ? f.item() : f), flatGrad(g, new Float64Array(x.length))];
  };
  for (; i < numIters; i++) {
    const { g, done } = lbfgsStep(x, state, objective, o);
    if (callback) callback(unflatten(x), i, unflatten(g));
    if (done) break;
  }
  return unflatten(x);
}

export const optimizers = { sgd, rmsprop, adam, lbfgs };
