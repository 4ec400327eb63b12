import { fail } from './errors.js';

export const DTYPES = ['float64', 'float32', 'complex128', 'int32', 'int64', 'bool'] as const;
export type DType = (typeof DTYPES)[number];

// int64 is held in a Float64Array: exact to 2^53, which covers every index and count.
export type Storage = Float64Array | Float32Array | Int32Array | Uint8Array;

export const isDType = (d: unknown): d is DType => typeof d === 'string' && (DTYPES as readonly string[]).includes(d);

export function checkDType(d: unknown, where: string): DType {
  if (!isDType(d)) fail('DTYPE_MISMATCH', `${where}: unknown dtype ${JSON.stringify(d)}; expected one of ${DTYPES.join(', ')}`);
  return d;
}

export function allocate(dtype: DType, n: number): Storage {
  switch (dtype) {
    case 'float64': case 'int64': return new Float64Array(n);
    case 'complex128': return new Float64Array(2 * n);
    case 'float32': return new Float32Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

type Kind = 0 | 1 | 2 | 3; // bool < int < float < complex
export const kindOf = (d: DType): Kind =>
  d === 'bool' ? 0 : d === 'int32' || d === 'int64' ? 1 : d === 'complex128' ? 3 : 2;

export const isComplex = (d: DType) => d === 'complex128';
export const isFloating = (d: DType) => d === 'float64' || d === 'float32' || d === 'complex128';
export const isInexact = isFloating;

// NumPy 2 promotion between two arrays.
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  const ka = kindOf(a), kb = kindOf(b);
  if (ka === 3 || kb === 3) return 'complex128';
  if (ka === 0) return b;
  if (kb === 0) return a;
  if (ka === 1 && kb === 1) return 'int64';
  return 'float64'; // float32 with int32/int64/float64
}

// A JS number or {re, im} is a weak scalar (NEP 50): it adopts the array's dtype unless its kind is higher.
export function promoteWeak(arr: DType, scalarKind: Kind): DType {
  if (kindOf(arr) >= scalarKind) return arr;
  return scalarKind === 3 ? 'complex128' : scalarKind === 2 ? 'float64' : 'int64';
}

export function scalarKind(v: number | boolean | { re: number; im: number }): Kind {
  if (typeof v === 'boolean') return 0;
  if (typeof v === 'number') return Number.isInteger(v) ? 1 : 2;
  return 3;
}

export const defaultDtypeOfKind = (k: Kind): DType => (['bool', 'int64', 'float64', 'complex128'] as const)[k];

// The real dtype a complex or real float maps to (abs, real, imag).
export const realDtype = (d: DType): DType => (d === 'complex128' ? 'float64' : d);
// The dtype math functions compute in: ints and bools become float64, as in NumPy.
export const floatDtype = (d: DType): DType => (kindOf(d) < 2 ? 'float64' : d);

/** NumPy's result_type for operands, where weak ones (JS scalars) defer to the strong ones. */
export function resultType(...ops: readonly { dtype: DType; weak?: boolean }[]): DType {
  if (ops.length === 2) { // the binary ops' case, without the lists below
    const [a, b] = ops;
    if (a.dtype === b.dtype) return a.dtype;
    if (!a.weak !== !b.weak) return a.weak ? promoteWeak(b.dtype, kindOf(a.dtype)) : promoteWeak(a.dtype, kindOf(b.dtype));
    return promote(a.dtype, b.dtype);
  }
  const strong = ops.filter((o) => !o.weak);
  if (strong.length === 0) return ops.map((o) => o.dtype).reduce(promote);
  let d = strong.map((o) => o.dtype).reduce(promote);
  for (const o of ops) if (o.weak) d = promoteWeak(d, kindOf(o.dtype));
  return d;
}
