// Assertions and small constructors shared by the op, wire and engine tests: typed errors, elementwise
// closeness on flattened values (complex as re, im), and seeded finite-difference checks.
import { expect } from 'vitest';
import { callOp } from '../../core/call.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { checkDerivatives, randLike, rng, seedOf } from './fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

// ---- constructors ----

/** 0, 1, 2, … in the given shape, float64. */
export const seq = (...shape: number[]) => NDArray.fromData(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i), shape);
/** np.array, with an optional dtype. */
export const arr = (x: unknown, dtype?: string) => np.array(x, dtype ? { dtype } : {}) as NDArray;
/** A complex number as toArray gives it. */
export const c = (re: number, im: number) => ({ re, im });
export const call = (name: string, args: unknown[], attrs: Record<string, unknown> = {}) => callOp(name, args, attrs) as any;
/** A one-operand op. */
export const op = (name: string, x: unknown, attrs: Record<string, unknown> = {}) => callOp(name, [x], attrs) as any;
export const mm = (a: unknown, b: unknown) => call('matmul', [a, b]);

/** Random entries seeded by `label`, plus `shift` on the diagonals (well conditioned, or positive definite after X Xᴴ). */
export function rand(label: string, shape: number[], dtype: 'float64' | 'complex128' = 'float64', shift = 0): NDArray {
  const x = randLike({ shape, dtype }, rng(seedOf(label))), n = shape[shape.length - 1], w = dtype === 'complex128' ? 2 : 1;
  for (let k = 0; k < x.size; k++) if (Math.floor(k / n) % shape[shape.length - 2] === k % n) x.data[w * k] += shift;
  return x;
}

// ---- errors ----

/** f throws an error with `code` whose message matches every word (a string as a substring); the error, for more checks. */
export function throwsCode(f: () => unknown, code: string, ...words: (string | RegExp)[]): any {
  let err: any;
  try { f(); } catch (e) { err = e; }
  expect(err, 'expected an error').toBeDefined();
  expect(err.code, err.message).toBe(code);
  for (const w of words) expect(err.message).toMatch(w);
  return err;
}

/** throwsCode, and the error is an instance of `cls`. */
export function throws(f: () => unknown, code: string, cls: ErrorConstructor, ...words: (string | RegExp)[]): void {
  expect(throwsCode(f, code, ...words)).toBeInstanceOf(cls);
}

/** The code of the error f throws, or 'no error'. */
export const code = (f: () => unknown) => { try { f(); } catch (e) { return (e as { code?: string }).code; } return 'no error'; };

// ---- closeness ----

/** The numbers in an NDArray, a number, an {re, im} or nested arrays of them, in order; complex as re, im. */
export const flat = (v: any): number[] =>
  (v instanceof NDArray ? flat(v.toArray()) : Array.isArray(v) ? v.flatMap(flat) : typeof v === 'object' ? [v.re, v.im] : [v]);

/** Same length, and elementwise |got − want| ≤ tol·max(1, |want|): absolute near 0, relative elsewhere. */
export function close(got: unknown, want: unknown, tol = 1e-12) {
  const a = flat(got), b = flat(want);
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => expect(Math.abs(v - b[i]), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(b[i]))));
}

/** Same length, and elementwise |got − want| ≤ atol + rtol·|want|, or exactly equal where want is NaN or ±∞. */
export function closeRel(got: unknown, want: unknown, rtol = 1e-13, atol = 0) {
  const a = flat(got), b = flat(want);
  expect(a.length).toBe(b.length);
  a.forEach((v, i) => {
    if (!Number.isFinite(b[i])) expect(v, `element ${i}`).toBe(b[i]);
    else expect(Math.abs(v - b[i]), `element ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(b[i]));
  });
}

// ---- derivatives ----

/** VJP and JVP of f against finite differences to second order, at arguments of `shapes` drawn from a seed of `label`. */
export function fd(label: string, f: (...a: any[]) => unknown, shapes: number[][], dtype: 'float64' | 'complex128' = 'float64') {
  const r = rng(seedOf(label));
  checkDerivatives(f, shapes.map((shape) => randLike({ shape, dtype }, r)), r);
}
