// The shape family: values worked by hand from NumPy's definitions, derivatives against finite differences
// (second order), NumPy-style calls, and bad inputs.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad, makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { fd, op, seq, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const list = (name: string, xs: unknown[], attrs: Record<string, unknown> = {}) => callOp(name, [xs], attrs) as NDArray;

describe('forward values', () => {
  const x23 = seq(2, 3); // [[0,1,2],[3,4,5]]
  const x234 = seq(2, 3, 4); // x[i,j,k] = 12i + 4j + k
  const CASES: [string, () => any, unknown][] = [
    ['ravel', () => op('ravel', x23), [0, 1, 2, 3, 4, 5]],
    ['expand_dims list', () => op('expand_dims', x23, { axis: [0, -1] }).shape, [1, 2, 3, 1]],
    ['squeeze all', () => op('squeeze', seq(1, 3, 1)), [0, 1, 2]],
    ['squeeze one', () => op('squeeze', seq(1, 3, 1), { axis: 2 }).shape, [1, 3]],
    ['swapaxes', () => op('swapaxes', x23, { axis1: 0, axis2: 1 }), [[0, 3], [1, 4], [2, 5]]],
    ['moveaxis', () => op('moveaxis', x234, { source: 0, destination: -1 }).get(1, 2).toArray(), [6, 18]],
    ['moveaxis lists', () => op('moveaxis', x234, { source: [0, 1], destination: [2, 0] }).shape, [3, 4, 2]],
    ['rollaxis', () => op('rollaxis', x234, { axis: 2, start: 0 }).shape, [4, 2, 3]],
    ['rollaxis to the end', () => op('rollaxis', x234, { axis: 0, start: 3 }).shape, [3, 4, 2]],
    ['atleast_1d', () => op('atleast_1d', np.array(5)), [5]],
    ['atleast_2d', () => op('atleast_2d', np.array([1, 2])), [[1, 2]]],
    ['atleast_3d', () => op('atleast_3d', np.array([1, 2])).shape, [1, 2, 1]],
    ['concatenate', () => list('concatenate', [x23, seq(1, 3)], { axis: 0 }), [[0, 1, 2], [3, 4, 5], [0, 1, 2]]],
    ['concatenate axis -1', () => list('concatenate', [x23, seq(2, 1)], { axis: -1 }), [[0, 1, 2, 0], [3, 4, 5, 1]]],
    ['concatenate flat', () => list('concatenate', [x23, np.array([9])], { axis: null }), [0, 1, 2, 3, 4, 5, 9]],
    ['stack', () => list('stack', [np.array([1, 2]), np.array([3, 4])], { axis: 1 }), [[1, 3], [2, 4]]],
    ['vstack', () => list('vstack', [np.array([1, 2]), np.array([3, 4])]), [[1, 2], [3, 4]]],
    ['hstack 1-d', () => list('hstack', [np.array([1, 2]), np.array([3])]), [1, 2, 3]],
    ['hstack 2-d', () => list('hstack', [seq(2, 1), seq(2, 1)]), [[0, 0], [1, 1]]],
    ['dstack', () => list('dstack', [np.array([1, 2]), np.array([3, 4])]), [[[1, 3], [2, 4]]]],
    ['column_stack', () => list('column_stack', [np.array([1, 2]), np.array([3, 4])]), [[1, 3], [2, 4]]],
    ['array of scalars', () => list('array', [1, 2.5, np.array(4)]), [1, 2.5, 4]],
    ['append flat', () => callOp('append', [x23, np.array([7, 8])]), [0, 1, 2, 3, 4, 5, 7, 8]],
    ['append axis', () => callOp('append', [x23, seq(2, 1)], { axis: 1 }), [[0, 1, 2, 0], [3, 4, 5, 1]]],
    ['split sections', () => op('split', seq(6), { indices_or_sections: 3 }).map((p: NDArray) => p.toArray()), [[0, 1], [2, 3], [4, 5]]],
    ['split indices', () => op('split', seq(5), { indices_or_sections: [1, 3] }).map((p: NDArray) => p.toArray()), [[0], [1, 2], [3, 4]]],
    ['array_split', () => op('array_split', seq(5), { indices_or_sections: 3 }).map((p: NDArray) => p.toArray()), [[0, 1], [2, 3], [4]]],
    ['vsplit', () => op('vsplit', x23, { indices_or_sections: 2 })[1].toArray(), [[3, 4, 5]]],
    ['hsplit', () => op('hsplit', x23, { indices_or_sections: [2] })[0].toArray(), [[0, 1], [3, 4]]],
    ['dsplit', () => op('dsplit', x234, { indices_or_sections: 2 })[1].get(0, 0).toArray(), [2, 3]],
    ['tile', () => op('tile', np.array([1, 2]), { reps: [2, 2] }), [[1, 2, 1, 2], [1, 2, 1, 2]]],
    ['tile with fewer reps than axes', () => op('tile', x23, { reps: 2 }), [[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]]],
    ['repeat', () => op('repeat', x23, { repeats: 2 }), [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]],
    ['repeat list', () => op('repeat', x23, { repeats: [0, 2], axis: 0 }), [[3, 4, 5], [3, 4, 5]]],
    ['roll', () => op('roll', seq(5), { shift: 2 }), [3, 4, 0, 1, 2]],
    ['roll axis', () => op('roll', x23, { shift: -1, axis: 1 }), [[1, 2, 0], [4, 5, 3]]],
    ['roll tuple', () => op('roll', x23, { shift: [1, 1], axis: [0, 1] }), [[5, 3, 4], [2, 0, 1]]],
    ['roll flat', () => op('roll', x23, { shift: 1 }), [[5, 0, 1], [2, 3, 4]]],
    ['flip', () => op('flip', x23), [[5, 4, 3], [2, 1, 0]]],
    ['fliplr', () => op('fliplr', x23), [[2, 1, 0], [5, 4, 3]]],
    ['flipud', () => op('flipud', x23), [[3, 4, 5], [0, 1, 2]]],
    ['rot90', () => op('rot90', x23), [[2, 5], [1, 4], [0, 3]]],
    ['rot90 k=2', () => op('rot90', x23, { k: 2 }), [[5, 4, 3], [2, 1, 0]]],
    ['rot90 k=-1', () => op('rot90', x23, { k: -1 }), [[3, 0], [4, 1], [5, 2]]],
    ['diag of a vector', () => op('diag', np.array([1, 2]), { k: -1 }), [[0, 0, 0], [1, 0, 0], [0, 2, 0]]],
    ['diag of a matrix', () => op('diag', x23, { k: 1 }), [1, 5]],
    ['diagonal', () => op('diagonal', x234, { offset: 1, axis1: 1, axis2: 2 }), [[1, 6, 11], [13, 18, 23]]],
    ['diagonal, axes apart', () => op('diagonal', x234, { offset: 0, axis1: 0, axis2: 2 }), [[0, 13], [4, 17], [8, 21]]],
    ['triu', () => op('triu', x23), [[0, 1, 2], [0, 4, 5]]],
    ['tril k=-1', () => op('tril', x23, { k: -1 }), [[0, 0, 0], [3, 0, 0]]],
    ['pad constant', () => op('pad', np.array([1, 2]), { pad_width: [[1, 2]], constant_values: 9 }), [9, 1, 2, 9, 9]],
    ['pad per axis', () => op('pad', seq(1, 1), { pad_width: [[1, 0], [0, 1]] }), [[0, 0], [0, 0]]],
    ['pad reflect', () => op('pad', np.array([1, 2, 3]), { pad_width: 2, mode: 'reflect' }), [3, 2, 1, 2, 3, 2, 1]],
    ['pad symmetric', () => op('pad', np.array([1, 2, 3]), { pad_width: 2, mode: 'symmetric' }), [2, 1, 1, 2, 3, 3, 2]],
    ['pad edge', () => op('pad', np.array([1, 2]), { pad_width: [1, 2], mode: 'edge' }), [1, 1, 2, 2, 2]],
    ['pad wrap', () => op('pad', np.array([1, 2, 3]), { pad_width: [1, 4], mode: 'wrap' }), [3, 1, 2, 3, 1, 2, 3, 1]],
    ['sort', () => op('sort', np.array([[3, 1, 2], [0, -1, NaN]])), [[1, 2, 3], [-1, 0, NaN]]],
    ['sort axis 0', () => op('sort', np.array([[3, 1], [0, 2]]), { axis: 0 }), [[0, 1], [3, 2]]],
    ['sort flat', () => op('sort', np.array([[3, 1], [0, 2]]), { axis: null }), [0, 1, 2, 3]],
    ['partition', () => op('partition', np.array([5, 1, 4, 2]), { kth: 1 }).get(1).toArray(), 2],
    ['clip', () => op('clip', np.array([-1, 0.5, 2]), { a_min: 0, a_max: 1 }), [0, 0.5, 1]],
    ['clip one side', () => op('clip', np.array([-1, 0.5, 2]), { a_max: 1 }), [-1, 0.5, 1]],
    ['full', () => callOp('full', [1.5], { shape: [2, 2] }), [[1.5, 1.5], [1.5, 1.5]]],
    ['full broadcasts a row', () => callOp('full', [np.array([1, 2])], { shape: [2, 2] }), [[1, 2], [1, 2]]],
    ['linspace', () => callOp('linspace', [0, 1], { num: 5 }), [0, 0.25, 0.5, 0.75, 1]],
    ['linspace no endpoint', () => callOp('linspace', [0, 1], { num: 4, endpoint: false }), [0, 0.25, 0.5, 0.75]],
    ['linspace of arrays', () => callOp('linspace', [np.array([0, 10]), 20], { num: 3 }), [[0, 10], [10, 15], [20, 20]]],
  ];
  for (const [label, f, want] of CASES) it(label, () => {
    const y = f();
    expect(y instanceof NDArray ? y.toArray() : y).toEqual(want);
  });

  it('keeps dtypes: NumPy promotion for joins, the fill value\'s for full, float for linspace', () => {
    expect(list('concatenate', [np.array([1], { dtype: 'int64' }), np.array([0.5])]).dtype).toBe('float64');
    expect(list('array', [NDArray.scalar(1, 'float32'), 2]).dtype).toBe('float32');
    expect((callOp('full', [1], { shape: [2] }) as NDArray).dtype).toBe('int64');
    expect((callOp('full', [1], { shape: [2], dtype: 'float32' }) as NDArray).dtype).toBe('float32');
    expect((callOp('linspace', [0, 3], { num: 4 }) as NDArray).dtype).toBe('float64');
    expect(op('pad', np.array([1, 2], { dtype: 'int64' }), { pad_width: 1, constant_values: 7 }).toArray()).toEqual([7, 1, 2, 7]);
  });

  it('gives views for flips, transposes, diagonals and splits', () => {
    const x = seq(3, 3);
    for (const y of [op('flip', x, { axis: 0 }), op('swapaxes', x, { axis1: 0, axis2: 1 }), op('diagonal', x), op('split', x, { indices_or_sections: 3 })[1]])
      expect(y.data).toBe(x.data);
  });
});

