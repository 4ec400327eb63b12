// Central finite differences, computed in plain JS on concrete arrays (the engine only evaluates f), and the
// checks of autograd's check_grads built on them: VJP and JVP against differences, to first or second order.
import { leaves, unleaves } from '../../core/containers.js';
import { makeJvp, makeVjp } from '../../core/differential.js';
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
export type Mode = 'fwd' | 'rev';
export interface FdOptions { eps?: number; rtol?: number; atol?: number }
const DEFAULTS = { eps: 1e-6, rtol: 1e-5, atol: 1e-6 };

/** A seeded uniform generator on [0, 1) (mulberry32). */
export type Rng = () => number;
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
/** A seed from a label, so that each check draws its own reproducible numbers. */
export const seedOf = (label: string) => [...label].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0, 2166136261);
export const normal = (r: Rng) => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Standard normal entries (re and im for complex) in an array shaped like `like`. */
export function randLike(like: { shape: readonly number[]; dtype: DType }, r: Rng): NDArray {
  const dtype = like.dtype === 'complex128' ? 'complex128' : 'float64';
  const n = like.shape.reduce((a, b) => a * b, 1) * (dtype === 'complex128' ? 2 : 1);
  return NDArray.fromData(Array.from({ length: n }, () => normal(r)), like.shape, dtype);
}
export const randTree = (t: unknown, r: Rng) => unleaves(t, arrays(t).map((a) => randLike(a, r)));

const arrays = (t: unknown): NDArray[] => leaves(t).map((l) => (typeof l === 'number' ? NDArray.scalar(l) : l as NDArray));
const cx = (a: NDArray) => a.dtype === 'complex128';
/** Element i as [re, im]. */
const at = (a: NDArray, v: ArrayLike<number>, i: number) => (cx(a) ? [v[2 * i], v[2 * i + 1]] : [v[i], 0]);

/** x + s·t elementwise (t has x's shape; complex t only for complex x). */
function axpy(x: NDArray, t: NDArray, s: number): NDArray {
  const xv = x.values(), tv = t.values();
  return NDArray.fromData(Array.from(xv, (v, i) => v + s * tv[i]), x.shape, x.dtype);
}

/** (f(x + εv) − f(x − εv)) / 2ε for all arguments at once, with ε scaled to the arguments' magnitude. */
export function numericJvp(f: Fn, args: NDArray[], v: NDArray[], eps = DEFAULTS.eps): unknown {
  const h = eps * Math.max(1, ...args.map((a) => Math.max(0, ...Array.from(a.values(), Math.abs))));
  const yp = f(...args.map((a, i) => axpy(a, v[i], h))), ym = f(...args.map((a, i) => axpy(a, v[i], -h)));
  const mp = arrays(yp), mm = arrays(ym);
  return unleaves(yp, mp.map((p, k) => {
    const pv = p.values(), mv = mm[k].values();
    return NDArray.fromData(Array.from(pv, (x, i) => (x - mv[i]) / (2 * h)), p.shape, cx(p) ? 'complex128' : 'float64');
  }));
}

/** autograd's bilinear pairing Re Σ a·b over all leaves (README §7: no conjugation). */
export function inner(a: unknown, b: unknown): number {
  const as = arrays(a), bs = arrays(b);
  if (as.length !== bs.length) throw new Error(`inner: ${as.length} arrays against ${bs.length}`);
  let s = 0;
  as.forEach((x, k) => {
    const y = bs[k], xv = x.values(), yv = y.values();
    if (x.size !== y.size) throw new Error(`inner: shapes [${x.shape}] and [${y.shape}]`);
    for (let i = 0; i < x.size; i++) { const [xr, xi] = at(x, xv, i), [yr, yi] = at(y, yv, i); s += xr * yr - xi * yi; }
  });
  return s;
}

const sameSpace = (got: NDArray, like: NDArray, what: string) => {
  if (got.shape.length !== like.shape.length || got.shape.some((d, i) => d !== like.shape[i]) || cx(got) !== cx(like))
    throw new Error(`${what}: got ${got.dtype}[${got.shape}], expected ${cx(like) ? 'complex' : 'real'} [${like.shape}]`);
};

