// numpy.linalg: values worked by hand and reconstructions (A·inv(A) = I, L Lᴴ = A, V diag(w) V⁻¹ = A, U S Vh = A),
// gradients derived by hand, VJP and JVP against finite differences to second order (batched, complex), and
// bad input. The ops run on the native addon; without it they throw NATIVE_MISSING (last block).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { grad, makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { nativeAvailable } from '../../native/index.js';
import { checkDerivatives, rng, seedOf } from '../helpers/fd.js';
import { arr, c, call, close, mm, rand, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const mH = (x: unknown) => call('conj', [call('swapaxes', [x], { axis1: -1, axis2: -2 })]);
const abs2 = (x: unknown) => call('real', [call('multiply', [x, call('conj', [x])])]);

const eye = (n: number) => np.eye(n) as NDArray;

describe.skipIf(!nativeAvailable())('numpy.linalg', () => {
  describe('values', () => {
    const A = arr([[4, 7], [2, 6]]);

    it('inv: the 2×2 formula, a batch, and A·inv(A) = I for complex', () => {
      close(call('linalg.inv', [A]), [[0.6, -0.7], [-0.2, 0.4]]);
      close(call('linalg.inv', [call('stack', [A, call('multiply', [A, 2])])]), [[[0.6, -0.7], [-0.2, 0.4]], [[0.3, -0.35], [-0.1, 0.2]]]);
      const z = rand('inv z', [3, 3], 'complex128', 3);
      close(mm(z, call('linalg.inv', [z])), call('astype', [eye(3)], { dtype: 'complex128' }), 1e-12);
      expect(call('linalg.inv', [arr([[2]], 'float32')]).dtype).toBe('float32');
      close(call('linalg.inv', [arr([[2, 0], [0, 4]], 'int64')]), [[0.5, 0], [0, 0.25]]);
    });

    it('det and slogdet: ad − bc, triangular products, signs, singular and empty matrices', () => {
      close(call('linalg.det', [A]), 10);
      close(call('linalg.det', [arr([[2, 5, 1], [0, -3, 7], [0, 0, 0.5]])]), -3);
      close(call('linalg.det', [arr([[[1, 2], [3, 4]], [[0, 1], [1, 0]]])]), [-2, -1]);
      close(call('linalg.det', [arr([[c(1, 2), c(3, -1)], [c(0.5, 0.2), c(2, 1)]])]), c(-1.7, 4.9));
      close(call('linalg.det', [NDArray.zeros([0, 0])]), 1);
      close(call('linalg.slogdet', [arr([[0, 1], [1, 0]])]), [-1, 0]);
      close(call('linalg.slogdet', [arr([[3, 0], [0, -2]])]), [-1, Math.log(6)]);
      const [s, l] = call('linalg.slogdet', [arr([[1, 2], [2, 4]])]);
      expect([s.item(), l.item()]).toEqual([0, -Infinity]);
      close(call('linalg.slogdet', [arr([[c(0, 1), 0], [0, 2]])]), [c(0, 1), Math.log(2)]);
      expect(call('linalg.det', [arr([[1, 2], [2, 4]])]).item()).toBe(0);
    });

    it('solve: A x = b for a vector, a matrix and broadcast batches; NumPy 2 reads a 1-d b as a vector', () => {
      const a = rand('solve a', [2, 3, 3], 'float64', 3), b = rand('solve b', [3, 2]);
      const x = call('linalg.solve', [a, b]);
      expect(x.shape).toEqual([2, 3, 2]);
      close(mm(a, x), call('broadcast_to', [b], { shape: [2, 3, 2] }));
      const v = arr([1, 2, 3]), xv = call('linalg.solve', [a, v]);
      expect(xv.shape).toEqual([2, 3]);
      close(mm(a, call('reshape', [xv], { shape: [2, 3, 1] })), [[[1], [2], [3]], [[1], [2], [3]]]);
      close(call('linalg.solve', [A, arr([1, 2])]), [(6 - 14) / 10, (-2 + 8) / 10]);
      const z = rand('solve z', [3, 3], 'complex128', 3), bz = rand('solve bz', [4, 3, 1], 'complex128');
      close(mm(z, call('linalg.solve', [z, bz])), bz, 1e-12);
    });

    it('cholesky: the 2×2 factor, from the lower triangle only; complex L Lᴴ = A', () => {
      close(call('linalg.cholesky', [arr([[4, 2], [2, 3]])]), [[2, 0], [1, Math.SQRT2]]);
      close(call('linalg.cholesky', [arr([[4, 99], [2, 3]])]), [[2, 0], [1, Math.SQRT2]]);
      const x = rand('chol', [2, 3, 3], 'complex128'), h = call('add', [mm(x, mH(x)), eye(3)]);
      close(mm(call('linalg.cholesky', [h]), mH(call('linalg.cholesky', [h]))), h, 1e-12);
    });

    it('eigh: ascending eigenvalues, V diag(w) Vᴴ = A, the triangle named by UPLO', () => {
      const [w, v] = call('linalg.eigh', [arr([[2, 1], [1, 2]])]);
      close(w, [1, 3]);
      close(abs2(v), [[0.5, 0.5], [0.5, 0.5]]);
      close(call('linalg.eigh', [arr([[2, 1], [-50, 2]])], { UPLO: 'U' })[0], [1, 3]);
      const x = rand('eigh', [2, 3, 3], 'complex128'), h = call('add', [x, mH(x)]);
      const [wz, vz] = call('linalg.eigh', [h]);
      expect(wz.dtype).toBe('float64');
      close(mm(call('multiply', [vz, call('reshape', [wz], { shape: [2, 1, 3] })]), mH(vz)), h, 1e-12);
    });

    it("eig: real when all eigenvalues are (NumPy's value-dependent dtype), else complex128; A V = V diag(w)", () => {
      const [w, v] = call('linalg.eig', [arr([[2, 0], [1, 3]])]);
      expect([w.dtype, v.dtype]).toEqual(['float64', 'float64']);
      close([...(w.toArray() as number[])].sort(), [2, 3]);
      const [wr] = call('linalg.eig', [arr([[0, -1], [1, 0]])]);
      expect(wr.dtype).toBe('complex128');
      close((wr.toArray() as any[]).map((z) => z.im).sort(), [-1, 1]);
      close((wr.toArray() as any[]).map((z) => z.re), [0, 0]);
      // One matrix with a complex pair makes the whole batch complex.
      const batch = call('stack', [arr([[2, 0], [1, 3]]), arr([[0, -1], [1, 0]]), rand('eig pair', [2, 2])]);
      const [wb, vb] = call('linalg.eig', [batch]);
      expect(wb.dtype).toBe('complex128');
      close(mm(batch, vb), call('multiply', [vb, call('reshape', [wb], { shape: [3, 1, 2] })]), 1e-12);
      const z = rand('eig z', [3, 3], 'complex128'), [wz, vz] = call('linalg.eig', [z]);
      close(mm(z, vz), call('multiply', [vz, call('reshape', [wz], { shape: [1, 3] })]), 1e-12);
      close(call('sum', [abs2(vz)], { axis: 0 }), [1, 1, 1]);
    });

    it('svd: U diag(S) Vh = A thin and full, full factors unitary, compute_uv=false gives S alone', () => {
      close(call('linalg.svd', [arr([[3, 0], [0, -4]])], { compute_uv: false }), [4, 3]);
      for (const [m, n] of [[4, 2], [2, 4]]) {
        const a = rand(`svd ${m}x${n}`, [2, m, n], 'complex128'), k = Math.min(m, n);
        const [u, s, vh] = call('linalg.svd', [a], { full_matrices: false });
        expect([u.shape, s.shape, vh.shape]).toEqual([[2, m, k], [2, k], [2, k, n]]);
        close(mm(call('multiply', [u, call('reshape', [s], { shape: [2, 1, k] })]), vh), a, 1e-12);
        const [uf, sf, vhf] = call('linalg.svd', [a]);
        expect([uf.shape, vhf.shape]).toEqual([[2, m, m], [2, n, n]]);
        close(sf, s, 1e-12);
        close(mm(uf, mH(uf)), call('broadcast_to', [call('astype', [eye(m)], { dtype: 'complex128' })], { shape: [2, m, m] }), 1e-12);
        close(mm(vhf, mH(vhf)), call('broadcast_to', [call('astype', [eye(n)], { dtype: 'complex128' })], { shape: [2, n, n] }), 1e-12);
      }
    });

    it('pinv: Aᵀ/‖A‖² for rank one, (AᵀA)⁻¹Aᵀ for full column rank, small singular values dropped by rcond', () => {
      close(call('linalg.pinv', [arr([[1, 2], [2, 4]])]), [[1 / 25, 2 / 25], [2 / 25, 4 / 25]]);
      const a = rand('pinv', [4, 2]);
      close(call('linalg.pinv', [a]), mm(call('linalg.inv', [mm(call('transpose', [a]), a)]), call('transpose', [a])), 1e-12);
      close(call('linalg.pinv', [arr([[1, 0], [0, 1e-9]])], { rcond: 1e-6 }), [[1, 0], [0, 0]]);
    });

    it('norm: vector and matrix orders, axes, keepdims, complex', () => {
      const v = arr([3, -4]);
      const cases: [Record<string, unknown>, number][] = [
        [{}, 5], [{ ord: 1 }, 7], [{ ord: Infinity }, 4], [{ ord: -Infinity }, 3], [{ ord: 0 }, 2], [{ ord: 3 }, 91 ** (1 / 3)], [{ ord: -1 }, 12 / 7],
      ];
      for (const [attrs, want] of cases) close(call('linalg.norm', [v], attrs), want);
      const m = arr([[1, -2], [3, 4]]);
      // AᵀA = [[10, 10], [10, 20]]: σ² = 15 ± √125.
      const s1 = Math.sqrt(15 + Math.sqrt(125)), s2 = Math.sqrt(15 - Math.sqrt(125));
      const mcases: [Record<string, unknown>, number][] = [
        [{}, Math.sqrt(30)], [{ ord: 'fro' }, Math.sqrt(30)], [{ ord: 1 }, 6], [{ ord: -1 }, 4], [{ ord: 'inf' }, 7], [{ ord: -Infinity }, 3],
        [{ ord: 'nuc' }, s1 + s2], [{ ord: 2 }, s1], [{ ord: -2 }, s2],
      ];
      for (const [attrs, want] of mcases) close(call('linalg.norm', [m], attrs), want, 1e-12);
      const t = call('reshape', [arr([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])], { shape: [2, 3, 2] });
      const n = call('linalg.norm', [t], { axis: 1, keepdims: true });
      expect(n.shape).toEqual([2, 1, 2]);
      close(n, [[[Math.hypot(1, 3, 5), Math.hypot(2, 4, 6)]], [[Math.hypot(7, 9, 11), Math.hypot(8, 10, 12)]]]);
      // axis [rows, cols] = [2, 0], ord 1: the largest column sum, Σ over axis 2 then max over axis 0.
      close(call('linalg.norm', [t], { axis: [2, 0], ord: 1 }), [Math.max(1 + 2, 7 + 8), Math.max(3 + 4, 9 + 10), Math.max(5 + 6, 11 + 12)]);
      expect(call('linalg.norm', [t], { keepdims: true }).shape).toEqual([1, 1, 1]);
      close(call('linalg.norm', [arr([c(3, 4), 0])]), 5);
      expect(call('linalg.norm', [arr([1, 2], 'float32')]).dtype).toBe('float32');
    });
  });

  describe('gradients by hand', () => {
    const A = arr([[4, 7], [2, 6]]);

    it('d det = det·inv(A)ᵀ (the cofactor matrix); d log|det| = inv(A)ᵀ', () => {
      close(grad((a: any) => call('linalg.det', [a]))(A), [[6, -2], [-7, 4]]);
      close(grad((a: any) => call('linalg.slogdet', [a])[1])(A), [[0.6, -0.2], [-0.7, 0.4]]);
    });

    it('d inv = −inv·dA·inv, in both modes', () => {
      const dA = arr([[1, 2], [3, 4]]), inv = arr([[0.6, -0.7], [-0.2, 0.4]]);
      const want = call('negative', [mm(mm(inv, dA), inv)]);
      close(makeJvp((a: any) => call('linalg.inv', [a]))(A)(dA)[1], want);
      // ⟨G, d inv⟩ = ⟨vjp(G), dA⟩ for G = E₀₁.
      const [vjp] = makeVjp((a: any) => call('linalg.inv', [a]))(A);
      close(call('sum', [call('multiply', [vjp(arr([[0, 1], [0, 0]])), dA])]), want.toArray()[0][1]);
    });

    it("solve: d x = A⁻¹(db − dA x)", () => {
      const b = arr([1, 2]), x = call('linalg.solve', [A, b]), dA = arr([[0, 1], [1, 0]]), db = arr([1, -1]);
      const want = call('linalg.solve', [A, call('subtract', [db, mm(dA, x)])]);
      close(makeJvp((a: any, bb: any) => call('linalg.solve', [a, bb]), [0, 1])(A, b)([dA, db])[1], want);
    });

    it('eigh: the top eigenvalue of [[2, 1], [1, 2]] moves by v vᵀ, read from the lower triangle', () => {
      close(grad((a: any) => call('getitem', [call('linalg.eigh', [a])[0]], { index: [1] }))(arr([[2, 1], [1, 2]])), [[0.5, 0], [1, 0.5]]);
    });

    it("cholesky: L₀₀ = √A₀₀ and L₁₀ = A₁₀/√A₀₀, in autograd's symmetric form", () => {
      const [vjp] = makeVjp((a: any) => call('linalg.cholesky', [a]))(arr([[4, 2], [2, 3]]));
      close(vjp(arr([[1, 0], [0, 0]])), [[0.25, 0], [0, 0]]);
      close(vjp(arr([[0, 0], [1, 0]])), [[-0.125, 0.25], [0.25, 0]]);
    });

    it('norm: x/‖x‖ for 2, sign(x) for 1, the extreme entry for inf; ord 0 has none', () => {
      const x = arr([3, -4]);
      close(grad((v: any) => call('linalg.norm', [v]))(x), [0.6, -0.8]);
      close(grad((v: any) => call('linalg.norm', [v], { ord: 1 }))(x), [1, -1]);
      close(grad((v: any) => call('linalg.norm', [v], { ord: Infinity }))(x), [0, -1]);
      close(grad((v: any) => call('linalg.norm', [v], { ord: Infinity }))(arr([2, -2, 1])), [0.5, -0.5, 0]);
      close(makeJvp((v: any) => call('linalg.norm', [v], { ord: 0 }))(x)(arr([1, 1]))[1], 0);
    });
  });

  describe('finite differences, first and second order', () => {
    const fd = (label: string, f: (...a: any[]) => unknown, args: NDArray[]) => checkDerivatives(f, args, rng(seedOf(label)));
    const herm = (x: unknown) => call('add', [mm(x, mH(x)), eye(3)]);
    for (const dt of ['float64', 'complex128'] as const) {
      const r = (label: string, shape: number[], shift = 0) => rand(`${label} ${dt}`, shape, dt, shift);
      it(`inv, det, slogdet (${dt}, batched)`, () => {
        fd('inv', (a) => call('linalg.inv', [a]), [r('inv', [2, 3, 3], 3)]);
        fd('det', (a) => call('linalg.det', [a]), [r('det', [2, 3, 3], 1)]);
        fd('slogdet', (a) => call('linalg.slogdet', [a]), [r('slogdet', [2, 3, 3], 1)]);
      });
      it(`solve: vector, matrix and broadcast right-hand sides (${dt})`, () => {
        fd('solve v', (a, b) => call('linalg.solve', [a, b]), [r('solve a', [2, 3, 3], 3), r('solve v', [3])]);
        fd('solve m', (a, b) => call('linalg.solve', [a, b]), [r('solve a', [3, 3], 3), r('solve m', [2, 3, 2])]);
      });
      it(`cholesky of X Xᴴ + I (${dt}, batched)`, () => fd('cholesky', (x) => call('linalg.cholesky', [herm(x)]), [r('chol', [2, 3, 3])]));
      it(`eigh: eigenvalues and |V|², both triangles (${dt})`, () => {
        for (const UPLO of ['L', 'U']) fd(`eigh ${UPLO}`, (a) => { const [w, v] = call('linalg.eigh', [a], { UPLO }); return [w, abs2(v)]; }, [r('eigh', [2, 3, 3])]);
      });
      it(`eig: eigenvalues and |V|² (${dt})`, () => fd('eig', (a) => { const [w, v] = call('linalg.eig', [a]); return [w, abs2(v)]; }, [r('eig', [2, 3, 3])]));
      for (const [m, n] of [[3, 2], [2, 3], [3, 3]]) {
        it(`svd ${m}×${n}: thin, full (through the span of the extra vectors), singular values only; pinv (${dt})`, () => {
          fd('svd thin', (a) => { const [u, s, vh] = call('linalg.svd', [a], { full_matrices: false }); return [abs2(u), s, abs2(vh)]; }, [r('svd', [2, m, n])]);
          fd('svd s', (a) => call('linalg.svd', [a], { compute_uv: false }), [r('svd', [m, n])]);
          fd('svd full', (a) => {
            const [u, s, vh] = call('linalg.svd', [a]), k = Math.min(m, n);
            const u2 = call('getitem', [u], { index: ['...', { slice: [k, null, null] }] }), v2 = mH(call('getitem', [vh], { index: ['...', { slice: [k, null, null] }, { slice: [null, null, null] }] }));
            return [abs2(call('getitem', [u], { index: ['...', { slice: [0, k, null] }] })), s, abs2(call('getitem', [vh], { index: [{ slice: [0, k, null] }] })), mm(u2, mH(u2)), mm(v2, mH(v2))];
          }, [r('svd', [m, n])]);
          fd('pinv', (a) => call('linalg.pinv', [a]), [r('pinv', [2, m, n])]);
        });
      }
      it(`norm: every order, axes and keepdims (${dt})`, () => {
        for (const attrs of [{}, { ord: 'fro' }, { ord: 'nuc' }, { ord: 2 }, { ord: -2 }, { ord: 1 }, { ord: -1 }, { ord: Infinity }, { ord: -Infinity }, { axis: [1, 0], keepdims: true }])
          fd(`norm m ${JSON.stringify(attrs)}`, (a) => call('linalg.norm', [a], attrs), [r('norm m', [3, 4])]);
        for (const attrs of [{ axis: 1 }, { axis: 1, ord: 3 }, { axis: 0, ord: 1 }, { axis: -1, ord: -Infinity }, { axis: 1, ord: -1.5, keepdims: true }, { axis: [2, 0], ord: 'nuc' }, { axis: [2, 1], ord: -1 }])
          fd(`norm v ${JSON.stringify(attrs)}`, (a) => call('linalg.norm', [a], attrs), [r('norm v', [3, 4, 2])]);
      });
    }
  });

  describe('bad input', () => {
    it('non-square and non-matrix inputs name the op and the shape', () => {
      for (const op of ['linalg.inv', 'linalg.det', 'linalg.slogdet', 'linalg.cholesky', 'linalg.eigh', 'linalg.eig'])
        throwsCode(() => call(op, [NDArray.zeros([2, 3])]), 'SHAPE_MISMATCH', new RegExp(`^${op.replace('.', '\\.')}: .*square.*\\[2, 3\\]`));
      throwsCode(() => call('linalg.svd', [NDArray.zeros([3])]), 'SHAPE_MISMATCH', /linalg\.svd: .*\[3\]/);
      throwsCode(() => call('linalg.pinv', [NDArray.zeros([3])]), 'SHAPE_MISMATCH', /linalg\.pinv: .*\[3\]/);
    });

    it('singular and indefinite matrices are LINALG_ERRORs naming the op', () => {
      const s = arr([[1, 2], [2, 4]]);
      throwsCode(() => call('linalg.inv', [s]), 'LINALG_ERROR', /^linalg\.inv: singular matrix \(input of shape \[2, 2\]\)$/);
      throwsCode(() => call('linalg.solve', [s, arr([1, 1])]), 'LINALG_ERROR', /^linalg\.solve: singular matrix/);
      throwsCode(() => call('linalg.inv', [call('stack', [eye(2), s])]), 'LINALG_ERROR', /matrix 1 of the stack/);
      throwsCode(() => call('linalg.cholesky', [arr([[1, 0], [0, -1]])]), 'LINALG_ERROR', /^linalg\.cholesky: matrix is not positive definite/);
      throwsCode(() => grad((a: any) => call('linalg.det', [a]))(s), 'LINALG_ERROR', /linalg\.inv: singular/);
    });

    it('mismatched right-hand sides and batches', () => {
      throwsCode(() => call('linalg.solve', [eye(3), arr([1, 2])]), 'SHAPE_MISMATCH', /^linalg\.solve: b of shape \[2\] does not match a of shape \[3, 3\]/);
      throwsCode(() => call('linalg.solve', [NDArray.zeros([2, 3, 3]), NDArray.zeros([4, 3, 1])]), 'SHAPE_MISMATCH', /linalg\.solve.*\[2, 3, 3\].*\[4, 3, 1\]/);
    });

    it('bad attributes', () => {
      throwsCode(() => call('linalg.eigh', [eye(2)], { UPLO: 'X' }), 'BAD_ATTRIBUTE', /UPLO/);
      throwsCode(() => call('linalg.norm', [arr([1, 2])], { ord: 'fro' }), 'BAD_ATTRIBUTE', /'fro' is a matrix norm/);
      throwsCode(() => call('linalg.norm', [eye(2)], { ord: 3 }), 'BAD_ATTRIBUTE', /invalid norm order 3 for matrices/);
      throwsCode(() => call('linalg.norm', [NDArray.zeros([2, 2, 2])], { ord: 2 }), 'SHAPE_MISMATCH', /1-d or 2-d/);
      throwsCode(() => call('linalg.norm', [eye(2)], { axis: [0, 0] }), 'BAD_ATTRIBUTE', /duplicate axes/);
    });

    it('a NaN in the input gives NaN out', () => {
      expect((call('linalg.inv', [arr([[1, NaN], [0, 1]])]).toArray() as number[][]).flat().every(Number.isNaN)).toBe(true);
    });
  });
});

describe('numpy.linalg without the native addon', () => {
  it('throws the loader\'s NATIVE_MISSING error (no JS fallback)', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const source = `import { callOp } from ${JSON.stringify(new URL('../../core/np.ts', import.meta.url).href)};\n` +
      `import { NDArray } from ${JSON.stringify(new URL('../../core/ndarray.ts', import.meta.url).href)};\n` +
      "try { callOp('linalg.inv', [NDArray.fromData([2], [1, 1])]); console.log('no error'); } catch (e) { console.log(e.code); }";
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      cwd: root, encoding: 'utf8', env: { ...process.env, GRADD_NATIVE_PATH: '/nonexistent/gradd_native.node' },
    });
    expect(out.stdout.trim()).toBe('NATIVE_MISSING');
  });
});
