// nan_to_num and real_if_close, and the functions without gradient: values worked by hand from NumPy's
// definitions, derivatives by hand and against finite differences, and traced values passing through.
import { describe, expect, it } from 'vitest';
import { getOp } from '../../core/catalog.js';
import { grad, makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { checkDerivatives, randLike, rng, seedOf } from '../helpers/fd.js';
import { code } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const a = (x: any) => (x as NDArray).toArray();
const i64 = (data: number[], shape = [data.length]) => NDArray.fromData(data, shape, 'int64');
const cx = (...pairs: [number, number][]) => NDArray.fromData(pairs.flat(), [pairs.length], 'complex128');

describe('nan_to_num', () => {
  const x = np.array([1, NaN, Infinity, -Infinity, -2.5]);

  it('replaces NaN and infinities, by default with 0 and the largest finite values of the dtype', () => {
    expect(a(np.nanToNum(x))).toEqual([1, 0, Number.MAX_VALUE, -Number.MAX_VALUE, -2.5]);
    expect(a(np.nanToNum(x, { nan: -1, posinf: 9, neginf: -9 }))).toEqual([1, -1, 9, -9, -2.5]);
    expect(a(np.nanToNum(np.array([Infinity], { dtype: 'float32' })))).toEqual([Math.fround(3.4028234663852886e38)]);
    expect(a(np.nanToNum(cx([NaN, Infinity], [2, -Infinity])))).toEqual([{ re: 0, im: Number.MAX_VALUE }, { re: 2, im: -Number.MAX_VALUE }]);
    expect(np.nanToNum(i64([3, -4])).dtype).toBe('int64');
  });

  it('passes the gradient only where x is finite, in both modes', () => {
    const g = np.array([1, 2, 3, 4, 5]);
    expect(a(makeVjp(np.nanToNum)(x)[0](g))).toEqual([1, 0, 0, 0, 5]);
    expect(a(makeJvp(np.nanToNum)(x)(g)[1])).toEqual([1, 0, 0, 0, 5]);
    const r = rng(seedOf('nan_to_num'));
    checkDerivatives(np.nanToNum, [randLike({ shape: [2, 3], dtype: 'complex128' }, r)], r);
  });

  it('rejects a replacement that is not a number', () => {
    expect(code(() => np.nanToNum(x, { nan: 'zero' }))).toBe('BAD_ATTRIBUTE');
  });
});

describe('real_if_close', () => {
  it('drops imaginary parts below tol machine epsilons (tol > 1) or below tol itself', () => {
    const z = cx([1, 1e-15], [2, 0]);
    expect([np.realIfClose(z).dtype, a(np.realIfClose(z))]).toEqual(['float64', [1, 2]]);
    expect(np.realIfClose(cx([1, 1e-13])).dtype).toBe('complex128'); // 1e-13 > 100·2.2e-16
    expect(np.realIfClose(cx([1, 1e-13]), 1e-12).dtype).toBe('float64');
    expect(np.realIfClose(cx([1, NaN])).dtype).toBe('complex128');
    const x = np.array([1.5]);
    expect(np.realIfClose(x)).toBe(x);
  });

  it('has autograd\'s rules: the cotangent becomes complex for a complex input, the tangent real for a real result', () => {
    const z = cx([1, 1e-15], [2, -1e-16]);
    const [vjp, y] = makeVjp(np.realIfClose)(z);
    expect(y.dtype).toBe('float64');
    expect(a(vjp(np.array([3, 4])))).toEqual([{ re: 3, im: 0 }, { re: 4, im: 0 }]);
    const [, t] = makeJvp(np.realIfClose)(z)(cx([5, 6], [7, 8]));
    expect([t.dtype, a(t)]).toEqual(['float64', [5, 7]]);
  });

  it('has no static rule: its result dtype needs the values', () => {
    expect(code(() => getOp('real_if_close').infer([{ shape: [2], dtype: 'complex128' }], {}))).toBe('NOT_IMPLEMENTED');
    expect(getOp('real_if_close').infer([{ shape: [2], dtype: 'float64' }], {})).toEqual({ shape: [2], dtype: 'float64' });
  });
});

describe('sorting and searching', () => {
  const m = np.array([[3, 1, 2], [0, 5, 4]]);

  it('argsort along an axis, flattened, stably, with NaN last', () => {
    expect(a(np.argsort(m))).toEqual([[1, 2, 0], [0, 2, 1]]);
    expect(a(np.argsort(m, { axis: 0 }))).toEqual([[1, 0, 0], [0, 1, 1]]);
    expect(a(np.argsort(m, null))).toEqual([3, 1, 2, 0, 5, 4]);
    expect(a(np.argsort(np.array([2, NaN, 1, 2])))).toEqual([2, 0, 3, 1]);
    expect(a(np.argsort(np.array(7)))).toEqual([0]);
    expect(a(np.argsort(cx([1, 2], [1, -1], [0, 5])))).toEqual([2, 1, 0]);
  });

  it('argpartition puts the kth smallest at kth with smaller ones before it', () => {
    const x = np.array([3, 1, 2, 5, 4]), p = a(np.argpartition(x, 2)) as number[], v = a(x) as number[];
    expect(v[p[2]]).toBe(3);
    expect(p.slice(0, 2).every((i) => v[i] < 3) && p.slice(3).every((i) => v[i] > 3)).toBe(true);
    expect(code(() => np.argpartition(x, 5))).toBe('INDEX_OUT_OF_RANGE');
  });

  it('searchsorted counts the elements before v, on either side of ties, through a sorter', () => {
    const s = np.array([1, 2, 2, 3]);
    expect(a(np.searchsorted(s, np.array([2, 0, 5, NaN])))).toEqual([1, 0, 4, 4]);
    expect(a(np.searchsorted(s, np.array([2, 0, 5, NaN]), 'right'))).toEqual([3, 0, 4, 4]);
    expect(a(np.searchsorted(np.array([3, 1, 2]), 2, { sorter: [1, 2, 0] }))).toBe(1);
    expect(code(() => np.searchsorted(np.array([[1, 2]]), 1))).toBe('SHAPE_MISMATCH');
    expect(code(() => np.searchsorted(s, 1, { sorter: [0, 1] }))).toBe('BAD_ATTRIBUTE');
  });

  it('unique gives the sorted distinct values and, on request, first indices, the inverse and counts', () => {
    const x = np.array([2, NaN, 1, NaN, 2]);
    expect(a(np.unique(np.array([[2, 1], [1, 3]])))).toEqual([1, 2, 3]);
    const [v, first, inv, counts] = np.unique(x, { returnIndex: true, returnInverse: true, returnCounts: true });
    expect([a(v), a(first), a(inv), a(counts)]).toEqual([[1, 2, NaN], [2, 0, 1], [1, 2, 0, 2, 1], [1, 2, 2]]);
    expect(a(np.unique(x, { equalNan: false }))).toEqual([1, 2, NaN, NaN]);
    expect(np.unique(np.array([[2, 1], [1, 3]]), { returnInverse: true })[1].shape).toEqual([2, 2]);
  });
});

describe('where the non-zeros are', () => {
  const m = np.array([[0, 2, 0], [NaN, 0, -1]]);

  it('nonzero, flatnonzero and argwhere (NaN counts as non-zero)', () => {
    expect(np.nonzero(m).map(a)).toEqual([[0, 1, 1], [1, 0, 2]]);
    expect(a(np.flatnonzero(m))).toEqual([1, 3, 5]);
    expect(a(np.argwhere(m))).toEqual([[0, 1], [1, 0], [1, 2]]);
    expect(np.argwhere(np.array(1.5)).shape).toEqual([1, 0]);
    expect(code(() => np.nonzero(np.array(1)))).toBe('SHAPE_MISMATCH');
  });

  it('has no static rule: the number of hits needs the values', () => {
    for (const name of ['nonzero', 'flatnonzero', 'argwhere', 'unique'])
      expect(code(() => getOp(name).infer([{ shape: [3], dtype: 'float64' }], {}))).toBe('NOT_IMPLEMENTED');
  });
});

describe('whole-array comparisons and elementwise tests', () => {
  it('isclose: |a − b| ≤ atol + rtol·|b|, infinities equal only to themselves, NaN only with equal_nan', () => {
    const x = np.array([1, Infinity, NaN, -Infinity, 1e-9]), y = np.array([1.000001, Infinity, NaN, Infinity, 0]);
    expect(a(np.isclose(x, y))).toEqual([true, true, false, false, true]);
    expect(a(np.isclose(x, y, { equalNan: true }))).toEqual([true, true, true, false, true]);
    expect(a(np.isclose(x, y, 0, 0))).toEqual([false, true, false, false, false]);
    expect(a(np.isclose(cx([1, 1e-6]), 1))).toEqual([true]); // |Δ| = 1e-6 ≤ 1e-8 + 1e-5
    expect(np.isclose(np.zeros([2, 1]), np.zeros([3])).shape).toEqual([2, 3]);
  });

  it('allclose, array_equal and array_equiv answer with a 0-d bool', () => {
    const x = np.array([1, 2]);
    expect([np.allclose(x, np.array([1, 2 + 1e-9])).item(), np.allclose(x, np.array([1, 2.1])).item()]).toEqual([true, false]);
    expect(np.allclose(x, x).shape).toEqual([]);
    expect([np.arrayEqual(x, np.array([1, 2])).item(), np.arrayEqual(x, np.array([[1, 2]])).item(), np.arrayEqual(x, np.array([1, 2, 3])).item()]).toEqual([true, false, false]);
    expect([np.arrayEqual(np.array([NaN]), np.array([NaN])).item(), np.arrayEqual(np.array([NaN]), np.array([NaN]), true).item()]).toEqual([false, true]);
    expect([np.arrayEquiv(x, np.array([[1, 2], [1, 2]])).item(), np.arrayEquiv(x, np.array([1, 2, 3])).item()]).toEqual([true, false]);
  });

  it('isposinf, isneginf, iscomplex, isreal', () => {
    const x = np.array([Infinity, -Infinity, NaN, 0]);
    expect([a(np.isposinf(x)), a(np.isneginf(x))]).toEqual([[true, false, false, false], [false, true, false, false]]);
    expect([a(np.iscomplex(cx([1, 0], [1, 2]))), a(np.isreal(cx([1, 0], [1, 2]))), a(np.isreal(np.array([3])))]).toEqual([[false, true], [true, false], [true]]);
    expect(code(() => np.isposinf(cx([1, 0])))).toBe('DTYPE_MISMATCH');
  });
});

describe('inside differentiated code', () => {
  it('traced values pass through the functions without gradient, and indexing by their results keeps the trace', () => {
    // The sum of the two smallest entries: its gradient marks them.
    const f = (x: any) => np.sum(x.get(np.argsort(x).get('0:2')));
    expect(a(grad(f)(np.array([3, -1, 2, 0])))).toEqual([0, 1, 0, 1]);
    // Only the entries above the mean count.
    const g = (x: any) => np.sum(np.square(x.get(np.flatnonzero(np.greater(x, np.mean(x))))));
    expect(a(grad(g)(np.array([1, 4, 2, 5])))).toEqual([0, 8, 0, 10]);
    const h = (x: any) => { expect(np.allclose(x, x).item()).toBe(true); return np.sum(np.multiply(x, np.searchsorted(np.array([0, 1.5]), x))); };
    expect(a(grad(h)(np.array([1, 2])))).toEqual([1, 2]);
  });
});
