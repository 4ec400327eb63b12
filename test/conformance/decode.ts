// Values of the conformance vectors (shared/conformance/README.md §2) to gradd values and back, and the
// tolerant comparison of §10.
import { readFileSync } from 'node:fs';
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Json = any;
export interface Tol { rtol: number; atol: number }
export const DEFAULT_TOL: Tol = { rtol: 1e-6, atol: 1e-8 };

export const loadGolden = (): Json => JSON.parse(readFileSync(new URL('../fixtures/golden.json', import.meta.url), 'utf8'));

const NONFINITE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
const num = (x: number | string): number => {
  if (typeof x === 'number') return x;
  if (x in NONFINITE) return NONFINITE[x];
  throw new Error(`golden.json: bad number ${JSON.stringify(x)}`);
};
const enc = (x: number): number | string => (Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');

export const isTensor = (v: Json): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && 'dtype' in v;
const isDict = (v: Json): boolean => v !== null && typeof v === 'object' && !Array.isArray(v) && 'dict' in v;

/** A tensor → NDArray, a sequence → JS array, a {dict} → plain object. */
export function decode(v: Json): any {
  if (isTensor(v)) {
    const flat = v.dtype === 'complex128' ? v.data.flatMap(([re, im]: [number, number]) => [num(re), num(im)])
      : v.dtype === 'bool' ? v.data.map((b: boolean) => +b) : v.data.map(num);
    return NDArray.fromData(flat, v.shape, v.dtype as DType);
  }
  if (Array.isArray(v)) return v.map(decode);
  if (isDict(v)) return Object.fromEntries(Object.entries(v.dict).map(([k, x]) => [k, decode(x)]));
  throw new Error(`golden.json: not a Value: ${JSON.stringify(v).slice(0, 80)}`);
}

/** kwargs with their tensors (getitem's index arrays) decoded; everything else as written. */
export const decodeAttrs = (v: Json): any =>
  isTensor(v) ? decode(v) : Array.isArray(v) ? v.map(decodeAttrs)
    : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decodeAttrs(x)])) : v;

/** The inverse of decode: NDArray → tensor, JS array → sequence, plain object → {dict}. */
export function encode(v: any): Json {
  if (v instanceof NDArray) {
    const d = v.values();
    const data = v.dtype === 'complex128' ? Array.from({ length: v.size }, (_, i) => [enc(d[2 * i]), enc(d[2 * i + 1])])
      : v.dtype === 'bool' ? Array.from(d, Boolean) : Array.from(d, enc);
    return { dtype: v.dtype === 'float32' ? 'float64' : v.dtype === 'int32' ? 'int64' : v.dtype, shape: [...v.shape], data };
  }
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') return { dict: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encode(x)])) };
  throw new Error(`encode: not an array or container: ${String(v)}`);
}

const CATEGORY: Record<string, string> = { float64: 'real', float32: 'real', complex128: 'complex', int64: 'int', int32: 'int', bool: 'bool' };

/** Numbers and {re, im} (what the differential operators return for scalar inputs) as 0-d arrays. */
function asArray(a: any): NDArray | null {
  if (a instanceof NDArray) return a;
  if (typeof a === 'number') return NDArray.scalar(a);
  if (typeof a === 'boolean') return NDArray.scalar(+a, 'bool');
  if (a !== null && typeof a === 'object' && typeof a.re === 'number' && typeof a.im === 'number') return NDArray.fromData([a.re, a.im], [], 'complex128');
  return null;
}

const fmt = (re: number, im: number, complex: boolean) => (complex ? `${re}${im < 0 ? '-' : '+'}${Math.abs(im)}i` : `${re}`);

/**
 * Compares `actual` to the expected Value: structure, shapes, dtype categories, then every element with
 * |a − e| ≤ atol + rtol·|e| (complex modulus; NaN matches NaN, ±inf exactly). Returns null, or what differs.
 */
export function compare(actual: any, expected: Json, tol: Tol = DEFAULT_TOL, path = 'out'): string | null {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected a sequence of ${expected.length}, got ${shown(actual)}`;
    if (actual.length !== expected.length) return `${path}: expected a sequence of ${expected.length}, got one of ${actual.length}`;
    for (let i = 0; i < expected.length; i++) { const e = compare(actual[i], expected[i], tol, `${path}[${i}]`); if (e) return e; }
    return null;
  }
  if (isDict(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual) || asArray(actual)) return `${path}: expected a dict, got ${shown(actual)}`;
    const want = Object.keys(expected.dict), got = Object.keys(actual);
    if (want.length !== got.length || want.some((k) => !got.includes(k))) return `${path}: expected keys ${want.join(',')}, got ${got.join(',')}`;
    for (const k of want) { const e = compare(actual[k], expected.dict[k], tol, `${path}.${k}`); if (e) return e; }
    return null;
  }
  const a = asArray(actual);
  if (!a) return `${path}: expected a ${expected.dtype} array, got ${shown(actual)}`;
  if (a.shape.length !== expected.shape.length || a.shape.some((d, i) => d !== expected.shape[i]))
    return `${path}: shape [${a.shape}] instead of [${expected.shape}]`;
  if (CATEGORY[a.dtype] !== CATEGORY[expected.dtype]) return `${path}: dtype ${a.dtype} instead of ${expected.dtype}`;
  const e = decode(expected) as NDArray, ev = e.values(), av = a.values(), cx = e.dtype === 'complex128';
  let worst = -1, worstExcess = 0, bad = 0;
  for (let i = 0; i < e.size; i++) {
    const excess = cx ? misfit(av[2 * i], av[2 * i + 1], ev[2 * i], ev[2 * i + 1], tol) : misfit(av[i], 0, ev[i], 0, tol);
    if (excess > 1) { bad++; if (excess > worstExcess) { worstExcess = excess; worst = i; } }
  }
  if (!bad) return null;
  const at = (v: ArrayLike<number>) => fmt(cx ? v[2 * worst] : v[worst], cx ? v[2 * worst + 1] : 0, cx);
  return `${path}: ${bad} of ${e.size} elements differ; worst at flat index ${worst}: got ${at(av)}, expected ${at(ev)}` +
    ` (rtol ${tol.rtol}, atol ${tol.atol})`;
}

/** |a − e| / (atol + rtol·|e|): ≤ 1 is a match. Non-finite expected parts must match exactly. */
function misfit(ar: number, ai: number, er: number, ei: number, tol: Tol): number {
  const same = (a: number, e: number) => Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
  if (!Number.isFinite(er) || !Number.isFinite(ei)) return same(ar, er) && same(ai, ei) ? 0 : Infinity;
  const d = Math.hypot(ar - er, ai - ei);
  return Number.isNaN(d) ? Infinity : d / (tol.atol + tol.rtol * Math.hypot(er, ei));
}

function shown(v: any): string {
  if (Array.isArray(v)) return `a JS array of ${v.length}`;
  if (v instanceof NDArray) return `an array of shape [${v.shape}]`;
  return v === null ? 'null' : typeof v === 'object' ? `${v.constructor?.name ?? 'an object'} {${Object.keys(v).join(', ')}}` : `${typeof v} ${String(v)}`;
}
