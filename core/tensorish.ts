import { fail } from './errors.js';
import type { DType } from './dtype.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Any = any;
type ReduceOpts = { axis?: number | number[] | null; keepdims?: boolean; ddof?: number };

// Filled in by np.ts: methods dispatch to the catalog without an import cycle.
let np: Any, inplace: Any;
export const bindMethods = (ns: Any, inPlace: Any) => { np = ns; inplace = inPlace; };

/** NumPy's array methods, shared by NDArray and traced values (Box). */
export abstract class Tensorish {
  abstract readonly shape: readonly number[];
  abstract readonly dtype: DType;
  abstract readonly size: number;
  abstract item(): Any;
  abstract toArray(): Any;
  get ndim(): number { return this.shape.length; }

  add(b: Any) { return np.add(this, b); }
  sub(b: Any) { return np.subtract(this, b); }
  mul(b: Any) { return np.multiply(this, b); }
  div(b: Any) { return np.divide(this, b); }
  pow(b: Any) { return np.power(this, b); }
  mod(b: Any) { return np.mod(this, b); }
  neg() { return np.negative(this); }
  abs() { return np.abs(this); }
  lt(b: Any) { return np.less(this, b); }
  le(b: Any) { return np.less_equal(this, b); }
  gt(b: Any) { return np.greater(this, b); }
  ge(b: Any) { return np.greater_equal(this, b); }
  eq(b: Any) { return np.equal(this, b); }
  ne(b: Any) { return np.not_equal(this, b); }

  dot(b: Any) { return np.dot(this, b); }
  matmul(b: Any) { return np.matmul(this, b); }
  get T() { return np.transpose(this); }
  get real() { return np.real(this); }
  get imag() { return np.imag(this); }
  conj() { return np.conj(this); }

  reshape(...shape: Any[]) { return np.reshape(this, shape.length === 1 && Array.isArray(shape[0]) ? shape[0] : shape); }
  transpose(...axes: Any[]) { return np.transpose(this, axes.length === 0 ? null : Array.isArray(axes[0]) ? axes[0] : axes); }
  swapaxes(a: number, b: number) { return np.swapaxes(this, a, b); }
  squeeze(opts?: { axis?: number | number[] }) { return np.squeeze(this, opts); }
  ravel() { return np.ravel(this); }
  flatten() { return np.ravel(this); }
  astype(dtype: DType) { return np.astype(this, dtype); }
  clip(aMin: Any, aMax: Any) { return np.clip(this, aMin, aMax); }
  /** NumPy's `a[...]`: integers, slice strings ('1:3', '::-1', ':'), null (newaxis), '...', index arrays, masks. */
  get(...index: Any[]) { return np.getitem(this, index); }
  /** NumPy's `a[index] = value`, in place (index: one component or a list, as for get). Returns this array. */
  set(index: Any, value: Any) { inplace.setItem(this, index, value); return this; }
  /** `a += b` and friends: in place, keeping a's shape and dtype. Return this array. */
  addInPlace(b: Any) { inplace.updateInPlace(this, 'add', b); return this; }
  subInPlace(b: Any) { inplace.updateInPlace(this, 'subtract', b); return this; }
  mulInPlace(b: Any) { inplace.updateInPlace(this, 'multiply', b); return this; }
  divInPlace(b: Any) { inplace.updateInPlace(this, 'divide', b); return this; }
  powInPlace(b: Any) { inplace.updateInPlace(this, 'power', b); return this; }
  /** A new array with the same values (and no aliasing). */
  copy() { return np.copy(this); }

  sum(opts?: ReduceOpts) { return np.sum(this, opts); }
  mean(opts?: ReduceOpts) { return np.mean(this, opts); }
  prod(opts?: ReduceOpts) { return np.prod(this, opts); }
  max(opts?: ReduceOpts) { return np.max(this, opts); }
  min(opts?: ReduceOpts) { return np.min(this, opts); }
  var(opts?: ReduceOpts) { return np.var(this, opts); }
  std(opts?: ReduceOpts) { return np.std(this, opts); }
  cumsum(opts?: { axis?: number }) { return np.cumsum(this, opts); }

  // JS has no operator overloading: `x * y`, `x > 0` or `Number(x)` would silently drop the gradient.
  [Symbol.toPrimitive](hint: string): string {
    if (hint === 'string') return this.toString();
    return fail('TRACED_COERCION',
      `an array of shape [${this.shape.join(', ')}] was used with a JavaScript operator or converted to a number; ` +
      'JS operators do not work on arrays: use methods or np functions (x.mul(y), np.add(x, 1), x.gt(0)), ' +
      'and .item() to read a number for control flow');
  }
}
