// The engine's lazy view of the native addon: kernels are used when it is built and the array is big
// enough that the N-API call (~0.2 µs) costs less than the work it saves.
import type { Storage } from './dtype.js';
import { loadNative, nativeAvailable, type NativeAddon } from '../native/index.js';

export const NATIVE_MIN_UNARY = 64;
export const NATIVE_MIN_BINARY = 4096;

let addon: NativeAddon | null | undefined;
let unaryCodes: Map<string, number>, binaryCodes: Map<string, number>;

export function native(): NativeAddon | null {
  if (addon === undefined) {
    addon = nativeAvailable() ? loadNative() : null;
    unaryCodes = new Map(addon?.unaryOps.map((n, i) => [n, i]));
    binaryCodes = new Map(addon?.binaryOps.map((n, i) => [n, i]));
  }
  return addon;
}

const floatPair = (x: Storage, out: Storage) =>
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
};