/** Elementwise |a − e| ≤ atol + rtol·|e|, with the worst element in the error. */
function assertClose(got: unknown, want: unknown, o: Required<FdOptions>, what: string) {
  const gs = arrays(got), ws = arrays(want);
  if (gs.length !== ws.length) throw new Error(`${what}: ${gs.length} arrays, expected ${ws.length}`);
  gs.forEach((g, k) => {
    sameSpace(g, ws[k], `${what}[${k}]`);
    const gv = g.values(), wv = ws[k].values();
    for (let i = 0; i < g.size; i++) {
      const [gr, gi] = at(g, gv, i), [wr, wi] = at(ws[k], wv, i);
      if (!(Math.hypot(gr - wr, gi - wi) <= o.atol + o.rtol * Math.hypot(wr, wi)))
        throw new Error(`${what}[${k}] element ${i}: ${gr}${cx(g) ? `${gi >= 0 ? '+' : ''}${gi}i` : ''} by the engine, ` +
          `${wr}${cx(g) ? `${wi >= 0 ? '+' : ''}${wi}i` : ''} by finite differences`);
    }
  });
}

const indices = (n: number) => [...Array(n).keys()];

/** ⟨vjp(g), v⟩ = ⟨g, (f(x+εv) − f(x−εv))/2ε⟩ for a random cotangent g and direction v (autograd's check_vjp). */
export function checkVjp(f: Fn, args: NDArray[], r: Rng, opts: FdOptions = {}): void {
  const o = { ...DEFAULTS, ...opts };
  const [vjp, y] = makeVjp(f, indices(args.length))(...args);
  const g = randTree(y, r), v = args.map((a) => randLike(a, r));
  const grads = vjp(g) as NDArray[];
  grads.forEach((gr, i) => sameSpace(arrays(gr)[0], args[i], `vjp of argument ${i}`));
  const exact = inner(grads, v), numeric = inner(g, numericJvp(f, args, v, o.eps));
  if (!(Math.abs(exact - numeric) <= o.atol + o.rtol * Math.max(Math.abs(exact), Math.abs(numeric))))
    throw new Error(`vjp: ⟨vjp(g), v⟩ = ${exact} by the engine, ${numeric} by finite differences`);
}

/** The forward-mode JVP along a random direction equals the central difference (autograd's check_jvp). */
export function checkJvp(f: Fn, args: NDArray[], r: Rng, opts: FdOptions = {}): void {
  const o = { ...DEFAULTS, ...opts };
  const v = args.map((a) => randLike(a, r));
  const [, t] = makeJvp(f, indices(args.length))(...args)(v);
  assertClose(t, numericJvp(f, args, v, o.eps), o, 'jvp');
}

/**
 * autograd's check_grads(f, modes, order) for f differentiated in all of `args`: order 2 checks again the
 * functions (x, v) ↦ jvp and (x, g) ↦ vjp(g), in both of their arguments.
 */
export function checkDerivatives(f: Fn, args: NDArray[], r: Rng, { modes = ['fwd', 'rev'], order = 2, ...opts }: FdOptions & { modes?: Mode[]; order?: number } = {}): void {
  const n = args.length, all = indices(n);
  const again = (g: Fn, extra: NDArray[], what: string) => {
    try { checkDerivatives(g, [...args, ...extra], r, { modes, order: order - 1, ...opts }); } catch (e) { throw new Error(`${what}: ${(e as Error).message}`); }
  };
  if (modes.includes('fwd')) {
    checkJvp(f, args, r, opts);
    if (order > 1) again((...a: NDArray[]) => makeJvp(f, all)(...a.slice(0, n))(a.slice(n))[1], args.map((a) => randLike(a, r)), 'derivative of the jvp');
  }
  if (modes.includes('rev')) {
    checkVjp(f, args, r, opts);
    if (order > 1) {
      const y = f(...args);
      again((...a: NDArray[]) => makeVjp(f, all)(...a.slice(0, n))[0](unleaves(y, a.slice(n))), arrays(randTree(y, r)), 'derivative of the vjp');
    }
  }
}
