// scipy.linalg: solve_triangular, solve_banded, solve_sylvester and sqrtm. Hand-worked values and reconstructions
// (op(A) x = b, A X + X B = Q, X² = A), the triangle and band the rules must respect, VJP and JVP against finite
// differences to second order (batched, complex), and bad input.
import { describe, expect, it } from 'vitest';
import { makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np, scipy } from '../../core/np.js';
import { nativeAvailable } from '../../native/index.js';
import { checkDerivatives, rng, seedOf } from '../helpers/fd.js';
import { arr, c, call, close, mm, rand, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** The dense n×n matrix of SciPy's band storage ab ((l+u+1)×n, ab[u + i − j, j] = A[i, j]). */
function dense(ab: number[][], l: number, u: number): number[][] {
  const n = ab[0].length;
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i - j <= l && j - i <= u ? ab[u + i - j][j] : 0)));
}

describe.skipIf(!nativeAvailable())('scipy.linalg', () => {
  describe('solve_triangular', () => {
    const L = arr([[2, 0], [1, 4]]);

    it('solves with the triangle it is told to read, op(a) = a, aᵀ or aᴴ, and a unit diagonal', () => {
      close(call('scipy.linalg.solve_triangular', [arr([[2, 99], [1, 4]]), arr([2, 9])], { lower: true }), [1, 2]);
      close(call('scipy.linalg.solve_triangular', [arr([[2, 1], [99, 4]]), arr([4, 8])]), [1, 2]);
      // Lᵀ x = b: [[2, 1], [0, 4]] x = [4, 8].
      close(call('scipy.linalg.solve_triangular', [L, arr([4, 8])], { lower: true, trans: 'T' }), [1, 2]);
      close(call('scipy.linalg.solve_triangular', [L, arr([4, 8])], { lower: true, trans: 1 }), [1, 2]);
      close(call('scipy.linalg.solve_triangular', [arr([[7, 0], [3, 7]]), arr([1, 5])], { lower: true, unit_diagonal: true }), [1, 2]);
      // Lᴴ x = b for L = [[i, 0], [1, 2]]: Lᴴ = [[−i, 1], [0, 2]].
      close(call('scipy.linalg.solve_triangular', [arr([[c(0, 1), 0], [1, 2]]), arr([1, 2])], { lower: true, trans: 'C' }), [c(0, 0), c(1, 0)]);
    });

    it('batches and broadcasts like linalg.solve; a 1-d b is a vector', () => {
      const a = rand('st a', [2, 3, 3], 'complex128', 3), b = rand('st b', [4, 1, 3, 2], 'complex128');
      const x = call('scipy.linalg.solve_triangular', [a, b], { lower: true });
      expect(x.shape).toEqual([4, 2, 3, 2]);
      close(mm(call('tril', [a]), x), call('broadcast_to', [b], { shape: [4, 2, 3, 2] }), 1e-12);
      expect(call('scipy.linalg.solve_triangular', [a, arr([1, 2, 3])]).shape).toEqual([2, 3]);
    });

    it('the cotangent of a is zero outside the triangle read (and on the diagonal when it is taken as ones)', () => {
      for (const [attrs, zero] of [[{ lower: true }, (i: number, j: number) => j > i], [{ lower: false, trans: 'T' }, (i: number, j: number) => j < i],
        [{ lower: true, unit_diagonal: true }, (i: number, j: number) => j >= i]] as const) {
        const [vjp] = makeVjp((a: any) => call('scipy.linalg.solve_triangular', [a, arr([1, 2, 3])], attrs))(rand('st vjp', [3, 3], 'float64', 3));
        const g = vjp(arr([1, -1, 2])).toArray() as number[][];
        g.forEach((r, i) => r.forEach((v, j) => expect(v === 0, `[${i}, ${j}]`).toBe(zero(i, j))));
      }
    });
  });

  describe('solve_banded', () => {
    const ab = [[0, 2, 3, 1], [4, 5, 6, 7], [1, 1, 2, 0]]; // l = u = 1: a tridiagonal 4×4

    it('agrees with the dense solve; the unused corners of ab are never read', () => {
      const b = arr([1, 2, 3, 4]), want = call('linalg.solve', [arr(dense(ab, 1, 1)), b]);
      close(call('scipy.linalg.solve_banded', [arr(ab), b], { l_and_u: [1, 1] }), want, 1e-12);
      const junk = ab.map((r) => [...r]);
      junk[0][0] = NaN;
      junk[2][3] = NaN;
      close(call('scipy.linalg.solve_banded', [arr(junk), b], { l_and_u: [1, 1] }), want, 1e-12);
    });

    it('l ≠ u, matrix right-hand sides, batches, complex', () => {
      const band = rand('sb ab', [2, 4, 5], 'complex128'), b = rand('sb b', [5, 3], 'complex128');
      for (let k = 0; k < 2; k++) for (let j = 0; j < 5; j++) band.data[2 * (k * 20 + 5 + j)] += 6; // the diagonal (row u = 1)
      const x = call('scipy.linalg.solve_banded', [band, b], { l_and_u: [2, 1] });
      expect(x.shape).toEqual([2, 5, 3]);
      for (let k = 0; k < 2; k++) {
        const rows = (call('getitem', [band], { index: [k] }).toArray() as any[][]);
        const A = Array.from({ length: 5 }, (_, i) => Array.from({ length: 5 }, (_, j) => (i - j <= 2 && j - i <= 1 ? rows[1 + i - j][j] : c(0, 0))));
        close(mm(arr(A), call('getitem', [x], { index: [k] })), b, 1e-12);
      }
    });

    it('the cotangent of ab is zero in the unused corners', () => {
      const [vjp] = makeVjp((a: any) => call('scipy.linalg.solve_banded', [a, arr([1, 2, 3, 4])], { l_and_u: [1, 1] }))(arr(ab));
      const g = vjp(arr([1, 1, 1, 1])).toArray() as number[][];
      expect(g[0][0] === 0 && g[2][3] === 0).toBe(true);
      expect(g.flat().filter((v) => v !== 0).length).toBe(10);
    });

    it("is called SciPy's way by the namespace: solveBanded(l_and_u, ab, b)", () => {
      const b = arr([1, 2, 3, 4]);
      close(scipy.linalg.solveBanded([1, 1], arr(ab), b), call('scipy.linalg.solve_banded', [arr(ab), b], { l_and_u: [1, 1] }));
    });
  });

  describe('solve_sylvester and sqrtm', () => {
    it('A X + X B = Q, batched and complex', () => {
      const a = rand('syl a', [2, 3, 3], 'complex128', 2), b = rand('syl b', [2, 2], 'complex128', 2), q = rand('syl q', [3, 2], 'complex128');
      const x = call('scipy.linalg.solve_sylvester', [a, b, q]);
      expect(x.shape).toEqual([2, 3, 2]);
      close(call('add', [mm(a, x), mm(x, b)]), call('broadcast_to', [q], { shape: [2, 3, 2] }), 1e-11);
      close(call('scipy.linalg.solve_sylvester', [arr([[1]]), arr([[2]]), arr([[6]])]), [[2]]);
    });

    it('sqrtm: the upper triangular root by hand, X² = A for non-normal and complex-pair matrices', () => {
      // [[2, b], [0, 3]]² = [[4, 5b], [0, 9]].
      close(call('scipy.linalg.sqrtm', [arr([[4, 1], [0, 9]])]), [[2, 0.2], [0, 3]], 1e-13);
      for (const [label, a] of [['pair', arr([[1, -2], [2, 1]])], ['random 5×5', rand('sqrtm', [5, 5], 'float64', 2.5)], ['batch', rand('sqrtm b', [3, 4, 4], 'float64', 3)]] as const) {
        const x = call('scipy.linalg.sqrtm', [a]);
        expect(x.dtype, label).toBe('float64');
        close(mm(x, x), a, 1e-10);
      }
      const z = rand('sqrtm z', [4, 4], 'complex128', 1), xz = call('scipy.linalg.sqrtm', [z]);
      close(mm(xz, xz), z, 1e-10);
    });

    it('sqrtm of a real matrix with a negative eigenvalue is complex (SciPy), the principal root', () => {
      close(call('scipy.linalg.sqrtm', [arr([[-4, 0], [0, 9]])]), [[c(0, 2), c(0, 0)], [c(0, 0), c(3, 0)]]);
      const a = call('stack', [arr([[4, 1], [0, 9]]), arr([[1, 2], [3, -1]])]), x = call('scipy.linalg.sqrtm', [a]);
      expect(x.dtype).toBe('complex128');
      close(mm(x, x), call('astype', [a], { dtype: 'complex128' }), 1e-12);
      close(call('getitem', [x], { index: [0] }), [[c(2, 0), c(0.2, 0)], [c(0, 0), c(3, 0)]], 1e-13);
    });

    it('sqrtm JVP: X dX + dX X = dA', () => {
      const a = rand('sqrtm jvp', [3, 3], 'float64', 3), t = rand('sqrtm t', [3, 3]);
      const [x, dx] = makeJvp((v: any) => call('scipy.linalg.sqrtm', [v]))(a)(t);
      close(call('add', [mm(x, dx), mm(dx, x)]), t, 1e-11);
    });
  });

  describe('finite differences, first and second order', () => {
    const fd = (label: string, f: (...a: any[]) => unknown, args: NDArray[]) => checkDerivatives(f, args, rng(seedOf(label)));
    for (const dt of ['float64', 'complex128'] as const) {
      const r = (label: string, shape: number[], shift = 0) => rand(`${label} ${dt}`, shape, dt, shift);
      it(`solve_triangular: every trans, lower and upper, unit diagonal, batched (${dt})`, () => {
        fd('st batch', (a, b) => call('scipy.linalg.solve_triangular', [a, b], { lower: true }), [r('st a', [2, 3, 3], 3), r('st b', [3, 2])]);
        for (const trans of [0, 'T', 'C']) for (const unit_diagonal of [false, true])
          fd(`st ${trans} ${unit_diagonal}`, (a, b) => call('scipy.linalg.solve_triangular', [a, b], { trans, unit_diagonal }), [r('st a1', [3, 3], 3), r('st v', [3])]);
      });
      it(`solve_banded: vector and batched matrix right-hand sides (${dt})`, () => {
        fd('sb v', (a, b) => call('scipy.linalg.solve_banded', [a, b], { l_and_u: [1, 2] }), [r('sb ab', [4, 5]), r('sb v', [5])]);
        fd('sb m', (a, b) => call('scipy.linalg.solve_banded', [a, b], { l_and_u: [2, 0] }), [r('sb ab2', [2, 3, 4]), r('sb m', [4, 2])]);
      });
      it(`solve_sylvester in all three arguments (${dt})`, () => {
        fd('syl', (a, b, q) => call('scipy.linalg.solve_sylvester', [a, b, q]), [r('syl a', [3, 3], 2), r('syl b', [2, 2, 2], 2), r('syl q', [3, 2])]);
      });
      it(`sqrtm, batched (${dt})`, () => fd('sqrtm', (a) => call('scipy.linalg.sqrtm', [a]), [r('sqrtm', [2, 3, 3], 4)]));
    }
  });

  describe('bad input', () => {
    it('shapes, attributes and singular matrices name the op', () => {
      const st = (a: unknown, b: unknown, attrs = {}) => () => call('scipy.linalg.solve_triangular', [a, b], attrs);
      throwsCode(st(NDArray.zeros([2, 3]), arr([1, 2])), 'SHAPE_MISMATCH', /^scipy\.linalg\.solve_triangular: a must be a square matrix.*\[2, 3\]/);
      throwsCode(st(np.eye(3), arr([1, 2])), 'SHAPE_MISMATCH', /^scipy\.linalg\.solve_triangular: b of shape \[2\]/);
      throwsCode(st(np.eye(2), arr([1, 2]), { trans: 'X' }), 'BAD_ATTRIBUTE', /trans must be/);
      throwsCode(st(arr([[1, 0], [1, 0]]), arr([1, 2]), { lower: true }), 'LINALG_ERROR', /^scipy\.linalg\.solve_triangular: singular matrix: a of shape \[2, 2\] has a zero pivot at diagonal 1$/);
      const sb = (ab: unknown, b: unknown, l_and_u: unknown) => () => call('scipy.linalg.solve_banded', [ab, b], { l_and_u });
      throwsCode(sb(NDArray.zeros([3, 4]), arr([1, 2, 3, 4]), [1]), 'BAD_ATTRIBUTE', /l_and_u must be a pair/);
      throwsCode(sb(NDArray.zeros([2, 4]), arr([1, 2, 3, 4]), [1, 1]), 'SHAPE_MISMATCH', /3 rows/);
      throwsCode(sb(NDArray.zeros([3, 4]), arr([1, 2, 3, 4]), [1, 1]), 'LINALG_ERROR', /^scipy\.linalg\.solve_banded: singular matrix/);
      throwsCode(() => call('scipy.linalg.solve_sylvester', [np.eye(3), np.eye(2), NDArray.zeros([2, 3])]), 'SHAPE_MISMATCH', /q must be \[\.\.\., 3, 2\]/);
      throwsCode(() => call('scipy.linalg.sqrtm', [NDArray.zeros([3])]), 'SHAPE_MISMATCH', /^scipy\.linalg\.sqrtm: a must be a square matrix/);
    });
  });
});
