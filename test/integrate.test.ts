// scipy.integrate.odeint: values and derivatives (reverse by the adjoint, forward by sensitivities) against the
// closed forms of exponential decay and the harmonic oscillator, and finite differences on a driven system.
import { describe, expect, it } from 'vitest';
import { grad, makeJvp } from '../core/differential.js';
import { NDArray } from '../core/ndarray.js';
import { np, scipy } from '../core/np.js';
import { checkDerivatives, rng } from './helpers/fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const odeint = scipy.integrate.odeint;
const close = (got: unknown, want: number[], tol = 1e-6) => {
  const g = [got as any].flat(Infinity).map((v: any) => (v instanceof NDArray ? v.toArray() : v)).flat(Infinity) as number[];
  expect(g.length).toBe(want.length);
  g.forEach((v, i) => expect(Math.abs(v - want[i]), `element ${i}: ${v} vs ${want[i]}`).toBeLessThan(tol * Math.max(1, Math.abs(want[i]))));
};
const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code?: string }).code; } return 'no error'; };

describe('exponential decay y\' = −k·y', () => {
  const decay = (y: any, _t: any, k: any) => np.multiply(np.negative(k), y);
  const ts = [0, 0.5, 1, 2, 4], y0 = 1.5, k = 0.7;
  const e = (t: number) => Math.exp(-k * t);
  // L = Σ y(t_i) = Σ y0·e^(−k(t_i − t0)).
  const L = (y0v: any, tv: any, kv: any) => np.sum(odeint(decay, y0v, tv, { args: [kv] }));

  it('matches y0·e^(−kt) at every time, forwards and backwards in time', () => {
    close(odeint(decay, np.array([y0]), np.array(ts), { args: [k] }), ts.map((t) => y0 * e(t)));
    close(odeint(decay, np.array([y0]), np.array([4, 2, 0]), { args: [k] }), [4, 2, 0].map((t) => y0 * Math.exp(k * (4 - t))));
  });

  const dY0 = ts.reduce((s, t) => s + e(t), 0), dK = ts.reduce((s, t) => s - y0 * t * e(t), 0);
  const dT = ts.map((t, i) => (i ? -k * y0 * e(t) : ts.slice(1).reduce((s, u) => s + k * y0 * e(u), 0)));

  it('has the closed-form gradient in y0, k and t, by the adjoint method', () => {
    const [g0, gt, gk] = grad(L, [0, 1, 2])(np.array([y0]), np.array(ts), np.array(k));
    close(g0, [dY0]); close(gt, dT); close(gk, [dK]);
  });

  it('has the same derivatives in forward mode', () => {
    const jvp = (argnum: number, t: NDArray) => makeJvp(L, argnum)(np.array([y0]), np.array(ts), np.array(k))(t)[1];
    close(jvp(0, np.array([1])), [dY0]);
    close(jvp(2, np.array(1)), [dK]);
    close(jvp(1, np.array([1, 0, 0, 0, 0])), [dT[0]]);
    close(jvp(1, np.array([0, 0, 0, 1, 0])), [dT[3]]);
  });

  it('differentiates twice: d²L/dk² = Σ y0·t²·e^(−kt)', () => {
    close(grad(grad((kv: any) => L(np.array([y0]), np.array([0, 1, 2]), kv)))(k), [[1, 2].reduce((s, t) => s + y0 * t * t * e(t), 0)]);
  });
});

describe('harmonic oscillator x\'\' = −w²·x', () => {
  const osc = (y: any, _t: any, w: any) => np.stack([y.get(1), np.multiply(np.negative(np.square(w)), y.get(0))]);
  const w = 1.3, x0 = 1, v0 = 0.5, T = 10;
  const x = (t: number) => x0 * Math.cos(w * t) + (v0 / w) * Math.sin(w * t);
  const v = (t: number) => -x0 * w * Math.sin(w * t) + v0 * Math.cos(w * t);

  it('follows x0·cos(wt) + v0/w·sin(wt) over ten periods\' worth of radians', () => {
    const ts = Array.from({ length: 11 }, (_, i) => i);
    close(odeint(osc, np.array([x0, v0]), np.array(ts), { args: [w] }), ts.flatMap((t) => [x(t), v(t)]));
  });

  it('has the closed-form gradient of x(T) in the initial state, w and T', () => {
    const xT = (y0: any, t: any, wv: any) => odeint(osc, y0, t, { args: [wv] }).get(-1, 0);
    const [gy, gt, gw] = grad(xT, [0, 1, 2])(np.array([x0, v0]), np.array([0, T]), np.array(w));
    close(gy, [Math.cos(w * T), Math.sin(w * T) / w]);
    close(gt, [-v(T), v(T)]);
    close(gw, [-x0 * T * Math.sin(w * T) - (v0 / (w * w)) * Math.sin(w * T) + ((v0 * T) / w) * Math.cos(w * T)]);
  });
});

describe('a driven system with container args', () => {
  // x' = v, v' = −a·x − c·v + sin(t): parameters in a tuple holding a number-valued array and a dict.
  const driven = (y: any, t: any, a: any, p: any) =>
    np.stack([y.get(1), np.add(np.subtract(np.multiply(np.negative(a), y.get(0)), np.multiply(p.c, y.get(1))), np.sin(t))]);
  const run = (y0: any, t: any, a: any, c: any) => odeint(driven, y0, t, { args: [a, { c }] });

  it('agrees with finite differences in y0, t and args, in both modes', () => {
    const r = rng(11);
    checkDerivatives(run, [np.array([1, 0.3]), np.array([0.2, 0.9, 1.7]), np.array(1.3), np.array(0.4)], r, { order: 1 });
  });

  it('gives gradients in the args\' container shape', () => {
    const [ga, gp] = grad((args: any) => np.sum(odeint(driven, np.array([1, 0]), np.array([0, 1]), { args })))([np.array(2), { c: np.array(0.1) }]);
    expect([ga.shape, Object.keys(gp), gp.c.shape]).toEqual([[], ['c'], []]);
  });
});

describe('bad input', () => {
  const decay = (y: any) => np.negative(y);
  it('names the problem', () => {
    expect(code(() => odeint(decay, np.array([1]), np.array([[0, 1]])))).toBe('SHAPE_MISMATCH');
    expect(code(() => odeint(decay, np.array([1]), np.array([0, 2, 1])))).toBe('BAD_ARGUMENT');
    expect(code(() => odeint((y: any) => np.stack([y.get(0), y.get(0)]), np.array([1]), np.array([0, 1])))).toBe('SHAPE_MISMATCH');
    // A parameter captured by a closure would lose its gradient: it must go through args.
    expect(code(() => grad((k: any) => np.sum(odeint((y: any) => np.multiply(k, y), np.array([1]), np.array([0, 1]))))(0.5))).toBe('BAD_ARGUMENT');
  });
});