describe('NumPy-style calls', () => {
  const a = np.array([1, 2]), b = np.array([3, 4]);
  it('take lists first and options last', () => {
    expect(np.concatenate([a, b], { axis: 0 }).toArray()).toEqual([1, 2, 3, 4]);
    expect(np.stack([a, b], { axis: 1 }).toArray()).toEqual([[1, 3], [2, 4]]);
    expect(np.vstack([a, b]).shape).toEqual([2, 2]);
    expect(np.split(seq(6), 3, { axis: 0 }).length).toBe(3);
    expect(np.arraySplit(seq(5), [2]).map((p: NDArray) => p.shape[0])).toEqual([2, 3]);
  });
  it('take NumPy\'s positional parameters', () => {
    expect(np.full([2, 3], 1.5).toArray()).toEqual([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
    expect(np.full(2, 1, 'float32').dtype).toBe('float32');
    expect(np.full([1], 2, { dtype: 'float64' }).dtype).toBe('float64');
    expect(np.reshape(seq(6), [2, 3]).shape).toEqual([2, 3]);
    expect(np.swapaxes(seq(2, 3), 0, 1).shape).toEqual([3, 2]);
    expect(np.moveaxis(seq(2, 3, 4), 0, -1).shape).toEqual([3, 4, 2]);
    expect(np.expandDims(a, 0).shape).toEqual([1, 2]);
    expect(np.linspace(-3, 3, 7).toArray()).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    expect(np.clip(np.array([-2, 2]), -1, 1).toArray()).toEqual([-1, 1]);
    expect(np.repeat(a, 2).toArray()).toEqual([1, 1, 2, 2]);
    expect(np.tile(a, [2]).toArray()).toEqual([1, 2, 1, 2]);
    expect(np.roll(a, 1).toArray()).toEqual([2, 1]);
    expect(np.pad(a, 1).toArray()).toEqual([0, 1, 2, 0]);
    expect(np.rot90(seq(2, 2), 1, { axes: [1, 0] }).toArray()).toEqual([[2, 0], [3, 1]]);
    expect(np.diagonal(seq(2, 2)).toArray()).toEqual([0, 3]);
  });
  it('as array methods', () => {
    expect(seq(1, 3).squeeze().shape).toEqual([3]);
    expect(seq(2, 3).swapaxes(0, 1).shape).toEqual([3, 2]);
    expect(seq(2, 2).ravel().toArray()).toEqual([0, 1, 2, 3]);
    expect(np.array([-2, 0.5]).clip(-1, 1).toArray()).toEqual([-1, 0.5]);
  });
});

describe('derivatives against finite differences (VJP and JVP, second order)', () => {
  const F: [string, (...a: any[]) => unknown, number[][]][] = [
    ['ravel', (x) => op('ravel', x), [[2, 3]]],
    ['expand_dims', (x) => op('expand_dims', x, { axis: [0, 2] }), [[2, 3]]],
    ['squeeze', (x) => op('squeeze', x, { axis: 0 }), [[1, 3]]],
    ['atleast_1d', (x) => op('atleast_1d', x), [[]]],
    ['atleast_2d', (x) => op('atleast_2d', x), [[3]]],
    ['atleast_3d', (x) => op('atleast_3d', x), [[2, 3]]],
    ['swapaxes', (x) => op('swapaxes', x, { axis1: 0, axis2: 2 }), [[2, 3, 4]]],
    ['moveaxis', (x) => op('moveaxis', x, { source: [0, 1], destination: [2, 0] }), [[2, 3, 4]]],
    ['rollaxis', (x) => op('rollaxis', x, { axis: 2, start: 1 }), [[2, 3, 4]]],
    ['concatenate', (x, y) => list('concatenate', [x, y], { axis: 1 }), [[2, 1], [2, 3]]],
    ['concatenate flat', (x, y) => list('concatenate', [x, y], { axis: null }), [[2, 2], [3]]],
    ['stack', (x, y, z) => list('stack', [x, y, z], { axis: -1 }), [[2, 3], [2, 3], [2, 3]]],
    ['vstack', (x, y) => list('vstack', [x, y]), [[3], [2, 3]]],
    ['hstack', (x, y) => list('hstack', [x, y]), [[2, 1], [2, 2]]],
    ['dstack', (x, y) => list('dstack', [x, y]), [[2], [1, 2]]],
    ['column_stack', (x, y) => list('column_stack', [x, y]), [[3], [3, 2]]],
    ['array', (x, y) => list('array', [x, y]), [[], []]],
    ['append', (x, y) => callOp('append', [x, y], { axis: 0 }), [[2, 3], [1, 3]]],
    ['split', (x) => op('split', x, { indices_or_sections: [1, 3], axis: 0 }), [[4, 3]]],
    ['split, overlapping pieces', (x) => op('split', x, { indices_or_sections: [3, 1] }), [[4]]],
    ['array_split', (x) => op('array_split', x, { indices_or_sections: 3, axis: 1 }), [[2, 5]]],
    ['vsplit', (x) => op('vsplit', x, { indices_or_sections: 2 }), [[4, 2]]],
    ['hsplit', (x) => op('hsplit', x, { indices_or_sections: 2 }), [[2, 4]]],
    ['dsplit', (x) => op('dsplit', x, { indices_or_sections: [1] }), [[1, 2, 3]]],
    ['tile', (x) => op('tile', x, { reps: [2, 1, 3] }), [[2, 3]]],
    ['tile with fewer reps than axes', (x) => op('tile', x, { reps: [2] }), [[2, 3]]],
    ['repeat', (x) => op('repeat', x, { repeats: 2, axis: 1 }), [[2, 3]]],
    ['repeat list', (x) => op('repeat', x, { repeats: [2, 0, 1] }), [[3]]],
    ['roll', (x) => op('roll', x, { shift: -1, axis: 1 }), [[3, 4]]],
    ['roll tuple', (x) => op('roll', x, { shift: [1, 2], axis: [0, 1] }), [[3, 4]]],
    ['flip', (x) => op('flip', x, { axis: [0, 2] }), [[2, 3, 2]]],
    ['fliplr', (x) => op('fliplr', x), [[2, 3]]],
    ['flipud', (x) => op('flipud', x), [[3]]],
    ['rot90', (x) => op('rot90', x, { k: 3, axes: [2, 0] }), [[2, 3, 4]]],
    ['diag of a vector', (x) => op('diag', x, { k: 1 }), [[3]]],
    ['diag of a matrix', (x) => op('diag', x, { k: -1 }), [[3, 4]]],
    ['diagonal', (x) => op('diagonal', x, { offset: 1, axis1: 2, axis2: 0 }), [[3, 2, 4]]],
    ['diagonal, adjacent axes', (x) => op('diagonal', x, { offset: -1, axis1: -1, axis2: -2 }), [[2, 4, 3]]],
    ['triu', (x) => op('triu', x, { k: 1 }), [[2, 3, 3]]],
    ['tril of a vector', (x) => op('tril', x), [[3]]],
    ['pad constant', (x) => op('pad', x, { pad_width: [[1, 2], [0, 1]], constant_values: 3 }), [[2, 3]]],
    ['pad reflect', (x) => op('pad', x, { pad_width: [4, 1], mode: 'reflect' }), [[3]]],
    ['pad wrap', (x) => op('pad', x, { pad_width: 2, mode: 'wrap' }), [[2, 2]]],
    ['sort', (x) => op('sort', x), [[2, 4]]],
    ['sort axis 0', (x) => op('sort', x, { axis: 0 }), [[3, 2]]],
    ['sort flat', (x) => op('sort', x, { axis: null }), [[2, 3]]],
    ['partition', (x) => op('partition', x, { kth: 2 }), [[5]]],
    ['clip', (x) => op('clip', x, { a_min: -0.5, a_max: 0.8 }), [[3, 4]]],
    ['full', (v) => callOp('full', [v], { shape: [2, 3] }), [[]]],
    ['full of a row', (v) => callOp('full', [v], { shape: [2, 3] }), [[3]]],
    ['linspace', (a, b) => callOp('linspace', [a, b], { num: 4 }), [[], []]],
    ['linspace of arrays', (a, b) => callOp('linspace', [a, b], { num: 3, endpoint: false }), [[2], []]],
  ];
  for (const [label, f, shapes] of F) it(label, () => fd(label, f, shapes));

  const COMPLEX: [string, (...a: any[]) => unknown, number[][]][] = [
    ['concatenate', (x, y) => list('concatenate', [x, y]), [[2], [3]]],
    ['pad', (x) => op('pad', x, { pad_width: 1 }), [[2, 2]]],
    ['diag', (x) => op('diag', x), [[3]]],
    ['sort', (x) => op('sort', x), [[4]]],
    ['repeat', (x) => op('repeat', x, { repeats: [1, 3] }), [[2]]],
  ];
  for (const [label, f, shapes] of COMPLEX) it(`${label} of complex input`, () => fd(`complex ${label}`, f, shapes, 'complex128'));
});

describe('derivatives by hand', () => {
  it('clip passes the gradient strictly inside the bounds; elements at a bound get 0', () => {
    const g = grad((x: any) => np.sum(np.clip(x, -0.5, 0.8)))(np.array([-1, -0.5, 0, 0.8, 2]));
    expect(g.toArray()).toEqual([0, 0, 1, 0, 0]);
  });

  it('sort sends the cotangent back through the permutation', () => {
    const [vjp] = makeVjp((x: any) => np.sort(x))(np.array([3, 1, 2]));
    expect(vjp(np.array([10, 20, 30])).toArray()).toEqual([30, 10, 20]);
  });

  it('split takes zeros for pieces that got no cotangent', () => {
    const g = grad((x: any) => np.sum(np.split(x, 3)[1]))(seq(6));
    expect(g.toArray()).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('tile sums the copies, also with fewer reps than axes', () => {
    expect(grad((x: any) => np.sum(np.tile(x, [3])))(seq(2, 2)).toArray()).toEqual([[3, 3], [3, 3]]);
  });

  it('linspace is start·(1 − w) + stop·w', () => {
    const [, t] = makeJvp((a: any, b: any) => np.linspace(a, b, 3), [0, 1])(0, 1)([1, 0]);
    expect(t.toArray()).toEqual([1, 0.5, 0]);
    expect(grad((a: any, b: any) => np.sum(np.linspace(a, b, 5)), [0, 1])(0, 1)).toEqual([2.5, 2.5]);
  });

  it('full sums the cotangent into the fill value', () => {
    expect(grad((v: any) => np.sum(np.full([2, 3], v)))(2)).toBe(6);
  });

  it('the JVP of pad does not carry the constant', () => {
    const [y, t] = makeJvp((x: any) => np.pad(x, 1, { constantValues: 5 }))(np.array([1]))(np.array([2]));
    expect(y.toArray()).toEqual([5, 1, 5]);
    expect(t.toArray()).toEqual([0, 2, 0]);
  });
});

describe('bad inputs', () => {
  const x = seq(2, 3);
  const BAD: [string, () => unknown, string, RegExp][] = [
    ['reshape to the wrong size', () => np.reshape(x, [4, 2]), 'SHAPE_MISMATCH', /reshape: cannot reshape an array of shape \[2, 3\]/],
    ['ragged concatenate', () => np.concatenate([x, seq(2, 2)]), 'SHAPE_MISMATCH', /concatenate: .*along axis 1 the array at index 0 has size 3 and the array at index 1 has size 2/],
    ['concatenate of mixed ranks', () => np.concatenate([x, seq(3)]), 'SHAPE_MISMATCH', /concatenate: all the input arrays must have the same number of dimensions/],
    ['concatenate of scalars', () => np.concatenate([np.array(1), np.array(2)]), 'SHAPE_MISMATCH', /concatenate: zero-dimensional/],
    ['concatenate on a missing axis', () => np.concatenate([x, x], { axis: 2 }), 'AXIS_OUT_OF_RANGE', /concatenate: axis 2 is out of bounds/],
    ['an empty list', () => np.stack([]), 'BAD_ARGUMENT', /stack: need at least one array/],
    ['stack of different shapes', () => np.stack([x, seq(3, 2)]), 'SHAPE_MISMATCH', /stack: all input arrays must have the same shape/],
    ['unequal split', () => np.split(seq(5), 2), 'SHAPE_MISMATCH', /split: an axis of size 5 does not split into 2 equal sections/],
    ['zero sections', () => np.arraySplit(seq(5), 0), 'BAD_ATTRIBUTE', /array_split: the number of sections/],
    ['vsplit of a vector', () => np.vsplit(seq(4), 2), 'SHAPE_MISMATCH', /vsplit: expected an array of at least 2 dimensions/],
    ['squeeze of a long axis', () => np.squeeze(x, { axis: 1 }), 'SHAPE_MISMATCH', /squeeze: cannot squeeze axis 1/],
    ['swapaxes out of range', () => np.swapaxes(x, 0, 2), 'AXIS_OUT_OF_RANGE', /swapaxes: axis 2 is out of bounds for an array of dimension 2/],
    ['expand_dims with a repeated axis', () => np.expandDims(x, [1, 1]), 'BAD_ATTRIBUTE', /expand_dims: repeated axis/],
    ['moveaxis with unequal lists', () => np.moveaxis(x, [0, 1], [0]), 'BAD_ATTRIBUTE', /moveaxis: source/],
    ['rot90 with one axis', () => np.rot90(x, 1, { axes: [0] }), 'BAD_ATTRIBUTE', /rot90: axes must name 2 axes/],
    ['diagonal on one axis', () => np.diagonal(x, 0, 1, 1), 'BAD_ATTRIBUTE', /diagonal: axis1 and axis2 cannot be the same/],
    ['diag of a 3-d array', () => np.diag(seq(1, 1, 1)), 'SHAPE_MISMATCH', /diag: expected a 1-d or 2-d array/],
    ['triu of a scalar', () => np.triu(np.array(1)), 'SHAPE_MISMATCH', /triu: expected an array of at least 1 dimension/],
    ['negative tile reps', () => np.tile(x, [-1]), 'BAD_ATTRIBUTE', /tile: reps must be non-negative/],
    ['repeats of the wrong length', () => np.repeat(x, [1, 2], { axis: 1 }), 'SHAPE_MISMATCH', /repeat: 2 repeats given for 3 elements/],
    ['roll with mismatched lists', () => np.roll(x, [1, 2, 3], { axis: [0, 1] }), 'SHAPE_MISMATCH', /roll: shift/],
    ['pad with negative widths', () => np.pad(x, -1), 'BAD_ATTRIBUTE', /pad: pad_width -1/],
    ['pad with an unknown mode', () => np.pad(x, 1, { mode: 'mean' }), 'BAD_ATTRIBUTE', /pad: mode "mean"/],
    ['clip without bounds', () => np.clip(x, null, null), 'BAD_ATTRIBUTE', /clip: at least one of a_min and a_max/],
    ['clip of complex', () => np.clip(np.array([{ re: 1, im: 1 }]), 0, 1), 'DTYPE_MISMATCH', /clip is not defined for complex128/],
    ['partition out of range', () => np.partition(seq(3), 3), 'INDEX_OUT_OF_RANGE', /partition: kth 3 is out of bounds/],
    ['full that cannot broadcast', () => np.full([2], np.array([1, 2, 3])), 'SHAPE_MISMATCH', /full/],
    ['linspace with a negative num', () => np.linspace(0, 1, -1), 'BAD_ATTRIBUTE', /linspace: num must be non-negative/],
  ];
  for (const [label, f, code, message] of BAD) it(label, () => throwsCode(f, code, message));
});
