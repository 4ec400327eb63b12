// JavaScript elementwise kernels over strided, broadcast operands. Large contiguous float arrays go to the native addon.
import { allocate, DType, isComplex, Storage } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { NDArray, sizeOf } from './ndarray.js';
import { nativeKernels } from './native.js';

export function broadcastShapes(where: string, ...shapes: (readonly number[])[]): readonly number[] {
  if (shapes.length === 2 && sameDims(shapes[0], shapes[1])) return shapes[0];
  const nd = Math.max(...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const d = s[i], k = nd - s.length + i;
      if (d === out[k] || d === 1) continue;
      if (out[k] !== 1) fail('SHAPE_MISMATCH', `${where}: operands with shapes ${shapes.map(fmtShape).join(', ')} cannot be broadcast together (axis ${k}: ${out[k]} vs ${d})`);
      out[k] = d;
    }
  }
  return out;
}

const sameDims = (a: readonly number[], b: readonly number[]) => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/** x's strides when viewed with shape `shape` (broadcast axes get stride 0). */
export function broadcastStrides(x: NDArray, shape: readonly number[]): number[] {
  const lead = shape.length - x.shape.length;
  return shape.map((_, k) => (k < lead || x.shape[k - lead] === 1 ? 0 : x.strides[k - lead]));
}

type F1 = (v: number) => number;
type F2 = (a: number, b: number) => number;
/** Complex kernels write their result to o[0] (re) and o[1] (im). */
export type C1 = (re: number, im: number, o: Float64Array) => void;
export type C2 = (ar: number, ai: number, br: number, bi: number, o: Float64Array) => void;

const o2 = new Float64Array(2);
const contiguousStorage = (x: NDArray): Storage | null => (x.isContiguous ? x.values() : null);

export function map1(x: NDArray, dtype: DType, f: F1, nativeName?: string): NDArray {
  const out = allocate(dtype, x.size);
  const xv = contiguousStorage(x) ?? x.values();
  if (nativeName && nativeKernels.unary(nativeName, xv, out)) return new NDArray(out, x.shape, dtype);
  for (let i = 0; i < out.length; i++) out[i] = f(xv[i]);
  return new NDArray(out, x.shape, dtype);
}

/** A complex (or real-read-as-complex) input; the result is complex unless `dtype` is real (then o[0] is kept). */
export function mapC1(x: NDArray, dtype: DType, f: C1): NDArray {
  const xv = x.values(), n = x.size, cx = isComplex(x.dtype), cout = isComplex(dtype);
  const out = allocate(dtype, n);
  for (let i = 0; i < n; i++) {
    if (cx) f(xv[2 * i], xv[2 * i + 1], o2); else f(xv[i], 0, o2);
    if (cout) { out[2 * i] = o2[0]; out[2 * i + 1] = o2[1]; } else out[i] = o2[0];
  }
  return new NDArray(out, x.shape, dtype);
}

export function map2(a: NDArray, b: NDArray, shape: readonly number[], dtype: DType, f: F2, nativeName?: string): NDArray {
  const n = sizeOf(shape);
  const out = allocate(dtype, n);
  if (a.isContiguous && b.isContiguous && (a.size === n || a.size === 1) && (b.size === n || b.size === 1)) {
    const av = a.values(), bv = b.values();
    if (nativeName && nativeKernels.binary(nativeName, av, bv, out)) return new NDArray(out, shape, dtype);
    if (av.length === n && bv.length === n) for (let i = 0; i < n; i++) out[i] = f(av[i], bv[i]);
    else if (bv.length === n) { const s = av[0]; for (let i = 0; i < n; i++) out[i] = f(s, bv[i]); }
    else if (av.length === n) { const s = bv[0]; for (let i = 0; i < n; i++) out[i] = f(av[i], s); }
    else if (n === 1) out[0] = f(av[0], bv[0]);
    return new NDArray(out, shape, dtype);
  }
  strided2(a, b, shape, (k, ia, ib) => { out[k] = f(a.data[ia], b.data[ib]); });
  return new NDArray(out, shape, dtype);
}

export function mapC2(a: NDArray, b: NDArray, shape: readonly number[], dtype: DType, f: C2): NDArray {
  const out = allocate(dtype, sizeOf(shape));
  const ca = isComplex(a.dtype), cb = isComplex(b.dtype), cout = isComplex(dtype);
  const ad = a.data, bd = b.data;
  strided2(a, b, shape, (k, ia, ib) => {
    f(ca ? ad[2 * ia] : ad[ia], ca ? ad[2 * ia + 1] : 0, cb ? bd[2 * ib] : bd[ib], cb ? bd[2 * ib + 1] : 0, o2);
    if (cout) { out[2 * k] = o2[0]; out[2 * k + 1] = o2[1]; } else out[k] = o2[0];
  });
  return new NDArray(out, shape, dtype);
}

/** Visits every element of the broadcast shape in C order with both operands' storage indices. */
export function strided2(a: NDArray, b: NDArray, shape: readonly number[], visit: (k: number, ia: number, ib: number) => void): void {
  const n = sizeOf(shape), nd = shape.length;
  const sa = broadcastStrides(a, shape), sb = broadcastStrides(b, shape);
  const idx = new Array<number>(nd).fill(0);
  let ia = a.offset, ib = b.offset;
  const last = nd - 1, inner = nd ? shape[last] : 1, ja = nd ? sa[last] : 0, jb = nd ? sb[last] : 0;
  for (let k = 0; k < n;) {
    for (let j = 0; j < inner; j++, k++) visit(k, ia + j * ja, ib + j * jb);
    for (let d = last - 1; d >= 0; d--) {
      ia += sa[d]; ib += sb[d];
      if (++idx[d] < shape[d]) break;
      ia -= sa[d] * shape[d]; ib -= sb[d] * shape[d];
      idx[d] = 0;
    }
  }
}

/** Converts an array to another dtype (complex → real keeps the real part, as NumPy's astype with a warning). */
export function cast(x: NDArray, dtype: DType): NDArray {
  if (x.dtype === dtype) return x;
  const v = x.values(), n = x.size, out = allocate(dtype, n);
  const cin = isComplex(x.dtype), cout = isComplex(dtype);
  const conv: F1 = dtype === 'bool' ? (t) => (t ? 1 : 0) : dtype === 'int64' || dtype === 'int32' ? Math.trunc : (t) => t;
  for (let i = 0; i < n; i++) {
    const re = cin ? v[2 * i] : v[i];
    if (cout) { out[2 * i] = re; out[2 * i + 1] = cin ? v[2 * i + 1] : 0; } else out[i] = dtype === 'bool' && cin ? (re || v[2 * i + 1] ? 1 : 0) : conv(re);
  }
  return new NDArray(out, x.shape, dtype);
}
