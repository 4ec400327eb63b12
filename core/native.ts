// The engine's lazy view of the native addon: kernels are used when it is built and the array is big
// enough that the N-API call (~0.2 µs) costs less than the work it saves.
import type { Storage } from './dtype.js';
import { loadNative, nativeAvailable, type NativeAddon, type RealArray } from '../native/index.js';

export const NATIVE_MIN_UNARY = 64;
export const NATIVE_MIN_BINARY = 256;
export const NATIVE_MIN_SUM = 256;

let addon: NativeAddon | null | undefined;
let unaryCodes: Map<string, number>, binaryCodes: Map<string, number>, vjpCodes: Map<string, number>, compareCodes: Map<string, number>,
  testCodes: Map<string, number>;

export function native(): NativeAddon | null {
  if (addon === undefined) {
    addon = nativeAvailable() ? loadNative() : null;
    unaryCodes = new Map(addon?.unaryOps.map((n, i) => [n, i]));
    binaryCodes = new Map(addon?.binaryOps.map((n, i) => [n, i]));
    vjpCodes = new Map(addon?.vjpOps.map((n, i) => [n, i]));
    compareCodes = new Map(addon?.compareOps.map((n, i) => [n, i]));
    testCodes = new Map(addon?.testOps.map((n, i) => [n, i]));
  }
  return addon;
}

const F64 = new Float64Array(0);

/**
 * v as `like`'s type (a Float64Array or Float32Array), or null: itself when it is one; a single value always
 * (a weak scalar meeting float32 rounds to it, as NumPy casts it); natively converted when exact (bool or int32
 * to float64, bool to float32) and v is at most `most` long (an operand view may be a window on a longer buffer).
 */
function inType(v: Storage, like: Float64Array | Float32Array, most: number): Storage | null {
  if (v.constructor === like.constructor) return v;
  if (v.length === 1) return like instanceof Float32Array ? Float32Array.of(v[0]) : Float64Array.of(v[0]);
  const exact = v instanceof Uint8Array || (like instanceof Float64Array && (v instanceof Int32Array || v instanceof Float32Array));
  if (!exact || v.length > most) return null;
  const out = like instanceof Float32Array ? new Float32Array(v.length) : new Float64Array(v.length);
  addon!.convert(v, out);
  return out;
}

const isFloat = (v: Storage): v is Float64Array | Float32Array => v instanceof Float64Array || v instanceof Float32Array;
/** Whether an array of like's type holds v exactly (NaN compares alike in any type). */
const holds = (like: Float64Array | Float32Array, v: number) => like instanceof Float64Array || Object.is(Math.fround(v), v) || Number.isNaN(v);

/** Whether x and out are both Float64Array or both Float32Array (int64 is held in a Float64Array too). */
export const floatPair = (x: Storage, out: Storage) =>
  (x instanceof Float64Array && out instanceof Float64Array) || (x instanceof Float32Array && out instanceof Float32Array);

