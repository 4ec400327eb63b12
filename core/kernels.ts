// Elementwise kernels over strided, broadcast operands: plain JS loops for small arrays, the native addon for float
// arrays from a few hundred elements (contiguous, scalar, row/column-broadcast and strided 2-D layouts alike), and the
// fused native VJP of unary ops on concrete arrays.
import { allocate, DType, isComplex, Storage } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { NDArray, sizeOf } from './ndarray.js';
import { NATIVE_MIN_BINARY, NATIVE_MIN_UNARY, nativeKernels } from './native.js';
import { noteOutput, spareBuffer } from './reuse.js';

export function broadcastShapes(where: string, ...shapes: (readonly number[])[]): readonly number[] {
  if (shapes.length === 2) {
    const [a, b] = shapes;
    if (b.length === 0 || sameDims(a, b)) return a;
    if (a.length === 0) return b;
  }
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

/** Storage for a kernel that writes every element. Float arrays from 64 KB skip the zero fill (malloc instead of
 * calloc: an 8 MB result is then written once instead of twice), and take storage a backward pass found dead first
 * (core/reuse.ts). */
export function output(dtype: DType, n: number): Storage {
  if (n < OUTPUT_UNINIT_MIN || (dtype !== 'float64' && dtype !== 'float32')) return allocate(dtype, n);
  const bytes = n * (dtype === 'float64' ? 8 : 4), buffer = spareBuffer(bytes) ?? (Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer);
  noteOutput(buffer);
  return dtype === 'float64' ? new Float64Array(buffer, 0, n) : new Float32Array(buffer, 0, n);
}
export const OUTPUT_UNINIT_MIN = 8192;

type F1 = (v: number) => number;
type F2 = (a: number, b: number) => number;
/** Complex kernels write their result to o[0] (re) and o[1] (im). */
export type C1 = (re: number, im: number, o: Float64Array) => void;
export type C2 = (ar: number, ai: number, br: number, bi: number, o: Float64Array) => void;

const o2 = new Float64Array(2);

/** f'(x) from x and y = f(x), with the arithmetic of the rules in core/ops/unary.ts (JS math below 64 elements). */
const DERIVATIVES: Record<string, (x: number, y: number) => number> = {
  exp: (_x, y) => y, expm1: (_x, y) => y + 1, log: (x) => 1 / x, log1p: (x) => 1 / (x + 1),
  sin: (x) => Math.cos(x), cos: (x) => -Math.sin(x), tan: (x) => { const c = Math.cos(x); return 1 / (c * c); },
  arcsin: (x) => 1 / Math.sqrt(1 - x * x), arccos: (x) => -1 / Math.sqrt(1 - x * x), arctan: (x) => 1 / (1 + x * x),
  sinh: (x) => Math.cosh(x), cosh: (x) => Math.sinh(x), tanh: (_x, y) => 1 - y * y, sqrt: (_x, y) => 0.5 / y,
  square: (x) => x * 2, reciprocal: (_x, y) => -(y * y), abs: (x, y) => x / (y === 0 ? 1 : y),
};

/**
 * g·f'(x) for the unary op `name` in one pass, given ans = f(x), on concrete (untraced) float arrays of one dtype with x
 * and ans contiguous and g contiguous or one broadcast value: natively, or for float64 below NATIVE_MIN_UNARY in one JS
 * loop (one op instead of the rule's two or three). Else undefined: a traced rule stays written in catalog ops, so
 * that it differentiates again.
 */
export function unaryVjp(name: string, g: unknown, x: unknown, ans: unknown): NDArray | undefined {
  if (!(g instanceof NDArray && x instanceof NDArray && ans instanceof NDArray)) return undefined;
  const d = x.dtype, n = x.size, small = n < NATIVE_MIN_UNARY, deriv = DERIVATIVES[name];
  if (!deriv || (d !== 'float64' && (d !== 'float32' || small)) || g.dtype !== d || ans.dtype !== d || g.size !== n || !x.isContiguous || !ans.isContiguous) return undefined;
  const gv = g.isContiguous ? g.values() : g.strides.every((s) => s === 0) ? g.data.subarray(g.offset, g.offset + 1) : null;
  if (!gv) return undefined;
  const out = output(d, n) as Float64Array, xv = x.values(), yv = ans.values();
  if (!small && nativeKernels.unaryVjp(name, gv as Float64Array, xv as Float64Array, yv as Float64Array, out)) return new NDArray(out, x.shape, d);
  if (d !== 'float64') return undefined;
  for (let i = 0, gs = gv.length === 1 ? 0 : 1; i < n; i++) out[i] = gv[i * gs] * deriv(xv[i], yv[i]);
  return new NDArray(out, x.shape, d);
}

/**
 * The cotangent of x in ans = maximum(x, y) or minimum(x, y) (ties share it) in one native pass, on concrete
 * (untraced) real arrays: x and ans contiguous of ans's size, g and y contiguous or one broadcast value (a y of
 * another type only where it converts exactly, so that ties compare as the rule's ops do). Else undefined.
 */
export function extremumVjp(g: unknown, x: unknown, y: unknown, ans: unknown): NDArray | undefined {
  if (!(g instanceof NDArray && x instanceof NDArray && y instanceof NDArray && ans instanceof NDArray)) return undefined;
  const d = ans.dtype, n = ans.size;
  if ((d !== 'float64' && d !== 'float32') || n < NATIVE_MIN_BINARY || x.size !== n || g.size !== n || !x.isContiguous || !ans.isContiguous) return undefined;
  const gv = whole(g, n), yv = whole(y, n);
  if (!gv || !yv || (yv.length === 1 && d === 'float32' && !(yv instanceof Float32Array) && Math.fround(yv[0]) !== yv[0])) return undefined;
  const out = output(d, n);
  return nativeKernels.extremumVjp(gv, x.values(), yv, ans.values(), out) ? new NDArray(out, ans.shape, d) : undefined;
}

/** v's storage when v is contiguous of n elements, or one value (a size-1 array or a broadcast of one); else null. */
const whole = (v: NDArray, n: number): Storage | null =>
  v.isContiguous && (v.size === n || v.size === 1) ? v.values() : v.strides.every((s) => s === 0) ? v.data.subarray(v.offset, v.offset + 1) as Storage : null;

export function map1(x: NDArray, dtype: DType, f: F1, nativeName?: string): NDArray {
  const out = output(dtype, x.size);
  const xv = x.values();
  if (nativeName && out.length >= NATIVE_MIN_UNARY && nativeKernels.unary(nativeName, xv, out)) return new NDArray(out, x.shape, dtype);
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
  const out = output(dtype, n);
  if (n === 1) { // scalars: the per-op overhead is the cost
    out[0] = f(a.data[a.offset], b.data[b.offset]);
    return new NDArray(out, shape, dtype);
  }
  if (n === 0) return new NDArray(out, shape, dtype);
  if (a.isContiguous && b.isContiguous && (a.size === n || a.size === 1) && (b.size === n || b.size === 1)) {
    const av = a.values(), bv = b.values();
    if (nativeName && n >= NATIVE_MIN_BINARY && nativeKernels.binary(nativeName, av, bv, out)) return new NDArray(out, shape, dtype);
    if (av.length === n && bv.length === n) for (let i = 0; i < n; i++) out[i] = f(av[i], bv[i]);
    else if (bv.length === n) { const s = av[0]; for (let i = 0; i < n; i++) out[i] = f(s, bv[i]); }
    else if (av.length === n) { const s = bv[0]; for (let i = 0; i < n; i++) out[i] = f(av[i], s); }
    else out[0] = f(av[0], bv[0]);
    return new NDArray(out, shape, dtype);
  }
  const { size, strides: [sa, sb] } = loops([a, b], shape);
  if (size.length > 2) {
    strided2(a, b, shape, (k, ia, ib) => { out[k] = f(a.data[ia], b.data[ib]); });
    return new NDArray(out, shape, dtype);
  }
  // At most two loops, innermost first: rows × cols with each operand read at r·rowStride + c·colStride.
  const cols = size[0] ?? 1, rows = size[1] ?? 1, ac = sa[0] ?? 0, bc = sb[0] ?? 0, ar = sa[1] ?? 0, br = sb[1] ?? 0;
  const ad = a.data, bd = b.data;
  if (nativeName && ac >= 0 && bc >= 0 && ar >= 0 && br >= 0 &&
    nativeKernels.binaryBroadcast(nativeName, from(ad, a.offset), from(bd, b.offset), out, rows, cols, ar, ac, br, bc))
    return new NDArray(out, shape, dtype);
  for (let r = 0, k = 0, ia = a.offset, ib = b.offset; r < rows; r++, ia += ar, ib += br)
    for (let c = 0, ja = ia, jb = ib; c < cols; c++, ja += ac, jb += bc) out[k++] = f(ad[ja], bd[jb]);
  return new NDArray(out, shape, dtype);
}

const from = (d: Storage, offset: number): Storage => (offset ? (d.subarray(offset) as Storage) : d);

/** The broadcast of `xs` to `shape` as nested loops, innermost first: loop sizes and each operand's strides, with
 * size-1 axes dropped and neighbouring axes merged where every operand continues contiguously across them. */
function loops(xs: readonly NDArray[], shape: readonly number[]): { size: number[]; strides: number[][] } {
  const size: number[] = [], strides: number[][] = xs.map(() => []);
  for (let d = shape.length - 1; d >= 0; d--) {
    const n = shape[d];
    if (n === 1) continue;
    const k = xs.map((x) => { const l = shape.length - x.ndim; return d < l || x.shape[d - l] === 1 ? 0 : x.strides[d - l]; });
    const j = size.length - 1;
    if (j >= 0 && k.every((kk, i) => kk === strides[i][j] * size[j])) size[j] *= n;
    else { size.push(n); k.forEach((kk, i) => strides[i].push(kk)); }
  }
  return { size, strides };
}

/** where(c, x, y) natively for a bool c and a real result in at most two loops, each operand read along them with
 * column stride 0 or 1; else undefined. */
export function selectNative(c: NDArray, x: NDArray, y: NDArray, shape: readonly number[], dtype: DType): NDArray | undefined {
  const n = sizeOf(shape);
  if (n < NATIVE_MIN_BINARY || c.dtype !== 'bool' || (dtype !== 'float64' && dtype !== 'float32') || isComplex(x.dtype) || isComplex(y.dtype)) return undefined;
  const { size, strides } = loops([c, x, y], shape);
  if (size.length > 2 || strides.some((s) => (s[0] ?? 0) > 1 || (s[0] ?? 0) < 0 || (s[1] ?? 0) < 0)) return undefined;
  const [sc, sx, sy] = strides, out = output(dtype, n);
  const done = nativeKernels.select(from(c.data, c.offset), from(x.data, x.offset), from(y.data, y.offset), out, size[1] ?? 1, size[0] ?? 1,
    sc[1] ?? 0, sc[0] ?? 0, sx[1] ?? 0, sx[0] ?? 0, sy[1] ?? 0, sy[0] ?? 0);
  return done ? new NDArray(out, shape, dtype) : undefined;
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
  if (!cin && (dtype === 'float64' || dtype === 'float32') && nativeKernels.convert(v, out)) return new NDArray(out, x.shape, dtype);
  const conv: F1 = dtype === 'bool' ? (t) => (t ? 1 : 0) : dtype === 'int64' || dtype === 'int32' ? Math.trunc : (t) => t;
  for (let i = 0; i < n; i++) {
    const re = cin ? v[2 * i] : v[i];
    if (cout) { out[2 * i] = re; out[2 * i + 1] = cin ? v[2 * i + 1] : 0; } else out[i] = dtype === 'bool' && cin ? (re || v[2 * i + 1] ? 1 : 0) : conv(re);
  }
  return new NDArray(out, x.shape, dtype);
}
