// The addon's lapack_extra.cc: solveTriangular, solveBanded, svdFull, sqrtm and sylvester by reconstruction on
// real, complex and float32 data, and argument validation (every length checked before memory is touched).
import { describe, expect, it } from 'vitest';
import { loadNative, nativeAvailable, type NativeAddon } from '../native/index.js';

const built = nativeAvailable();
const addon = (built ? loadNative() : undefined) as NativeAddon;

// Dense complex matrices as separate re/im parts, row-major.
interface Mat { re: Float64Array; im: Float64Array; rows: number; cols: number }
let seed = 7;
const random = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
const mat = (rows: number, cols: number, complex: boolean, shift = 0): Mat => {
  const m = { re: Float64Array.from({ length: rows * cols }, random), im: new Float64Array(rows * cols), rows, cols };
  if (complex) m.im = Float64Array.from({ length: rows * cols }, random);
  for (let i = 0; i < Math.min(rows, cols); i++) m.re[i * cols + i] += shift;
  return m;
};
const pack = (m: Mat, complex: boolean) =>
  complex ? Float64Array.from({ length: 2 * m.re.length }, (_, k) => (k % 2 ? m.im : m.re)[k >> 1]) : Float64Array.from(m.re);
const unpack = (a: ArrayLike<number>, rows: number, cols: number, complex: boolean): Mat => ({
  re: Float64Array.from({ length: rows * cols }, (_, k) => a[complex ? 2 * k : k]),
  im: Float64Array.from({ length: rows * cols }, (_, k) => (complex ? a[2 * k + 1] : 0)), rows, cols,
});
function mul(a: Mat, b: Mat): Mat {
  const out: Mat = { re: new Float64Array(a.rows * b.cols), im: new Float64Array(a.rows * b.cols), rows: a.rows, cols: b.cols };
  for (let i = 0; i < a.rows; i++)
    for (let j = 0; j < b.cols; j++)
      for (let k = 0; k < a.cols; k++) {
        const p = i * a.cols + k, q = k * b.cols + j;
        out.re[i * b.cols + j] += a.re[p] * b.re[q] - a.im[p] * b.im[q];
        out.im[i * b.cols + j] += a.re[p] * b.im[q] + a.im[p] * b.re[q];
      }
  return out;
}
const add = (a: Mat, b: Mat): Mat => ({ ...a, re: a.re.map((v, k) => v + b.re[k]), im: a.im.map((v, k) => v + b.im[k]) });
const adjoint = (a: Mat): Mat => ({
  re: Float64Array.from({ length: a.re.length }, (_, k) => a.re[(k % a.rows) * a.cols + Math.floor(k / a.rows)]),
  im: Float64Array.from({ length: a.re.length }, (_, k) => -a.im[(k % a.rows) * a.cols + Math.floor(k / a.rows)]), rows: a.cols, cols: a.rows,
});
const masked = (a: Mat, keep: (i: number, j: number) => boolean): Mat => ({
  ...a, re: a.re.map((v, k) => (keep(Math.floor(k / a.cols), k % a.cols) ? v : 0)), im: a.im.map((v, k) => (keep(Math.floor(k / a.cols), k % a.cols) ? v : 0)),
});
function expectClose(got: Mat, want: Mat, tol: number, what: string) {
  for (let k = 0; k < want.re.length; k++)
    if (!(Math.hypot(got.re[k] - want.re[k], got.im[k] - want.im[k]) <= tol * (1 + Math.hypot(want.re[k], want.im[k]))))
      expect.fail(`${what}[${k}]: got ${got.re[k]}+${got.im[k]}i, want ${want.re[k]}+${want.im[k]}i`);
}

