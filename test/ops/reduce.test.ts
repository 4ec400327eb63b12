// Reductions and the ops along an axis: values worked by hand from NumPy's definitions, autograd's conventions
// (ties in max, prod at zeros), derivatives against finite differences to second order, and bad inputs.
import { describe, expect, it } from 'vitest';
import { grad, jacobian, makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { arr, close, fd, op, seq, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('forward values', () => {
  const x23 = seq(2, 3); // [[0,1,2],[3,4,5]]
  const CASES: [string, () => any, unknown][] = [
    ['mean', () => op('mean', x23), 2.5],
    ['mean axis keepdims', () => op('mean', x23, { axis: 1, keepdims: true }), [[1], [4]]],
    ['mean of ints is float', () => op('mean', arr([1, 2], 'int64')).dtype, 'float64'],
    ['prod', () => op('prod', arr([[1, 2, 3], [4, 5, 6]]), { axis: 0 }), [4, 10, 18]],
    ['prod all', () => op('prod', arr([[1, 2, 3], [4, 5, 6]])), 720],
    ['prod complex', () => op('prod', arr([{ re: 1, im: 1 }, { re: 1, im: -1 }, { re: 0, im: 1 }])), { re: 0, im: 2 }],
    ['prod of bools is int64', () => op('prod', arr([true, true])).dtype, 'int64'],
    ['max', () => op('max', arr([[1, 7, 3], [9, 2, 4]]), { axis: 1 }), [7, 9]],
    ['min keepdims', () => op('min', arr([[1, 7, 3], [9, 2, 4]]), { axis: 0, keepdims: true }), [[1, 2, 3]]],
    ['amax over a list of axes', () => op('amax', seq(2, 3, 2), { axis: [0, 2] }), [7, 9, 11]],
    ['max propagates NaN', () => Number.isNaN(op('max', arr([1, NaN, 3])).item()), true],
    ['max complex is lexicographic', () => op('max', arr([{ re: 1, im: 5 }, { re: 2, im: 0 }, { re: 2, im: 1 }])), { re: 2, im: 1 }],
    ['var', () => op('var', arr([1, 2, 3, 4])), 1.25],
    ['var ddof', () => op('var', arr([[1, 2, 3], [2, 4, 9]]), { axis: 1, ddof: 1 }), [1, 13]],
    ['std', () => op('std', arr([1, 2, 3, 4]), { ddof: 1 }), Math.sqrt(5 / 3)],
    // |z − mean|² with mean = 1+i: |−1−i|² + |1+i|² = 4, over 2.
    ['var complex is real', () => op('var', arr([{ re: 0, im: 0 }, { re: 2, im: 2 }])), 2],
    ['var complex dtype', () => op('var', arr([{ re: 0, im: 0 }, { re: 2, im: 2 }])).dtype, 'float64'],
    ['var float32 stays float32', () => op('var', arr([1, 2], 'float32')).dtype, 'float32'],
    ['cumsum flattens', () => op('cumsum', x23), [0, 1, 3, 6, 10, 15]],
    ['cumsum axis 0', () => op('cumsum', x23, { axis: 0 }), [[0, 1, 2], [3, 5, 7]]],
    ['cumsum ints', () => op('cumsum', arr([true, true, false])), [1, 2, 2]],
    ['trace', () => op('trace', seq(3, 3)), 12],
    ['trace offset', () => op('trace', seq(3, 4), { offset: 1 }), 1 + 6 + 11],
    ['trace negative offset', () => op('trace', seq(3, 4), { offset: -1 }), 4 + 9],
    ['trace other axes', () => op('trace', seq(2, 2, 2), { axis1: 1, axis2: 2 }), [3, 11]],
    ['diff', () => op('diff', arr([1, 4, 9, 16])), [3, 5, 7]],
    ['diff n=2 axis 0', () => op('diff', arr([[1, 2], [4, 3], [9, 1]]), { n: 2, axis: 0 }), [[2, -3]]],
    ['diff prepend/append', () => op('diff', arr([1, 4]), { prepend: 0, append: 10 }), [1, 3, 6]],
    ['diff n beyond the length is empty', () => op('diff', arr([1, 2]), { n: 3 }).shape, [0]],
    ['diff of bools is xor', () => op('diff', arr([true, true, false])), [false, true]],
    ['gradient 1-d', () => op('gradient', arr([1, 4, 9, 16])), [3, 4, 6, 7]],
    ['gradient edge_order 2', () => op('gradient', arr([1, 4, 9, 16]), { edge_order: 2 }), [2, 4, 6, 8]],
    ['gradient n-d gives one array per axis', () => op('gradient', arr([[1, 2, 4], [2, 5, 9]])).map((a: NDArray) => a.toArray()),
      [[[1, 3, 5], [1, 3, 5]], [[1, 1.5, 2], [3, 3.5, 4]]]],
    ['gradient one axis', () => op('gradient', arr([[1, 2, 4], [2, 5, 9]]), { axis: -1 }), [[1, 1.5, 2], [3, 3.5, 4]]],
    ['all', () => op('all', arr([[1, 0], [1, 1]]), { axis: 1 }), [false, true]],
    ['any', () => op('any', arr([[0, 0], [0, 2]]), { axis: 0 }), [false, true]],
    ['count_nonzero', () => op('count_nonzero', arr([[0, 3, NaN], [0, 0, 1]]), { axis: 1 }), [2, 1]],
    ['argmax first of ties', () => op('argmax', arr([[1, 5, 5], [7, 0, 7]]), { axis: 1 }), [1, 0]],
    ['argmax flat', () => op('argmax', arr([[1, 5], [9, 0]])), 2],
    ['argmin keepdims', () => op('argmin', arr([[1, 5], [0, 9]]), { axis: 0, keepdims: true }), [[1, 0]]],
    ['argmax is int64', () => op('argmax', arr([1, 2])).dtype, 'int64'],
  ];
  for (const [name, f, want] of CASES) it(name, () => { const got = f(); if (got instanceof NDArray) close(got, want); else expect(got).toEqual(want); });

  it('sum of ints and bools is int64; float32 stays float32', () => {
    expect(op('sum', arr([true, true, true])).toArray()).toBe(3);
    expect(op('sum', arr([true])).dtype).toBe('int64');
    expect(op('prod', arr([1.5, 2], 'float32')).dtype).toBe('float32');
  });
});

describe('autograd conventions', () => {
  it('max with ties splits the cotangent equally', () => {
    close(grad((x: any) => np.max(x))(arr([1, 3, 3, 2])), [0, 0.5, 0.5, 0]);
    close(grad((x: any) => np.sum(np.min(x, { axis: 1 })))(arr([[2, 2, 2], [5, 1, 3]])), [[1 / 3, 1 / 3, 1 / 3], [0, 1, 0]]);
    const [, t] = makeJvp((x: any) => np.max(x))(arr([1, 3, 3]))(arr([10, 20, 40]));
    close(t, 30);
  });

  it('prod differentiates at zeros: the product of the others', () => {
    close(grad((x: any) => np.prod(x))(arr([2, 0, 3])), [0, 6, 0]);
    close(grad((x: any) => np.prod(x))(arr([2, 0, 3, 0])), [0, 0, 0, 0]);
    close(grad((x: any) => np.sum(np.prod(x, { axis: 1 })))(arr([[2, 0, 5], [1, 2, 3]])), [[0, 10, 0], [6, 3, 2]]);
    const [, t] = makeJvp((x: any) => np.prod(x))(arr([2, 0, 3]))(arr([1, 1, 1]));
    close(t, 6);
  });

  it('prod at a zero has the exact Hessian (∂²/∂xi∂xj = product of the rest)', () => {
    close(jacobian(grad((x: any) => np.prod(x)))(arr([2, 0, 3])), [[0, 3, 0], [3, 0, 2], [0, 2, 0]]);
    close(jacobian(grad((x: any) => np.prod(x)))(arr([2, 5, 3])), [[0, 3, 5], [3, 0, 2], [5, 2, 0]]);
  });

  it('var of complex input: real output, cotangent 2·conj(x − mean)·g/(n − ddof)', () => {
    const z = arr([{ re: 1, im: 2 }, { re: 3, im: -1 }, { re: 0, im: 0 }]); // mean (4/3, 1/3)
    const [vjp] = makeVjp((x: any) => np.var(x, { ddof: 1 }))(z);
    const d = [[-1 / 3, 5 / 3], [5 / 3, -4 / 3], [-4 / 3, -1 / 3]];
    close(vjp(NDArray.scalar(1)), d.map(([re, im]) => ({ re: re, im: -im })));
  });

  it('cumsum cotangent is the reversed running sum', () => {
    const [vjp] = makeVjp((x: any) => np.cumsum(x, { axis: 1 }))(seq(2, 3));
    close(vjp(arr([[1, 2, 3], [0, 0, 1]])), [[6, 5, 3], [1, 1, 1]]);
  });

  it('trace cotangent sits on the offset diagonal', () => {
    const [vjp] = makeVjp((x: any) => op('trace', x, { offset: 1 }))(seq(2, 3));
    close(vjp(NDArray.scalar(2)), [[0, 2, 0], [0, 0, 2]]);
  });

  it('nondifferentiable reductions give constants', () => {
    const g = grad((x: any) => np.sum(np.multiply(x, op('argmax', x))))(arr([1, 3, 2]));
    close(g, [1, 1, 1]);
  });
});

describe('derivatives against finite differences (second order)', () => {
  const cases: [string, (x: any) => unknown, number[], ('float64' | 'complex128')?][] = [
    ['mean axes', (x) => op('mean', x, { axis: [0, 2], keepdims: true }), [2, 3, 2]],
    ['prod axis', (x) => op('prod', x, { axis: 1 }), [2, 3]],
    ['prod complex', (x) => op('prod', x), [3], 'complex128'],
    ['max axis', (x) => op('max', x, { axis: 0 }), [3, 2]],
    ['min keepdims', (x) => op('min', x, { axis: -1, keepdims: true }), [2, 3]],
    ['var ddof', (x) => op('var', x, { axis: 1, ddof: 1 }), [2, 4]],
    ['var complex', (x) => op('var', x, { axis: 0 }), [3, 2], 'complex128'],
    ['std', (x) => op('std', x, { axis: [0, 1] }), [2, 3]],
    ['std complex keepdims', (x) => op('std', x, { axis: 1, keepdims: true }), [2, 3], 'complex128'],
    ['cumsum flat', (x) => op('cumsum', x), [2, 3]],
    ['cumsum axis complex', (x) => op('cumsum', x, { axis: 0 }), [3, 2], 'complex128'],
    ['trace offset', (x) => op('trace', x, { offset: -1 }), [3, 4]],
    ['trace 3-d', (x) => op('trace', x, { axis1: 2, axis2: 0 }), [3, 2, 3]],
    ['diff n=2 axis 0', (x) => op('diff', x, { n: 2, axis: 0 }), [4, 3]],
    ['diff prepend', (x) => op('diff', x, { n: 2, prepend: 1.5 }), [2, 4]],
    ['diff append complex', (x) => op('diff', x, { append: -2 }), [3], 'complex128'],
    ['diff n too large', (x) => op('diff', x, { n: 4 }), [3]],
    ['gradient 1-d', (x) => op('gradient', x), [5]],
    ['gradient two elements', (x) => op('gradient', x), [2]],
    ['gradient n-d', (x) => op('gradient', x), [3, 4]],
    ['gradient edge_order 2', (x) => op('gradient', x, { edge_order: 2, axis: 1 }), [2, 5]],
    ['gradient edge_order 2 on 3 points', (x) => op('gradient', x, { edge_order: 2 }), [3], 'complex128'],
  ];
  for (const [name, f, shape, dtype] of cases) it(name, () => fd(name, f, [shape], dtype));
});

describe('NumPy-style calls', () => {
  it('np.* and methods', () => {
    close(np.mean(seq(2, 3), { axis: 0 }), [1.5, 2.5, 3.5]);
    close(np.amin(seq(2, 3), 1), [0, 3]);
    close((seq(2, 3) as any).std({ ddof: 1, axis: 1 }), [1, 1]);
    close(np.countNonzero(arr([0, 1, 2])), 2);
    close(np.diff(arr([1, 2, 4, 8]), 2), [1, 2]);
  });
});

describe('bad inputs', () => {
  it('reports clear errors', () => {
    throwsCode(() => op('max', NDArray.zeros([0, 3]), { axis: 0 }), 'SHAPE_MISMATCH', /max: a zero-size array \(shape \[0, 3\]\)/);
    expect(op('max', NDArray.zeros([0, 3]), { axis: 1 }).shape).toEqual([0]);
    throwsCode(() => op('mean', seq(2, 3), { axis: 2 }), 'AXIS_OUT_OF_RANGE', /mean: axis 2 is out of bounds/);
    throwsCode(() => op('argmax', seq(2, 3), { axis: [0, 1] }), 'BAD_ATTRIBUTE', /argmax: axis must be an integer/);
    throwsCode(() => op('trace', seq(3)), 'SHAPE_MISMATCH', /trace: needs an array of at least two dimensions/);
    throwsCode(() => op('diff', seq(3), { n: -1 }), 'BAD_ATTRIBUTE', /diff: order n must be a non-negative integer/);
    throwsCode(() => op('gradient', seq(1, 4)), 'SHAPE_MISMATCH', /gradient: shape \[1, 4\] has 1 element\(s\) along axis 0/);
    throwsCode(() => op('gradient', seq(2), { edge_order: 2 }), 'SHAPE_MISMATCH', /edge_order=2 needs at least 3/);
    throwsCode(() => op('var', seq(3), { ddof: 'x' }), 'BAD_ATTRIBUTE', /var: ddof must be a number/);
  });
});