export const nativeKernels = {
  unary(name: string, x: Storage, out: Storage): boolean {
    if (out instanceof Uint8Array && out.length >= NATIVE_MIN_UNARY && (x instanceof Float64Array || x instanceof Float32Array) && native()) {
      const code = testCodes.get(name);
      if (code === undefined) return false;
      addon!.test(code, x, out);
      return true;
    }
    if (out.length < NATIVE_MIN_UNARY || !floatPair(x, out) || !native()) return false;
    const code = unaryCodes.get(name);
    if (code === undefined) return false;
    addon!.unary(code, x as Float64Array, out as Float64Array);
    return true;
  },
  /** out = op(a, b) elementwise; an operand of length 1 is a scalar. */
  binary(name: string, a: Storage, b: Storage, out: Storage): boolean {
    return nativeKernels.binaryBroadcast(name, a, b, out, 1, out.length, 0, a.length === 1 ? 0 : 1, 0, b.length === 1 ? 0 : 1);
  },
  /**
   * out (rows × cols) = op(a, b) with a and b read at r·rowStride + c·colStride (non-negative strides): arithmetic
   * into a float out, or a comparison into a bool one. Operands of another type are converted first where that is
   * exact (bool and int32 to float64, bool to float32; comparisons of mixed types compare in float64, as the JS
   * loops do), and where an operand is no longer than out.
   */
  binaryBroadcast(name: string, a: Storage, b: Storage, out: Storage, rows: number, cols: number,
    ar: number, ac: number, br: number, bc: number): boolean {
    if (out.length < NATIVE_MIN_BINARY || !native()) return false;
    if (out instanceof Uint8Array) {
      const code = compareCodes.get(name);
      if (code === undefined || ac > 1 || bc > 1) return false;
      if (a instanceof Uint8Array && b instanceof Uint8Array) {
        addon!.compare(code, out, rows, cols, a, ar, ac, b, br, bc);
        return true;
      }
      // JavaScript's truthiness calls NaN false, NumPy and C true: the logical ops stay in JS unless on bools.
      if (name.startsWith('logical_')) return false;
      // One float type: both operands' own, or an array's when the other is one value it holds exactly; else float64.
      const like = isFloat(a) && (a.constructor === b.constructor || (b.length === 1 && holds(a, b[0]))) ? a
        : isFloat(b) && a.length === 1 && holds(b, a[0]) ? b : F64;
      const x = inType(a, like, out.length), y = inType(b, like, out.length);
      if (!x || !y) return false;
      addon!.compare(code, out, rows, cols, x as Float64Array, ar, ac, y as Float64Array, br, bc);
      return true;
    }
    const code = binaryCodes.get(name);
    if (code === undefined || !(out instanceof Float64Array || out instanceof Float32Array)) return false;
    const x = inType(a, out, out.length), y = inType(b, out, out.length);
    if (!x || !y) return false;
    // One row of whole operands or scalars: `binary`, which splits the row across threads (binaryBroadcast splits rows).
    const inRow = (v: Storage, stride: number) => (stride === 0 ? v.length === 1 : stride === 1 && v.length === cols);
    if (rows === 1 && inRow(x, ac) && inRow(y, bc)) addon!.binary(code, x as Float64Array, y as Float64Array, out as Float64Array);
    else addon!.binaryBroadcast(code, x as Float64Array, y as Float64Array, out as Float64Array, rows, cols, ar, ac, br, bc);
    return true;
  },
  /** out = x converted to out's type (float64 or float32): bool, int32, float32 or float64 storage. */
  convert(x: Storage, out: Storage): boolean {
    if (out.length < NATIVE_MIN_UNARY || !(out instanceof Float64Array || out instanceof Float32Array) || !native()) return false;
    addon!.convert(x, out);
    return true;
  },
  /** out (rows × cols) = c ? x : y (NumPy's where) for a bool c, each operand read at r·rowStride + c·colStride
   * (column strides 0 or 1); x and y converted to out's type as in binaryBroadcast. */
  select(c: Storage, x: Storage, y: Storage, out: Storage, rows: number, cols: number,
    cr: number, cc: number, xr: number, xc: number, yr: number, yc: number): boolean {
    if (out.length < NATIVE_MIN_BINARY || !(c instanceof Uint8Array) || !(out instanceof Float64Array || out instanceof Float32Array) ||
      cc > 1 || xc > 1 || yc > 1 || !native()) return false;
    const xv = inType(x, out, out.length), yv = inType(y, out, out.length);
    if (!xv || !yv) return false;
    addon!.select(out as Float64Array, rows, cols, c, cr, cc, xv as Float64Array, xr, xc, yv as Float64Array, yr, yc);
    return true;
  },
  /** out (rows × cols) = x[offset + r·rowStride + c·colStride], strides signed, x and out of one float type. */
  copy(x: Storage, offset: number, rows: number, cols: number, rs: number, cs: number, out: Storage): boolean {
    if (out.length < NATIVE_MIN_BINARY || !floatPair(x, out) || !native()) return false;
    addon!.copy(x as Float64Array, offset, rows, cols, rs, cs, out as Float64Array);
    return true;
  },
  /** out = x clipped to [lo, hi] (NumPy's clip), x and out of one float type. */
  clip(x: Storage, lo: number, hi: number, out: Storage): boolean {
    if (out.length < NATIVE_MIN_UNARY || !floatPair(x, out) || !native()) return false;
    addon!.clip(x as Float64Array, lo, hi, out as Float64Array);
    return true;
  },
  /** out = the cotangent of x in ans = maximum(x, y) or minimum(x, y) (ties share it); g and y may be single
   * values, converted to out's type as in binaryBroadcast. */
  extremumVjp(g: Storage, x: Storage, y: Storage, ans: Storage, out: Storage): boolean {
    if (out.length < NATIVE_MIN_BINARY || !(out instanceof Float64Array || out instanceof Float32Array) || !native()) return false;
    const gv = inType(g, out, out.length), xv = inType(x, out, out.length), yv = inType(y, out, out.length);
    if (!gv || !xv || !yv || ans.constructor !== out.constructor) return false;
    addon!.extremumVjp(gv as Float64Array, xv as Float64Array, yv as Float64Array, ans as Float64Array, out as Float64Array);
    return true;
  },
  /** out = g·f'(x) for the unary op `name` (ans = f(x)); g may be a single value. */
  unaryVjp(name: string, g: RealArray, x: RealArray, ans: RealArray, out: RealArray): boolean {
    if (out.length < NATIVE_MIN_UNARY || !native()) return false;
    const code = vjpCodes.get(name);
    if (code === undefined) return false;
    addon!.unaryVjp(code, g as Float64Array, x as Float64Array, ans as Float64Array, out as Float64Array);
    return true;
  },
  /** out[o, i] = the maximum (max) or minimum over m of x[o, m, i] (NaN if there is one) for a contiguous x viewed as
   * [outer, mid, inner]. */
  extreme(x: Storage, outer: number, mid: number, inner: number, out: Storage, max: boolean): boolean {
    if (x.length < NATIVE_MIN_SUM || mid < 1 || !floatPair(x, out) || !native()) return false;
    addon!.extreme(x as Float64Array, outer, mid, inner, out as Float64Array, max);
    return true;
  },
  /** out[o, m, i] = Σ_{m' ≤ m} x[o, m', i] (in double) for a contiguous x viewed as [outer, mid, inner]. */
  cumsum(x: Storage, outer: number, mid: number, inner: number, out: Storage): boolean {
    if (x.length < NATIVE_MIN_SUM || !floatPair(x, out) || !native()) return false;
    addon!.cumsum(x as Float64Array, outer, mid, inner, out as Float64Array);
    return true;
  },
  /** out[o, i] = Σ_m x[o, m, i] for a contiguous x viewed as [outer, mid, inner]. */
  sum(x: Storage, outer: number, mid: number, inner: number, out: Storage): boolean {
    if (x.length < NATIVE_MIN_SUM || !floatPair(x, out) || !native()) return false;
    addon!.sum(x as Float64Array, outer, mid, inner, out as Float64Array);
    return true;
  },
};