describe.skipIf(!built)('native lapack_extra (reconstruction)', () => {
  for (const complex of [false, true]) {
    const label = complex ? 'complex128' : 'float64', w = complex ? 2 : 1;

    it(`solveTriangular: op(T) X = B for each triangle, trans and diagonal (${label})`, () => {
      const n = 5, nrhs = 2, A = mat(n, n, complex, 3), B = mat(n, nrhs, complex);
      for (const lower of [true, false]) for (const trans of [0, 1, 2] as const) for (const unit of [false, true]) {
        const x = new Float64Array(n * nrhs * w);
        expect(addon.solveTriangular(pack(A, complex), pack(B, complex), n, nrhs, lower, trans, unit, x, complex)).toBe(0);
        let T = masked(A, (i, j) => (lower ? i > j : i < j) || (!unit && i === j));
        if (unit) for (let i = 0; i < n; i++) T.re[i * n + i] = 1;
        if (trans === 1) T = { ...adjoint(T), im: adjoint(T).im.map((v) => -v) };
        if (trans === 2) T = adjoint(T);
        expectClose(mul(T, unpack(x, n, nrhs, complex)), B, 1e-12, `lower ${lower} trans ${trans} unit ${unit}`);
      }
      expect(addon.solveTriangular(new Float64Array(4 * w), new Float64Array(2 * w), 2, 1, true, 0, false, new Float64Array(2 * w), complex)).toBe(1);
    });

    it(`solveBanded: A X = B from SciPy's band layout (${label})`, () => {
      const n = 6, kl = 2, ku = 1, nrhs = 3, AB = mat(kl + ku + 1, n, complex), B = mat(n, nrhs, complex);
      for (let j = 0; j < n; j++) AB.re[ku * n + j] += 4;
      const A = mat(n, n, false);
      A.re.fill(0);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++)
        if (i - j <= kl && j - i <= ku) { A.re[i * n + j] = AB.re[(ku + i - j) * n + j]; A.im[i * n + j] = AB.im[(ku + i - j) * n + j]; }
      const x = new Float64Array(n * nrhs * w);
      expect(addon.solveBanded(pack(AB, complex), pack(B, complex), n, kl, ku, nrhs, x, complex)).toBe(0);
      expectClose(mul(A, unpack(x, n, nrhs, complex)), B, 1e-12, 'A X');
    });

    for (const [m, n] of [[5, 3], [3, 5]]) {
      it(`svdFull: U S Vt = A with square unitary U, Vt, ${m}×${n} (${label})`, () => {
        const k = Math.min(m, n), A = mat(m, n, complex);
        const U = new Float64Array(m * m * w), S = new Float64Array(k), Vt = new Float64Array(n * n * w);
        expect(addon.svdFull(pack(A, complex), m, n, U, S, Vt, complex)).toBe(0);
        const Um = unpack(U, m, m, complex), Vm = unpack(Vt, n, n, complex), Sm = mat(m, n, false);
        Sm.re.fill(0);
        S.forEach((s, i) => { Sm.re[i * n + i] = s; });
        expectClose(mul(mul(Um, Sm), Vm), A, 1e-12, 'U S Vt');
        const I = (d: number) => { const e = mat(d, d, false); e.re = e.re.map((_, q) => +(q % (d + 1) === 0)); return e; };
        expectClose(mul(Um, adjoint(Um)), I(m), 1e-12, 'U Uᴴ');
        expectClose(mul(Vm, adjoint(Vm)), I(n), 1e-12, 'Vt Vtᴴ');
      });
    }

    it(`sqrtm: X X = A (${label})`, () => {
      const n = 6, A = mat(n, n, complex, 3), out = new Float64Array(n * n * w);
      expect(addon.sqrtm(pack(A, complex), n, out, complex)).toBe(0);
      const X = unpack(out, n, n, complex);
      expectClose(mul(X, X), A, 1e-11, 'X X');
    });

    it(`sylvester: A X + X B = Q (${label})`, () => {
      const m = 4, n = 3, A = mat(m, m, complex, 2), B = mat(n, n, complex, 2), Q = mat(m, n, complex), x = new Float64Array(m * n * w);
      expect(addon.sylvester(pack(A, complex), pack(B, complex), pack(Q, complex), m, n, x, complex)).toBe(0);
      const X = unpack(x, m, n, complex);
      expectClose(add(mul(A, X), mul(X, B)), Q, 1e-11, 'A X + X B');
    });
  }

  it('sqrtm: real roots of complex-pair blocks; a negative real eigenvalue reports n + 1 and leaves out alone', () => {
    const rot = new Float64Array([1, -2, 0.5, 2, 1, 0.3, 0, 0, 4]), out = new Float64Array(9);
    expect(addon.sqrtm(rot, 3, out)).toBe(0);
    expectClose(mul(unpack(out, 3, 3, false), unpack(out, 3, 3, false)), unpack(rot, 3, 3, false), 1e-12, 'X X');
    const untouched = new Float64Array(4).fill(7);
    expect(addon.sqrtm(new Float64Array([-4, 1, 0, 9]), 2, untouched)).toBe(3);
    expect([...untouched]).toEqual([7, 7, 7, 7]);
  });

  it('works in float32, with out arrays that are the inputs, and on empty matrices', () => {
    const a = new Float32Array([4, 0, 1, 9]);
    expect(addon.sqrtm(a, 2, a)).toBe(0);
    expect([...a].map((v) => Math.round(v * 1e5) / 1e5)).toEqual([2, 0, 0.2, 3]);
    const b = new Float32Array([2, 9]);
    expect(addon.solveTriangular(new Float32Array([2, 0, 1, 4]), b, 2, 1, true, 0, false, b)).toBe(0);
    expect([...b]).toEqual([1, 2]);
    const e = new Float64Array(0);
    expect(addon.sylvester(e, e, e, 0, 0, e)).toBe(0);
    expect(addon.solveBanded(e, e, 0, 1, 1, 0, e)).toBe(0);
    const U = new Float64Array(4), Vt = new Float64Array(0);
    expect(addon.svdFull(e, 2, 0, U, e, Vt)).toBe(0);
    expect([...U]).toEqual([1, 0, 0, 1]);
  });
});

