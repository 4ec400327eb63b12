import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import * as ad from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { close } from '../helpers/assert.js';

const arr = (a: unknown) => (a as NDArray).toArray() as number[];
const cube = (x: any) => np.multiply(x, np.multiply(x, x));

describe('grad', () => {
  it('differentiates x³ to any order, numbers in and out', () => {
    expect(ad.grad(cube)(2)).toBe(12);
    expect(ad.grad(ad.grad(cube))(2)).toBe(12);
    expect(ad.grad(ad.grad(ad.grad(cube)))(2)).toBe(6);
    expect(ad.grad(ad.grad(ad.grad(ad.grad(cube))))(2)).toBe(0);
  });

  it('gives the fourth derivative of tanh, 8t(1−t²)(2−3t²)', () => {
    let f: any = np.tanh;
    for (let i = 0; i < 4; i++) f = ad.grad(f);
    for (const x of [-1.5, -0.3, 0.7, 2]) {
      const t = Math.tanh(x);
      close(f(x), 8 * t * (1 - t * t) * (2 - 3 * t * t), 1e-10);
    }
  });

  it('returns a gradient of the argument\'s shape', () => {
    const x = np.array([[1, 2], [3, 4]]);
    const g = ad.grad((v: any) => np.sum(np.square(v)))(x);
    expect(g.shape).toEqual([2, 2]);
    expect(g.toArray()).toEqual([[2, 4], [6, 8]]);
  });

  it('takes argnum as a number or an array', () => {
    const f = (a: any, b: any, c: any) => np.add(np.multiply(np.square(a), np.sin(b)), np.sum(np.multiply(c, b)));
    const c = np.array([1, 2]);
    const [da, dc] = ad.grad(f, [0, 2])(1.5, 0.7, c);
    close(da, 2 * 1.5 * Math.sin(0.7));
    close(arr(dc), [0.7, 0.7]);
    close(ad.grad(f, 1)(1.5, 0.7, c), 1.5 ** 2 * Math.cos(0.7) + 3);
  });

  it('differentiates with respect to nested containers and returns the same structure', () => {
    const params = { w: np.array([1, 2]), pair: [3, np.array([[0.5]])] };
    const loss = (p: any) => np.add(np.sum(np.square(p.w)), np.multiply(p.pair[0], np.sum(p.pair[1])));
    const g = ad.grad(loss)(params);
    expect(arr(g.w)).toEqual([2, 4]);
    expect(g.pair[0]).toBe(0.5);
    expect(g.pair[1].toArray()).toEqual([[3]]);
  });

  it('follows autograd\'s complex convention: grad |z|² at 3+4i is 6−8i', () => {
    expect(ad.grad((z: any) => np.square(np.abs(z)))({ re: 3, im: 4 })).toEqual({ re: 6, im: -8 });
  });

  it('gives zeros with a warning for an output that does not depend on the input', () => {
    expect(arr(ad.grad(() => np.array(3))(np.array([1, 2])))).toEqual([0, 0]);
  });
});

describe('the other operators', () => {
  const x = np.array([0.3, -1.2, 2.0]);

  it('valueAndGrad and gradAndAux', () => {
    const [v, g] = ad.valueAndGrad((t: any) => np.sum(np.sin(t)))(x);
    close(v.item(), Math.sin(0.3) + Math.sin(-1.2) + Math.sin(2));
    close(arr(g), [0.3, -1.2, 2].map(Math.cos));
    const [g2, aux] = ad.gradAndAux((t: any) => [np.sum(np.exp(t)), 'aux'])(x);
    close(arr(g2), [0.3, -1.2, 2].map(Math.exp));
    expect(aux).toBe('aux');
  });

  it('elementwiseGrad and deriv (forward mode) give cos for sin', () => {
    close(arr(ad.elementwiseGrad(np.sin)(x)), [0.3, -1.2, 2].map(Math.cos));
    close(arr(ad.deriv(np.sin)(x)), [0.3, -1.2, 2].map(Math.cos));
  });

  it('makeVjp and makeJvp', () => {
    const [vjp, ans] = ad.makeVjp(np.exp)(x);
    close(arr(ans), [0.3, -1.2, 2].map(Math.exp));
    close(arr(vjp(np.array([1, 2, 3]))), [1, 2, 3].map((g, i) => g * Math.exp([0.3, -1.2, 2][i])));
    const f = (a: any, b: any) => np.multiply(a, b);
    const [val, jvp] = ad.makeJvp(f, [0, 1])(x, np.array([2, 3, 4]))([np.array([1, 1, 1]), np.array([1, 0, 0])]);
    close(arr(val), [0.6, -3.6, 8]);
    close(arr(jvp), [2 + 0.3, 3, 4]); // b·ta + a·tb
  });

  it('jacobian, hessian and Hessian-vector products of sum(x³)', () => {
    close((ad.jacobian(np.sin)(x).toArray() as number[][]).flat(), [Math.cos(0.3), 0, 0, 0, Math.cos(-1.2), 0, 0, 0, Math.cos(2)]);
    const f = (t: any) => np.sum(cube(t));
    close((ad.hessian(f)(x).toArray() as number[][]).flat(), [1.8, 0, 0, 0, -7.2, 0, 0, 0, 12]);
    const v = np.array([1, 2, 3]);
    close(arr(ad.hessianVectorProduct(f)(x, v)), [1.8, -14.4, 36]);
    const [hvp, g] = ad.makeHvp(f)(x);
    close(arr(hvp(v)), [1.8, -14.4, 36]);
    close(arr(g), [0.27, 4.32, 12]);
  });

  it('tensorJacobianProduct contracts with the output', () => {
    close(arr(ad.tensorJacobianProduct(np.sin)(x, np.array([1, 2, 3]))), [1, 2, 3].map((v, i) => v * Math.cos([0.3, -1.2, 2][i])));
  });

  it('makeGgnvp of an elementwise map under ½|y|² is diag(c²)', () => {
    const c = np.array([2, 3, -1]);
    const ggnvp = ad.makeGgnvp((t: any) => np.multiply(c, t))(x);
    close(arr(ggnvp(np.array([1, 1, 2]))), [4, 9, 2]);
  });

  it('holomorphicGrad gives the complex derivative', () => {
    const z = { re: 0.5, im: -0.7 };
    const d = ad.holomorphicGrad((w: any) => np.square(w))(z);
    close([d.re, d.im], [1, -1.4]);
    const e = ad.holomorphicGrad(np.exp)(z);
    close([e.re, e.im], [Math.exp(0.5) * Math.cos(-0.7), Math.exp(0.5) * Math.sin(-0.7)]);
  });

  it('gradNamed and multigradDict read parameter names', () => {
    const f = (a: any, b: any) => np.multiply(np.square(a), np.sin(b));
    close(ad.gradNamed(f, 'b')(1.5, 0.7), 2.25 * Math.cos(0.7));
    const d = ad.multigradDict(function g(a: any, b: any) { return np.multiply(a, b); })(2, 5);
    expect(d).toEqual({ a: 5, b: 2 });
  });
});
