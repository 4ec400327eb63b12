// autograd's check_grads: VJPs and JVPs against central finite differences, recursively to `order`.
import type { Value } from './catalog.js';
import { leaves, unleaves } from './containers.js';
import { makeJvp, makeVjp } from './differential.js';
import { fail } from './errors.js';
import { NDArray } from './ndarray.js';
import { unboxAll } from './tracer.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
export interface CheckOptions { modes?: ('fwd' | 'rev')[]; order?: number; eps?: number; rtol?: number; atol?: number; seed?: number }

const asArr = (l: any): NDArray => (typeof l === 'number' ? NDArray.scalar(l) : l.re !== undefined && !(l instanceof NDArray) ? NDArray.fromData([l.re, l.im], [], 'complex128') : unboxAll(l as Value));

/** Vector-space helpers over containers, with autograd's pairing Re Σ conj(a)·b. */
const vs = {
  randn(t: any, rand: () => number) {
    return unleaves(t, leaves(t).map((l) => {
      const a = asArr(l), out = NDArray.zeros(a.shape, a.dtype);
      for (let i = 0; i < out.data.length; i++) out.data[i] = rand();
      return out;
    }));
  },
  axpy(alpha: number, x: any, y: any) { // y + alpha·x, leafwise
    const xs = leaves(x), ys = leaves(y);
    return unleaves(y, ys.map((l, k) => {
      const a = asArr(l).contiguous(), b = asArr(xs[k]).values(), out = NDArray.fromData(a.values().slice(), a.shape, a.dtype);
      for (let i = 0; i < out.data.length; i++) out.data[i] += alpha * b[i];
      return out;
    }));
  },
  scale(alpha: number, x: any) { return vs.axpy(alpha - 1, x, x); },
  inner(x: any, y: any) {
    const xs = leaves(x), ys = leaves(y);
    let s = 0;
    xs.forEach((l, k) => { const a = asArr(l).values(), b = asArr(ys[k]).values(); for (let i = 0; i < a.length; i++) s += a[i] * b[i]; });
    return s; // for interleaved complex, Σ(re·re + im·im) = Re Σ conj(a)·b
  },
  conj(t: any) {
    return unleaves(t, leaves(t).map((l) => {
      const a = asArr(l);
      if (a.dtype !== 'complex128') return a;
      const v = a.values().slice();
      for (let i = 1; i < v.length; i += 2) v[i] = -v[i];
      return NDArray.fromData(v, a.shape, a.dtype);
    }));
  },
};

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}

function closeEnough(a: number, b: number, o: Required<CheckOptions>, what: string) {
  if (!(Math.abs(a - b) <= o.atol + o.rtol * Math.abs(b)))
    fail('BAD_ARGUMENT', `checkGrads: ${what} disagrees with finite differences: ${a} vs numerical ${b}`);
}

function closeTrees(a: any, b: any, o: Required<CheckOptions>, what: string) {
  const as = leaves(a), bs = leaves(b);
  as.forEach((l, k) => {
    const x = asArr(l).values(), y = asArr(bs[k]).values();
    for (let i = 0; i < x.length; i++) closeEnough(x[i], y[i], o, `${what} (element ${i})`);
  });
}

function check(f: Fn, x: any[], o: Required<CheckOptions>, rand: () => number, order: number): void {
  const numJvp = (v: any) => {
    const hi = f(...(vs.axpy(o.eps, v, x) as any[])), lo = f(...(vs.axpy(-o.eps, v, x) as any[]));
    return vs.scale(1 / (2 * o.eps), vs.axpy(-1, lo, hi));
  };
  const argnums = x.map((_, i) => i);
  if (o.modes.includes('fwd')) {
    const v = vs.randn(x, rand);
    closeTrees(makeJvp(f, argnums)(...x)(v)[1], numJvp(v), o, 'a JVP');
    if (order > 1) {
      const jvpF = (...a: any[]) => makeJvp(f, argnums)(...a.slice(0, x.length))(a.slice(x.length))[1];
      check(jvpF, [...x, ...(vs.randn(x, rand) as any[])], o, rand, order - 1);
    }
  }
  if (o.modes.includes('rev')) {
    const [vjp, y] = makeVjp(f, argnums)(...x);
    const xv = vs.randn(x, rand), yv = vs.randn(y, rand);
    closeEnough(vs.inner(xv, vs.conj(vjp(vs.conj(yv)))), vs.inner(yv, numJvp(xv)), o, 'a VJP');
    if (order > 1) {
      const vjpF = (...a: any[]) => makeVjp(f, argnums)(...a.slice(0, -1))[0](a[a.length - 1]);
      check(vjpF, [...x, vs.randn(y, rand)], o, rand, order - 1);
    }
  }
}

/** checkGrads(f, { modes, order })(...args) throws if any VJP or JVP of f at args disagrees with finite differences. */
export const checkGrads = (f: Fn, opts: CheckOptions = {}) => (...args: any[]): void => {
  const o: Required<CheckOptions> = { modes: ['fwd', 'rev'], order: 2, eps: 1e-6, rtol: 1e-5, atol: 1e-6, seed: 0, ...opts };
  check(f, args, o, mulberry32(o.seed), o.order);
};