describe.skipIf(!built)('native lapack_extra argument validation', () => {
  const f64 = (n: number) => new Float64Array(n);
  const call = (fn: keyof NativeAddon, ...args: unknown[]) => () => (addon[fn] as (...a: unknown[]) => unknown)(...args);
  const TYPE = [TypeError, 'NATIVE_BAD_ARGUMENT'] as const;
  const RANGE = [RangeError, 'NATIVE_BAD_LENGTH'] as const;
  const battery: Array<[string, () => unknown, readonly [ErrorConstructor, string]]> = [
    ['solveTriangular: A one short', call('solveTriangular', f64(8), f64(3), 3, 1, true, 0, false, f64(3)), RANGE],
    ['solveTriangular: B wrong length', call('solveTriangular', f64(9), f64(4), 3, 1, true, 0, false, f64(3)), RANGE],
    ['solveTriangular: outX wrong length', call('solveTriangular', f64(9), f64(3), 3, 1, true, 0, false, f64(2)), RANGE],
    ['solveTriangular: trans 3', call('solveTriangular', f64(9), f64(3), 3, 1, true, 3, false, f64(3)), RANGE],
    ['solveTriangular: lower not boolean', call('solveTriangular', f64(9), f64(3), 3, 1, 1, 0, false, f64(3)), TYPE],
    ['solveTriangular: complex with real-sized arrays', call('solveTriangular', f64(9), f64(3), 3, 1, true, 0, false, f64(3), true), RANGE],
    ['solveTriangular: missing outX', call('solveTriangular', f64(9), f64(3), 3, 1, true, 0, false), TYPE],
    ['solveBanded: AB not (kl+ku+1)*n', call('solveBanded', f64(8), f64(3), 3, 1, 1, 1, f64(3)), RANGE],
    ['solveBanded: B of another type', call('solveBanded', f64(9), new Float32Array(3), 3, 1, 1, 1, f64(3)), TYPE],
    ['solveBanded: kl huge', call('solveBanded', f64(9), f64(3), 3, 2 ** 31 - 1, 1, 1, f64(3)), RANGE],
    ['solveBanded: ku negative', call('solveBanded', f64(9), f64(3), 3, 1, -1, 1, f64(3)), RANGE],
    ['svdFull: outU thin-sized', call('svdFull', f64(6), 3, 2, f64(6), f64(2), f64(4)), RANGE],
    ['svdFull: outS wrong length', call('svdFull', f64(6), 3, 2, f64(9), f64(3), f64(4)), RANGE],
    ['svdFull: outVt wrong length', call('svdFull', f64(6), 3, 2, f64(9), f64(2), f64(6)), RANGE],
    ['sqrtm: out wrong length', call('sqrtm', f64(4), 2, f64(3)), RANGE],
    ['sqrtm: n fractional', call('sqrtm', f64(4), 1.5, f64(4)), RANGE],
    ['sqrtm: n*n beyond the array', call('sqrtm', f64(4), 2 ** 31 - 1, f64(4)), RANGE],
    ['sqrtm: A a plain Array', call('sqrtm', [1, 0, 0, 1], 2, f64(4)), TYPE],
    ['sylvester: Q wrong length', call('sylvester', f64(4), f64(9), f64(5), 2, 3, f64(6)), RANGE],
    ['sylvester: B wrong length', call('sylvester', f64(4), f64(4), f64(6), 2, 3, f64(6)), RANGE],
    ['sylvester: outX Float32Array', call('sylvester', f64(4), f64(9), f64(6), 2, 3, new Float32Array(6)), TYPE],
  ];

  it.each(battery)('%s', (_, thunk, [ctor, code]) => {
    let error: unknown;
    try { thunk(); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ctor);
    expect((error as { code?: string }).code).toBe(code);
    expect((error as Error).message).toMatch(/^\w+: /);
  });

  it('names the argument, what was given and what was expected', () => {
    expect(call('sqrtm', f64(4), 2, f64(3))).toThrow('sqrtm: out must have length 4 (n*n = 4), got 3');
    expect(call('solveBanded', f64(8), f64(3), 3, 1, 1, 1, f64(3))).toThrow('solveBanded: AB must have length 9 ((kl+ku+1)*n = 9), got 8');
    expect(call('solveTriangular', f64(9), f64(3), 3, 1, true, 3, false, f64(3))).toThrow('solveTriangular: argument 6 (trans) must be an integer in [0, 2], got 3');
  });
});
