import { allocate, checkDType, DType, isComplex, Storage } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { NATIVE_MIN_BINARY, nativeKernels } from './native.js';
import { Tensorish } from './tensorish.js';

export type Complex = { re: number; im: number };
export type Scalar = number | boolean | Complex;
export type Nested = Scalar | Nested[];

export const MAX_ELEMENTS = 2 ** 31 - 1;

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function checkShape(shape: readonly unknown[], where: string): number[] {
  if (!Array.isArray(shape)) fail('BAD_ARGUMENT', `${where}: shape must be an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape)
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0)
      fail('BAD_ARGUMENT', `${where}: shape ${JSON.stringify(shape)} has ${String(d)}; every dimension must be a non-negative integer`);
  if (sizeOf(shape as number[]) > MAX_ELEMENTS)
    fail('TOO_LARGE', `${where}: shape ${fmtShape(shape as number[])} has more than ${MAX_ELEMENTS} elements`);
  return shape as number[];
}

const ONE_F64 = Float64Array.of(1), ONE_F32 = Float32Array.of(1);

// Strides are never written: 0-d and 1-d arrays share these.
const STRIDES_0D = Object.freeze([]) as unknown as number[], STRIDES_1D = Object.freeze([1]) as number[];

export const cStrides = (shape: readonly number[]): number[] => {
  if (shape.length < 2) return shape.length === 0 ? STRIDES_0D : STRIDES_1D;
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]; }
  return s;
};

/**
 * An n-dimensional array. `strides` and `offset` count elements (complex elements for complex128),
 * so views (transpose, basic slicing, broadcast) share `data`.
 */
export class NDArray extends Tensorish {
  readonly size: number;
  /** A JS scalar turned into an array: it takes the other operand's dtype in promotion (NumPy's NEP 50). */
  weak = false;
  /** Set when a traced value was written into this array in place: ops then see that traced value. */
  tracedAs?: import('./tracer.js').Box;
  readonly strides: readonly number[];
  constructor(
    readonly data: Storage,
    readonly shape: readonly number[],
    readonly dtype: DType,
    strides?: readonly number[],
    readonly offset = 0,
  ) {
    super();
    this.size = sizeOf(shape);
    if (strides) this.strides = strides;
    else {
      this.strides = cStrides(shape);
      this.#contiguous = true; // C strides: known without the check
    }
  }

  static fromData(data: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float64'): NDArray {
    checkDType(dtype, 'NDArray.fromData');
    checkShape(shape, 'NDArray.fromData');
    const n = sizeOf(shape) * (isComplex(dtype) ? 2 : 1);
    if (data.length !== n) fail('SHAPE_MISMATCH', `NDArray.fromData: ${data.length} values given for shape ${fmtShape(shape)} of ${dtype}; expected ${n}`);
    const out = allocate(dtype, sizeOf(shape));
    if (dtype === 'int64' || dtype === 'int32') for (let i = 0; i < n; i++) out[i] = Math.trunc(data[i]);
    else if (dtype === 'bool') for (let i = 0; i < n; i++) out[i] = data[i] ? 1 : 0;
    else out.set(data);
    return new NDArray(out, [...shape], dtype);
  }

  static zeros(shape: readonly number[], dtype: DType = 'float64'): NDArray {
    return new NDArray(allocate(dtype, sizeOf(checkShape(shape, 'zeros'))), [...shape], dtype);
  }

  static scalar(v: number, dtype: DType = 'float64'): NDArray {
    const a = NDArray.zeros([], dtype);
    a.data[0] = v;
    return a;
  }

  override get ndim() { return this.shape.length; }

  get isContiguous(): boolean {
    if (this.#contiguous !== undefined) return this.#contiguous;
    let acc = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== acc) return (this.#contiguous = false);
      acc *= this.shape[i];
    }
    return (this.#contiguous = true);
  }
  #contiguous: boolean | undefined = undefined; // a private field: arrays equal by their own fields stay equal

  /** Storage in C order starting at index 0: the array's own buffer when it already is, else a copy. */
  values(): Storage {
    const w = isComplex(this.dtype) ? 2 : 1;
    if (this.isContiguous) {
      if (this.offset === 0 && this.data.length === this.size * w) return this.data;
      return this.data.subarray(this.offset * w, (this.offset + this.size) * w) as Storage;
    }
    const out = allocate(this.dtype, this.size);
    if (w === 1 && this.#copyNative(out)) return out;
    const { shape, strides } = this;
    const nd = shape.length, idx = new Array<number>(nd).fill(0);
    let src = this.offset;
    for (let k = 0; k < this.size; k++) {
      if (w === 1) out[k] = this.data[src];
      else { out[2 * k] = this.data[2 * src]; out[2 * k + 1] = this.data[2 * src + 1]; }
      for (let d = nd - 1; d >= 0; d--) {
        src += strides[d];
        if (++idx[d] < shape[d]) break;
        src -= strides[d] * shape[d];
        idx[d] = 0;
      }
    }
    return out;
  }

  /** Copies a large real view laid out in at most two loops (size-1 axes dropped, neighbours merged) into out
   * natively: with non-negative strides as out = view · 1 (exact: -0 and NaN stay; transposes go by tiles), with a
   * negative one (a reversal) element by element. */
  #copyNative(out: Storage): boolean {
    if (this.size < NATIVE_MIN_BINARY) return false;
    const size: number[] = [], step: number[] = [];
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const n = this.shape[d], k = this.strides[d];
      if (n === 1) continue;
      const j = size.length - 1;
      if (j >= 0 && k === step[j] * size[j]) size[j] *= n;
      else if (j === 1) return false;
      else { size.push(n); step.push(k); }
    }
    const [rows, cols, rs, cs] = [size[1] ?? 1, size[0] ?? 1, step[1] ?? 0, step[0] ?? 0];
    if (rs < 0 || cs < 0) return nativeKernels.copy(this.data, this.offset, rows, cols, rs, cs, out);
    const src = this.offset ? this.data.subarray(this.offset) as Storage : this.data;
    return nativeKernels.binaryBroadcast('multiply', src, out instanceof Float32Array ? ONE_F32 : ONE_F64, out, rows, cols, rs, cs, 0, 0);
  }

  /** A C-contiguous array with offset 0 holding the same values (this one if it already is). */
  contiguous(): NDArray {
    if (this.isContiguous && this.offset === 0) return this;
    return new NDArray(this.values(), this.shape, this.dtype);
  }

  /** Element k in C order, as a number (complex: its real part; see `itemAt`). */
  flatGet(k: number): number {
    let src = this.offset;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      const n = this.shape[d];
      src += (k % n) * this.strides[d];
      k = Math.floor(k / n);
    }
    return isComplex(this.dtype) ? this.data[2 * src] : this.data[src];
  }

  override item(): Scalar {
    if (this.tracedAs) return this.tracedAs.item();
    if (this.size !== 1)
      fail('SHAPE_MISMATCH', `item(): only an array of one element converts to a scalar; this one has shape ${fmtShape(this.shape)}`);
    return scalarOf(this.values(), 0, this.dtype);
  }

  override toArray(): Nested {
    if (this.tracedAs) return this.tracedAs.toArray();
    const v = this.values();
    const build = (dim: number, base: number): Nested => {
      if (dim === this.shape.length) return scalarOf(v, base, this.dtype);
      const out: Nested[] = [];
      const step = sizeOf(this.shape.slice(dim + 1));
      for (let i = 0; i < this.shape[dim]; i++) out.push(build(dim + 1, base + i * step));
      return out;
    };
    return build(0, 0);
  }

  override toString(): string {
    return `array(${JSON.stringify(this.toArray())}, dtype=${this.dtype})`;
  }
}

function scalarOf(v: Storage, k: number, dtype: DType): Scalar {
  if (dtype === 'complex128') return { re: v[2 * k], im: v[2 * k + 1] };
  if (dtype === 'bool') return v[k] !== 0;
  return v[k];
}

export const isNDArray = (x: unknown): x is NDArray => x instanceof NDArray;
