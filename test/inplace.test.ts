import { describe, expect, it } from 'vitest';
import { np } from '../core/np.js';
import { grad, makeJvp } from '../core/differential.js';
import { NDArray } from '../core/ndarray.js';
import { checkDerivatives, rng } from './helpers/fd.js';

const x0 = np.array([0.3, -1.1, 0.7, 2.0]);
const arr = (a: unknown) => (a as NDArray).toArray() as number[];
const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(v).toBeCloseTo(b[i], 13));
const sameGrad = (f: (x: any) => any, g: (x: any) => any) => {
  close(arr(grad(f)(x0)), arr(grad(g)(x0)));
  close(arr(makeJvp(f)(x0)(np.onesLike(x0))[1].reshape(-1)), arr(makeJvp(g)(x0)(np.onesLike(x0))[1].reshape(-1)));
};

describe('assignment on concrete arrays', () => {
  it('writes in place, through views into their base, with fancy indices and masks', () => {
    const a = np.zeros([2, 3]);
    a.set([1, '1:'], np.array([5, 6]));
    a.get(0).set(0, 7); // a view of row 0
    expect(a.toArray()).toEqual([[7, 0, 0], [0, 5, 6]]);
    a.set([a.gt(4)], -1);
    expect(a.toArray()).toEqual([[-1, 0, 0], [0, -1, -1]]);
    const b = np.arange(5, { dtype: 'float64' });
    b.set([np.array([0, 4], { dtype: 'int64' })], np.array([10, 40]));
    b.addInPlace(1);
    expect(b.toArray()).toEqual([11, 2, 3, 4, 41]);
  });
  it('casts to the target dtype and refuses read-only broadcast views', () => {
    const i = np.array([1, 2], { dtype: 'int32' });
    i.mulInPlace(2.7);
    expect([i.dtype, i.toArray()]).toEqual(['int32', [2, 5]]);
    expect(() => np.broadcastTo(np.array([1]), [3]).set(0, 2)).toThrow(expect.objectContaining({ code: 'READ_ONLY' }));
    expect(() => np.zeros([3]).addInPlace(np.zeros([2, 3]))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});

describe('assignment and in-place arithmetic inside differentiated code', () => {
  it('set on a traced array equals the functional np.at(...).set', () => {
    sameGrad(
      (x) => { const y = x.mul(2); y.set(0, x.get(1).mul(x.get(2))); return np.sum(np.square(y)); },
      (x) => np.sum(np.square(np.at(x.mul(2)).set(0, x.get(1).mul(x.get(2))))),
    );
    checkDerivatives((x: any) => { const y = np.sin(x); y.set(['1:3'], np.exp(x.get('2:'))); return y; }, [x0], rng(7));
  });

  it('fills a constant buffer with traced values', () => {
    const f = (x: any) => { const out = np.zeros([4]); for (let i = 0; i < 4; i++) out.set(i, np.sin(x.get(i))); return np.sum(out); };
    expect(arr(grad(f)(x0))).toEqual(arr(x0).map(Math.cos));
  });

  it('in-place arithmetic equals its functional form', () => {
    sameGrad(
      (x) => { const y = x.mul(1); y.addInPlace(np.square(x)); y.mulInPlace(3); y.subInPlace(x); y.divInPlace(2); return np.sum(np.sin(y)); },
      (x) => np.sum(np.sin(np.divide(np.subtract(np.multiply(np.add(x, np.square(x)), 3), x), 2))),
    );
  });

  it('duplicate positions: the last write wins, and so does its gradient', () => {
    const idx = np.array([1, 1], { dtype: 'int64' });
    const f = (v: any) => np.sum(np.at(np.zeros([3])).set([idx], v).mul(np.array([1, 2, 3])));
    expect(arr(grad(f)(np.array([5, 7])))).toEqual([0, 2]);
  });

  it('refuses a gradient that would need a value overwritten after use, naming the op', () => {
    const c = np.array([1, 2, 3, 4]);
    const f = (x: any) => { const y = np.sum(np.multiply(x, c)); c.set(0, 10); return y; };
    expect(() => grad(f)(x0)).toThrow(expect.objectContaining({ code: 'MODIFIED_IN_PLACE', message: expect.stringMatching(/^multiply:/) }));
    const d = np.array([1, 2, 3, 4]);
    const safe = (x: any) => { const y = np.sum(np.multiply(x, d.copy())); d.set(0, 10); return y; };
    expect(arr(grad(safe)(x0))).toEqual([1, 2, 3, 4]);
  });
});
