// getitem (NumPy indexing), its adjoint index_add, and take: values against hand-worked NumPy semantics,
// derivatives against finite differences (second order: getitem and index_add are each other's VJP).
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad, makeJvp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { fd, seq, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const ints = (v: number[], shape = [v.length]) => NDArray.fromData(v, shape, 'int64');
const bools = (v: boolean[], shape = [v.length]) => NDArray.fromData(v.map(Number), shape, 'bool');
const S = (start: number | null, stop: number | null, step: number | null = null) => ({ slice: [start, stop, step] });
const getitem = (x: unknown, index: unknown[]) => callOp('getitem', [x], { index }) as NDArray;

describe('getitem: basic indexing', () => {
  const x = seq(3, 4); // [[0,1,2,3],[4,5,6,7],[8,9,10,11]]

  it('takes integers, slices, newaxis and Ellipsis (the conformance index form)', () => {
    expect(getitem(x, [1]).toArray()).toEqual([4, 5, 6, 7]);
    expect(getitem(x, [-1, -2]).toArray()).toEqual(10);
    expect(getitem(x, [S(1, 3)]).toArray()).toEqual([[4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(getitem(x, [1, S(null, null, -1)]).toArray()).toEqual([7, 6, 5, 4]);
    expect(getitem(x, [S(null, null, -2), S(3, 0, -2)]).toArray()).toEqual([[11, 9], [3, 1]]);
    expect(getitem(x, [null, S(null, null), 1]).shape).toEqual([1, 3]);
    expect(getitem(seq(2, 3, 4), ['...', 0]).toArray()).toEqual([[0, 4, 8], [12, 16, 20]]);
    expect(getitem(seq(2, 3, 4), [1, '...', S(null, null, 2)]).toArray()).toEqual([[12, 14], [16, 18], [20, 22]]);
  });

  it('clamps slice bounds as Python does', () => {
    expect(getitem(x, [0, S(-10, 10)]).toArray()).toEqual([0, 1, 2, 3]);
    expect(getitem(x, [0, S(10, -10, -1)]).toArray()).toEqual([3, 2, 1, 0]);
    expect(getitem(x, [0, S(3, 1)]).shape).toEqual([0]);
  });

  it('gives a view of the same storage, also for negative steps', () => {
    const v = getitem(x, [S(null, null, -1), 2]);
    expect(v.data).toBe(x.data);
    expect(v.toArray()).toEqual([10, 6, 2]);
  });

  it('reads the user forms of x.get(...): slice strings, JS index lists, numbers and null', () => {
    expect(x.get(1, '::-1').toArray()).toEqual([7, 6, 5, 4]);
    expect(x.get(':', '1:3').toArray()).toEqual([[1, 2], [5, 6], [9, 10]]);
    expect(x.get('-2:', 0).toArray()).toEqual([4, 8]);
    expect(x.get('...', null).shape).toEqual([3, 4, 1]);
    expect(x.get([0, 2, 2]).toArray()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11], [8, 9, 10, 11]]);
    expect(x.get(':', [true, false, false, true]).toArray()).toEqual([[0, 3], [4, 7], [8, 11]]);
    expect(np.getitem(x, [0, ':']).toArray()).toEqual([0, 1, 2, 3]);
  });
});

describe('getitem: advanced indexing', () => {
  it('gathers with integer arrays, broadcast against each other', () => {
    const x = seq(3, 4);
    expect(getitem(x, [ints([0, 2, 2])]).toArray()).toEqual([[0, 1, 2, 3], [8, 9, 10, 11], [8, 9, 10, 11]]);
    expect(getitem(x, [ints([0, 1, 2, 0]), ints([3, 3, 0, 3])]).toArray()).toEqual([3, 7, 8, 3]);
    expect(getitem(x, [ints([0, 2], [2, 1]), ints([1, 3])]).toArray()).toEqual([[1, 3], [9, 11]]);
    expect(getitem(x, [ints([-1]), -1]).toArray()).toEqual([11]);
  });

  it('keeps adjacent advanced axes in place and moves separated ones first', () => {
    const x = seq(2, 3, 4); // x[i,j,k] = 12i + 4j + k
    const together = getitem(x, [S(null, null), 0, ints([1, 2])]);
    expect(together.toArray()).toEqual([[1, 2], [13, 14]]);
    const apart = getitem(x, [0, S(null, null), ints([1, 2])]);
    expect(apart.toArray()).toEqual([[1, 5, 9], [2, 6, 10]]);
    // An Ellipsis or newaxis between them separates them even when it spans no axis.
    expect(getitem(x, [S(null, null), ints([0, 1]), '...', ints([0, 1])]).toArray()).toEqual([[0, 12], [5, 17]]);
    expect(getitem(x, [ints([0, 1]), null, ints([0, 1])]).shape).toEqual([2, 1, 4]);
  });

  it('selects with boolean masks, also over several axes, and with a 0-d boolean', () => {
    const x = seq(3, 3);
    expect(getitem(x, [bools([true, false, true])]).toArray()).toEqual([[0, 1, 2], [6, 7, 8]]);
    expect(getitem(x, [bools([true, false, false, false, true, false, false, false, true], [3, 3])]).toArray()).toEqual([0, 4, 8]);
    expect(getitem(x, [true]).shape).toEqual([1, 3, 3]);
    expect(getitem(x, [false]).shape).toEqual([0, 3, 3]);
  });

  it('accumulates the cotangent of repeated indices (scatter-add)', () => {
    const f = (v: any) => np.sum(getitem(v, [ints([0, 2, 2, 2])]));
    expect(grad(f)(np.array([1, 2, 3])).toArray()).toEqual([1, 0, 3]);
    const g = (v: any) => np.sum(np.multiply(getitem(v, [ints([1, 1]), ints([0, 0])]), np.array([2, 5])));
    expect(grad(g)(seq(2, 2)).toArray()).toEqual([[0, 0], [7, 0]]);
  });

  it('returns a cotangent of zeros outside a slice, and gradients through x.get on traced values', () => {
    const f = (v: any) => np.sum(np.square(v.get('1:', 0)));
    expect(grad(f)(seq(3, 2)).toArray()).toEqual([[0, 0], [4, 0], [8, 0]]);
  });

  it('has JVP = getitem of the tangent', () => {
    const [y, t] = makeJvp((v: any) => getitem(v, [ints([2, 0])]))(np.array([1, 2, 3]))(np.array([10, 20, 30]));
    expect(y.toArray()).toEqual([3, 1]);
    expect(t.toArray()).toEqual([30, 10]);
  });

  const INDICES: [string, unknown[], number[]][] = [
    ['integer and reversed slice', [1, S(null, null, -1)], [3, 4]],
    ['newaxis and Ellipsis', [null, '...', S(1, null)], [2, 3]],
    ['repeated integer array', [ints([0, 2, 2])], [3, 4]],
    ['two broadcast integer arrays', [ints([0, 2], [2, 1]), ints([1, 3, 1])], [3, 4]],
    ['arrays separated by a slice', [ints([1, 0]), S(null, null), ints([2, 2])], [2, 3, 4]],
    ['boolean mask', [bools([true, false, true, true])], [4, 2]],
    ['slice then array', [S(1, null), ints([0, 2, 0])], [3, 3]],
  ];
  for (const [label, index, shape] of INDICES)
    it(`VJP and JVP match finite differences to second order: ${label}`, () => fd(label, (x) => getitem(x, index), [shape]));

  it('differentiates complex input by the same rules', () => fd('complex getitem', (x) => getitem(x, [ints([1, 1, 0])]), [[3]], 'complex128'));
});

describe('index_add', () => {
  it('adds values at x[index], accumulating repeated positions, with broadcasting', () => {
    const y = callOp('index_add', [np.zeros([4]), np.array([1, 2, 3])], { index: [ints([0, 2, 0])] }) as NDArray;
    expect(y.toArray()).toEqual([4, 0, 2, 0]);
    const z = callOp('index_add', [np.ones([2, 3]), 10], { index: [S(null, null), 1] }) as NDArray;
    expect(z.toArray()).toEqual([[1, 11, 1], [1, 11, 1]]);
  });

  it('does not change its input', () => {
    const x = np.zeros([3]);
    callOp('index_add', [x, 1], { index: [0] });
    expect(x.toArray()).toEqual([0, 0, 0]);
  });

  it('VJP and JVP in both arguments match finite differences to second order',
    () => fd('index_add', (x, v) => callOp('index_add', [x, v], { index: [ints([1, 0, 1]), S(null, null, -1)] }), [[2, 3], [3, 3]]));

  it('rejects values that do not fit x[index]', () =>
    throwsCode(() => callOp('index_add', [np.zeros([3]), np.ones([2])], { index: [S(0, 3)] }), 'SHAPE_MISMATCH', /index_add/));
});

describe('take', () => {
  it('takes along an axis, or from the flattened array', () => {
    const x = seq(2, 3);
    expect(np.take(x, [2, 0], { axis: 1 }).toArray()).toEqual([[2, 0], [5, 3]]);
    expect(np.take(x, [5, -1, 1]).toArray()).toEqual([5, 5, 1]);
    expect(np.take(x, ints([0, 4, 1, 3], [2, 2])).toArray()).toEqual([[0, 4], [1, 3]]);
    expect(np.take(x, 1, { axis: 0 }).toArray()).toEqual([3, 4, 5]);
    expect(np.take(np.array(7), [0, 0]).toArray()).toEqual([7, 7]);
  });

  it('VJP and JVP match finite differences to second order', () => {
    fd('take axis', (x) => np.take(x, [2, 0, 2], { axis: 1 }), [[2, 3]]);
    fd('take flat', (x) => np.take(x, [5, 0, 5]), [[2, 3]]);
  });

  it('rejects indices out of range, naming the op', () => throwsCode(() => np.take(seq(2, 3), [6]), 'INDEX_OUT_OF_RANGE', /take: index 6 is out of bounds/));
});

describe('getitem: errors', () => {
  const x = seq(3, 4);
  it('rejects an index out of range', () => throwsCode(() => x.get(3), 'INDEX_OUT_OF_RANGE', /getitem: index 3 is out of bounds for axis 0 with size 3/));
  it('rejects an index array out of range', () => throwsCode(() => getitem(x, [S(null, null), ints([0, -5])]), 'INDEX_OUT_OF_RANGE', /axis 1 with size 4/));
  it('rejects too many indices', () => throwsCode(() => x.get(0, 0, 0), 'INDEX_OUT_OF_RANGE', /too many indices for an array of shape \[3, 4\]/));
  it('rejects two Ellipses', () => throwsCode(() => x.get('...', '...'), 'BAD_ARGUMENT', /single ellipsis/));
  it('rejects float index arrays', () => throwsCode(() => getitem(x, [np.array([0.5])]), 'BAD_ARGUMENT', /integer or boolean/));
  it('rejects a mask of the wrong size', () => throwsCode(() => getitem(x, [bools([true, false])]), 'INDEX_OUT_OF_RANGE', /boolean index did not match/));
  it('rejects index arrays that do not broadcast', () => throwsCode(() => getitem(x, [ints([0, 1]), ints([0, 1, 2])]), 'SHAPE_MISMATCH', /getitem/));
  it('rejects a zero slice step and unreadable strings', () => {
    throwsCode(() => x.get('::0'), 'BAD_ARGUMENT', /slice step cannot be zero/);
    throwsCode(() => x.get('a:b'), 'BAD_ARGUMENT', /cannot read index 'a:b'/);
  });
});
