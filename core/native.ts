// The engine's lazy view of the native addon: kernels are used when it is built and the array is big
// enough that the N-API call (~0.2 µs) costs less than the work it saves.
import type { Storage } from './dtype.js';
import { loadNative, nativeAvailable, type NativeAddon, type RealArray } from '../native/index.js';

export const NATIVE_MIN_UNARY = 64;
export const NATIVE_MIN_BINARY = 256;
export const NATIVE_MIN_SUM = 256;

let addon: NativeAddon | null | undefined;
let unaryCodes: Map<string, number>, binaryCodes: Map<string, number>, vjpCodes: Map<string, number>;

export function native(): NativeAddon | null {
  if (addon === undefined) {
    addon = nativeAvailable() ? loadNative() : null;
    unaryCodes = new Map(addon?.unaryOps.map((n, i) => [n, i]));
    binaryCodes = new Map(addon?.binaryOps.map((n, i) => [n, i]));
    vjpCodes = new Map(addon?.vjpOps.map((n, i) => [n, i]));
  }
  return addon;
}

/** Whether x and out are both Float64Array or both Float32Array (int64 is held in a Float64Array too). */
export const floatPair = (x: Storage, out: Storage) =>
  (x instanceof Float64Array && out instanceof Float64Array) || (x instanceof Float32Array && out instanceof Float32Array);

export const nativeKernels = {
  unary(name: string, x: Storage, out: Storage): boolean {
    if (out.length < NATIVE_MIN_UNARY || !floatPair(x, out) || !native()) return false;
    const code = unaryCodes.get(name);
    if (code === undefined) return false;
    addon!.unary(code, x as Float64Array, out as Float64Array);
    return true;
  },
  binary(name: string, a: Storage, b: Storage, out: Storage): boolean {
    if (out.length < NATIVE_MIN_BINARY || !floatPair(a, out) || !floatPair(b, out) || !native()) return false;
    const code = binaryCodes.get(name);
    if (code === undefined) return false;
    addon!.binary(code, a as Float64Array, b as Float64Array, out as Float64Array);
    return true;
  },
  /** out (rows × cols) = op(a, b) with a and b read at r·rowStride + c·colStride (non-negative strides). */
  binaryBroadcast(name: string, a: Storage, b: Storage, out: Storage, rows: number, cols: number,
    ar: number, ac: number, br: number, bc: number): boolean {
    if (out.length < NATIVE_MIN_BINARY || !floatPair(a, out) || !floatPair(b, out) || !native()) return false;
    const code = binaryCodes.get(name);
    if (code === undefined) return false;
    addon!.binaryBroadcast(code, a as Float64Array, b as Float64Array, out as Float64Array, rows, cols, ar, ac, br, bc);
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
  /** out[o, i] = Σ_m x[o, m, i] for a contiguous x viewed as [outer, mid, inner]. */
  sum(x: Storage, outer: number, mid: number, inner: number, out: Storage): boolean {
    if (x.length < NATIVE_MIN_SUM || !floatPair(x, out) || !native()) return false;
    addon!.sum(x as Float64Array, outer, mid, inner, out as Float64Array);
    return true;
  },
};
