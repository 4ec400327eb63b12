import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { callOp } from '../../core/call.js';
import { grad, makeVjp } from '../../core/differential.js';
import { throws } from '../helpers/assert.js';

describe('bad input gets a typed error that names the problem', () => {
  it('shape mismatch names the op and both shapes', () => {
    throws(() => np.add(np.zeros([2, 3]), np.zeros([4])), 'SHAPE_MISMATCH', RangeError, 'add', '[2, 3]', '[4]');
  });
  it('a complex operand to a real-only op is a dtype error', () => {
    throws(() => np.arctan2(np.array([{ re: 1, im: 1 }]), 1), 'DTYPE_MISMATCH', TypeError, 'arctan2', 'complex128');
  });
  it('grad of a non-scalar output says what to use instead', () => {
    throws(() => grad((x: any) => np.sin(x))(np.array([1, 2])), 'NON_SCALAR_OUTPUT', TypeError, '[2]', 'elementwiseGrad');
  });
  it('a vjp cotangent not shaped like the value is refused, not broadcast', () => {
    const [vjp] = makeVjp((x: any) => np.sin(x))(np.array([1, 2, 3]));
    throws(() => vjp(1), 'SHAPE_MISMATCH', RangeError, 'cotangent', '[]', '[3]');
    throws(() => vjp(np.ones([2, 3])), 'SHAPE_MISMATCH', RangeError, '[2, 3]', '[3]');
    expect((vjp(np.ones([3])) as any).toArray()).toEqual([1, 2, 3].map(Math.cos));
  });
  it('differentiating with respect to an int or bool array is refused', () => {
    throws(() => grad((x: any) => np.sum(x))(np.array([1, 2], { dtype: 'int64' })), 'NOT_DIFFERENTIABLE', TypeError, 'int64');
    throws(() => grad((x: any) => np.sum(x))(np.array([true])), 'NOT_DIFFERENTIABLE', TypeError, 'bool');
  });
  it('an unknown op name suggests the catalog\'s spelling', () => {
    throws(() => callOp('tanhh', [1]), 'UNKNOWN_OP', TypeError, "'tanhh'");
    throws(() => callOp('inv', [1]), 'UNKNOWN_OP', TypeError, /NumPy's dotted names/);
  });
  it('wrong arity, bad attrs and JS arrays as operands', () => {
    throws(() => callOp('tanh', [1, 2]), 'BAD_ARGUMENT', TypeError, 'tanh takes 1 array argument, got 2');
    throws(() => callOp('sum', [np.zeros([2])], { axis: 3 }), 'AXIS_OUT_OF_RANGE', RangeError, 'axis 3');
    throws(() => callOp('reshape', [np.zeros([6])], { shape: [4, 2] }), 'SHAPE_MISMATCH', RangeError, '[6]', '[4,2]');
    throws(() => np.add([1, 2], 1), 'BAD_ARGUMENT', TypeError, 'np.array');
    throws(() => np.array([[1, 2], [3]]), 'SHAPE_MISMATCH', RangeError, 'ragged');
    throws(() => np.zeros([2 ** 20, 2 ** 20]), 'TOO_LARGE', RangeError, 'elements');
  });
});

describe('NDArray', () => {
  it('builds from nested arrays with dtypes and reads back', () => {
    const a = np.array([[1, 2, 3], [4, 5, 6]]);
    expect([a.shape, a.dtype, a.size, a.ndim]).toEqual([[2, 3], 'float64', 6, 2]);
    expect(a.T.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(np.array([{ re: 1, im: -2 }, 3]).toArray()).toEqual([{ re: 1, im: -2 }, { re: 3, im: 0 }]);
    expect(np.array([true, false]).dtype).toBe('bool');
    expect(np.array(2.5).item()).toBe(2.5);
    expect(np.array([1, 2], { dtype: 'int32' }).add(1).dtype).toBe('int32');
  });
  it('promotes as NumPy 2 does, JS scalars being weak', () => {
    const f32 = np.array([1.5], { dtype: 'float32' });
    expect(f32.mul(2.5).dtype).toBe('float32');
    expect(f32.add(np.array([1], { dtype: 'int64' })).dtype).toBe('float64');
    expect(np.array([1], { dtype: 'int64' }).mul(0.5).dtype).toBe('float64');
    expect(np.array([true]).add(1).dtype).toBe('int64');
    expect(np.array([1], { dtype: 'int32' }).div(2).toArray()).toEqual([0.5]);
    expect(f32.mul({ re: 0, im: 1 }).dtype).toBe('complex128');
  });
  it('broadcasts through strided views', () => {
    const a = np.arange(6).reshape(2, 3);
    expect(a.T.add(np.array([10, 20])).toArray()).toEqual([[10, 23], [11, 24], [12, 25]]);
  });
});
