import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { grad, makeJvp } from '../../core/differential.js';
import { checkpoint, defjvp, defvjp, fixedPoint, primitive } from '../../core/primitive.js';
import { checkGrads } from '../../core/checkgrads.js';

describe('user primitives', () => {
  it('runs the tutorial\'s logsumexp with its own VJP', () => {
    let traced = false;
    const logsumexp = primitive((x: any) => {
      traced ||= !(x instanceof Object && 'data' in x);
      const m = Math.max(...(x.toArray() as number[]));
      return np.add(m, np.log(np.sum(np.exp(np.subtract(x, m)))));
    });
    defvjp(logsumexp, (ans: any, x: any) => (g: any) => np.multiply(np.full(x.shape, g), np.exp(np.subtract(x, np.full(x.shape, ans)))));
    const y = np.array([1.5, 6.7, 1e-10]);
    const g = grad((v: any) => np.sum(logsumexp(np.square(v))))(y).toArray() as number[];
    const e = [1.5, 6.7, 1e-10].map((v) => Math.exp(v * v)), s = e.reduce((a, b) => a + b);
    g.forEach((gi, i) => expect(gi).toBeCloseTo((2 * [1.5, 6.7, 1e-10][i] * e[i]) / s, 12));
    expect(traced).toBe(false);
  });

  it('defjvp gives forward mode', () => {
    const cube = primitive((x: any) => np.power(x, 3));
    defjvp(cube, (t: any, _ans: any, x: any) => np.multiply(t, np.multiply(3, np.square(x))));
    expect(makeJvp(cube)(np.array(2))(np.array(1))[1].item()).toBe(12);
  });

  it('checkGrads accepts a correct rule and rejects a wrong one', () => {
    const good = primitive((x: any) => np.sin(x));
    defvjp(good, (_ans: any, x: any) => (g: any) => np.multiply(g, np.cos(x)));
    defjvp(good, (t: any, _ans: any, x: any) => np.multiply(t, np.cos(x)));
    checkGrads(good, { order: 1 })(np.array([0.3, 1.1]));
    const bad = primitive((x: any) => np.sin(x));
    defvjp(bad, (_ans: any, x: any) => (g: any) => np.multiply(g, np.sin(x)));
    expect(() => checkGrads(bad, { modes: ['rev'], order: 1 })(np.array([0.3, 1.1]))).toThrow(/VJP disagrees/);
  });

  it('checkpoint recomputes and gives the same gradient', () => {
    const f = (x: any) => np.sin(np.sin(x));
    expect(grad((x: any) => np.sum(checkpoint(f)(x)))(np.array([0.5])).toArray()).toEqual(grad((x: any) => np.sum(f(x)))(np.array([0.5])).toArray());
  });

  it('fixedPoint differentiates by the implicit function theorem', () => {
    const newton = (a: any) => (x: any) => np.multiply(0.5, np.add(x, np.divide(a, x)));
    const dist = (x: any, y: any) => np.abs(np.subtract(x, y));
    expect(fixedPoint(newton, 3.7, 2.0, dist, 1e-10).item()).toBeCloseTo(Math.sqrt(3.7), 12);
    expect(grad((a: any) => fixedPoint(newton, a, 2.0, dist, 1e-10))(3.7)).toBeCloseTo(1 / (2 * Math.sqrt(3.7)), 10);
  });
});
