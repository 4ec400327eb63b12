// Products: values worked by hand or by a plain triple loop, NumPy's dtype and shape rules, the BLAS path
// (transposed and strided views, float32, complex) against the loop, derivatives against finite differences
// to second order, and bad shapes.
import { describe, expect, it } from 'vitest';
import { grad, hessian, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { GEMM_MIN_WORK } from '../../core/ops/products.js';
import { rng } from '../helpers/fd.js';
import { arr, call, close, fd, seq, throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** C = A·B by a plain loop over nested JS arrays (complex entries as {re, im}). */
function loopMatmul(A: any[][], B: any[][]): any[][] {
  const c = (v: any) => (typeof v === 'number' ? { re: v, im: 0 } : v);
  const complex = typeof A[0][0] === 'object' || typeof B[0][0] === 'object';
  return A.map((row) => B[0].map((_, j) => {
    let re = 0, im = 0;
    row.forEach((a, k) => { const x = c(a), y = c(B[k][j]); re += x.re * y.re - x.im * y.im; im += x.re * y.im + x.im * y.re; });
    return complex ? { re, im } : re;
  }));
}

describe('forward values', () => {
  const A = arr([[1, 2, 3], [4, 5, 6]]), B = arr([[1, 0], [2, 1], [0, 3]]), v = arr([1, -1, 2]);
  const CASES: [string, () => any, unknown][] = [
    ['dot 1-d · 1-d', () => call('dot', [v, arr([3, 4, 5])]), 9],
    ['dot 2-d · 2-d', () => call('dot', [A, B]), [[5, 11], [14, 23]]],
    ['dot 2-d · 1-d', () => call('dot', [A, v]), [5, 11]],
    ['dot 1-d · 2-d', () => call('dot', [arr([1, 1]), A]), [5, 7, 9]],
    ['dot 0-d scales', () => call('dot', [2, A]), [[2, 4, 6], [8, 10, 12]]],
    // dot(a, b)[i, j, k] = Σ_m a[i, m]·b[j, m, k]
    ['dot n-d · m-d', () => call('dot', [A, arr([[[1, 0], [0, 1], [1, 1]], [[0, 0], [1, 0], [0, 2]]])]), [[[4, 5], [2, 6]], [[10, 11], [5, 12]]]],
    ['matmul', () => call('matmul', [A, B]), [[5, 11], [14, 23]]],
    ['matmul 1-d · 1-d', () => call('matmul', [v, v]), 6],
    ['matmul 1-d · batch', () => call('matmul', [arr([1, 2]), seq(2, 2, 3)]), [[6, 9, 12], [24, 27, 30]]],
    ['tensordot axes 1', () => call('tensordot', [A, B], { axes: 1 }), [[5, 11], [14, 23]]],
    ['tensordot axes 2', () => call('tensordot', [A, arr([[1, 0, 0], [0, 0, 1]])]), 7],
    ['tensordot axes 0 is outer', () => call('tensordot', [arr([1, 2]), arr([3, 4])], { axes: 0 }), [[3, 4], [6, 8]]],
    ['tensordot axes pairs', () => call('tensordot', [A, B], { axes: [[0, 1], [1, 0]] }), 1 * 1 + 2 * 2 + 3 * 0 + 4 * 0 + 5 * 1 + 6 * 3],
    ['inner', () => call('inner', [A, arr([[1, 0, 0], [1, 1, 1]])]), [[1, 6], [4, 15]]],
    ['outer flattens', () => call('outer', [arr([[1, 2]]), arr([3, 4, 5])]), [[3, 4, 5], [6, 8, 10]]],
    ['vdot conjugates its first operand', () => call('vdot', [arr([{ re: 1, im: 2 }, { re: 0, im: 1 }]), arr([{ re: 3, im: 0 }, { re: 1, im: 1 }])]), { re: 4, im: -7 }],
    ['vdot flattens', () => call('vdot', [A, arr([1, 1, 1, 1, 1, 1])]), 21],
    ['kron', () => call('kron', [arr([[1, 2], [3, 4]]), arr([[0, 1], [1, 0]])]), [[0, 1, 0, 2], [1, 0, 2, 0], [0, 3, 0, 4], [3, 0, 4, 0]]],
    ['kron pads dimensions', () => call('kron', [arr([1, 10]), arr([[1], [2]])]), [[1, 10], [2, 20]]],
    ['cross', () => call('cross', [arr([1, 2, 3]), arr([4, 5, 6])]), [-3, 6, -3]],
    ['cross 2-d vectors give z', () => call('cross', [arr([[1, 2], [3, 4]]), arr([5, 6])]), [-4, -2]],
    ['cross 2 × 3', () => call('cross', [arr([1, 2]), arr([4, 5, 6])]), [12, -6, -3]],
    ['cross broadcasts and moves axes', () => call('cross', [arr([[1, 0], [0, 1], [0, 0]]), arr([0, 0, 1])], { axisa: 0, axisc: 0 }), [[0, 1], [-1, 0], [0, 0]]],
    ['einsum ii->i', () => np.einsum('ii->i', seq(3, 3)), [0, 4, 8]],
    ['einsum ii (trace)', () => np.einsum('ii', seq(3, 3)), 12],
    ['einsum implicit output is sorted', () => np.einsum('ba', seq(2, 3)).shape, [3, 2]],
    ['einsum implicit matmul', () => np.einsum('ij,jk', A, B), [[5, 11], [14, 23]]],
    ['einsum ellipsis broadcasts', () => np.einsum('...ij,...jk->...ik', seq(2, 1, 2), seq(1, 2, 1)), [[[1]], [[3]]]],
    ['einsum three operands', () => np.einsum('i,ij,j->', arr([1, 2]), A, v), 1 * 5 + 2 * 11],
    ['einsum sums a label only one operand has', () => np.einsum('ij,k->k', A, arr([1, 2])), [21, 42]],
    ['einsum diagonal inside a product', () => np.einsum('iij,j->i', seq(2, 2, 2), arr([1, 10])), [10, 76]],
    ['einsum 0-d operand', () => np.einsum(',i->i', 3, arr([1, 2])), [3, 6]],
  ];
  for (const [name, f, want] of CASES) it(name, () => close(f(), want));

  it('batched matmul broadcasts batch dimensions', () => {
    const a = seq(2, 1, 2, 3), b = seq(3, 3, 2), out = call('matmul', [a, b]);
    expect(out.shape).toEqual([2, 3, 2, 2]);
    const av = a.toArray() as any, bv = b.toArray() as any;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) close(out.toArray()[i][j], loopMatmul(av[i][0], bv[j]));
  });

  it('result dtypes follow NumPy', () => {
    const f32 = arr([[1, 2], [3, 4]], 'float32');
    expect(call('dot', [f32, f32]).dtype).toBe('float32');
    expect(call('matmul', [f32, arr([1, 2], 'float32')]).dtype).toBe('float32');
    expect(call('dot', [f32, 2.5]).dtype).toBe('float32');
    expect(call('dot', [f32, arr([1, 2])]).dtype).toBe('float64');
    const ints = arr([[1, 2], [3, 4]], 'int64');
    const p = call('matmul', [ints, ints]);
    expect(p.dtype).toBe('int64');
    close(p, [[7, 10], [15, 22]]);
    expect(call('dot', [arr([true, false]), arr([true, true])]).toArray()).toBe(true);
    expect(call('einsum', [arr([1, 2], 'int32')], { subscripts: 'i->' }).dtype).toBe('int32');
    expect(call('dot', [arr([{ re: 0, im: 1 }]), arr([2])]).dtype).toBe('complex128');
  });
});

describe('BLAS path against a plain loop', () => {
  const r = rng(7);
  const rand = (m: number, n: number, dtype = 'float64') => NDArray.fromData(Array.from({ length: m * n * (dtype === 'complex128' ? 2 : 1) }, () => r() - 0.5), [m, n], dtype as any);
  const big = Math.ceil(Math.cbrt(GEMM_MIN_WORK)) + 7;

  it('row-major, transposed and strided operands', () => {
    const a = rand(big, big + 3), b = rand(big + 3, big - 2), at = call('transpose', [rand(big + 3, big)]);
    close(call('matmul', [a, b]), loopMatmul(a.toArray() as any, b.toArray() as any), 1e-12);
    close(call('matmul', [at, b]), loopMatmul(at.toArray() as any, b.toArray() as any), 1e-12);
    close(call('matmul', [a, call('transpose', [rand(big - 2, big + 3)])]).shape, [big, big - 2]);
    const every2 = call('getitem', [rand(big, 2 * (big + 3))], { index: [{ slice: [null, null, null] }, { slice: [null, null, 2] }] });
    close(call('matmul', [every2, b]), loopMatmul(every2.toArray() as any, b.toArray() as any), 1e-12);
  });

  it('float32 and complex128', () => {
    const a = rand(big, big, 'float32'), b = rand(big, big, 'float32'), p = call('matmul', [a, b]);
    expect(p.dtype).toBe('float32');
    close(p, loopMatmul(a.toArray() as any, b.toArray() as any), 1e-5);
    const c = rand(big, big, 'complex128'), d = rand(big, big, 'complex128');
    close(call('matmul', [c, call('transpose', [d])]), loopMatmul(c.toArray() as any, call('transpose', [d]).toArray()), 1e-12);
  });

  it('batched with a broadcast operand', () => {
    const a = NDArray.fromData(Array.from({ length: 3 * big * big }, () => r()), [3, big, big]), b = rand(big, big);
    const out = call('matmul', [a, b]).toArray();
    for (let i = 0; i < 3; i++) close(out[i], loopMatmul((a.toArray() as any)[i], b.toArray() as any), 1e-12);
  });
});

describe('derivatives', () => {
  const cases: [string, (...a: any[]) => unknown, number[][], ('float64' | 'complex128')?][] = [
    ['dot 2-d · 1-d', (a, b) => call('dot', [a, b]), [[2, 3], [3]]],
    ['dot n-d · m-d', (a, b) => call('dot', [a, b]), [[2, 3], [2, 3, 2]]],
    ['dot 0-d', (a, b) => call('dot', [a, b]), [[], [2, 2]]],
    ['dot complex', (a, b) => call('dot', [a, b]), [[2, 3], [3, 2]], 'complex128'],
    ['matmul batched broadcast', (a, b) => call('matmul', [a, b]), [[2, 1, 2, 3], [3, 3, 2]]],
    ['matmul 1-d · batch', (a, b) => call('matmul', [a, b]), [[3], [2, 3, 2]]],
    ['matmul batch · 1-d complex', (a, b) => call('matmul', [a, b]), [[2, 2, 3], [3]], 'complex128'],
    ['tensordot pairs', (a, b) => call('tensordot', [a, b], { axes: [[2, 0], [0, 1]] }), [[2, 3, 2], [2, 2, 3]]],
    ['inner', (a, b) => call('inner', [a, b]), [[2, 3], [4, 3]]],
    ['outer', (a, b) => call('outer', [a, b]), [[2, 2], [3]]],
    ['vdot complex', (a, b) => call('vdot', [a, b]), [[2, 2], [4]], 'complex128'],
    ['kron', (a, b) => call('kron', [a, b]), [[2], [2, 3]]],
    ['cross broadcast', (a, b) => call('cross', [a, b]), [[2, 3], [3]]],
    ['cross axes', (a, b) => call('cross', [a, b], { axisa: 0, axisb: 1, axisc: 0 }), [[3, 1, 2], [4, 3, 1]]],
    ['cross 2 × 2 broadcast', (a, b) => call('cross', [a, b]), [[3, 2], [2]]],
    ['cross 2 × 3 complex', (a, b) => call('cross', [a, b]), [[2], [2, 3]], 'complex128'],
    ['einsum ii->i', (a) => np.einsum('ii->i', a), [[3, 3]]],
    ['einsum ii', (a) => np.einsum('ii', a), [[3, 3]]],
    ['einsum iji,j->ij', (a, b) => np.einsum('iji,j->ij', a, b), [[2, 3, 2], [3]]],
    ['einsum sum-only label', (a, b) => np.einsum('ij,k->k', a, b), [[2, 3], [2]]],
    ['einsum ellipsis broadcast', (a, b) => np.einsum('...ij,...jk->...ik', a, b), [[2, 1, 2, 3], [3, 3, 2]]],
    ['einsum three operands complex', (a, b, c) => np.einsum('ij,j,i->', a, b, c), [[2, 3], [3], [2]], 'complex128'],
    ['einsum broadcast size-1 label', (a, b) => np.einsum('ij,ij->ij', a, b), [[2, 1], [2, 3]]],
    ['einsum elementwise complex', (a, b) => np.einsum('ij,ji->ij', a, b), [[2, 3], [3, 2]], 'complex128'],
  ];
  for (const [name, f, shapes, dtype] of cases) it(name, () => fd(name, f, shapes, dtype));

  it('einsum ii->i cotangent is diagonal (autograd gets this wrong)', () => {
    const [vjp] = makeVjp((a: any) => np.einsum('ii->i', a))(seq(3, 3));
    close(vjp(arr([1, 2, 3])), [[1, 0, 0], [0, 2, 0], [0, 0, 3]]);
  });

  it('grad of grad of sum(dot(A, x)³): Hessian 6·Aᵀ·diag(A·x)·A', () => {
    const A = arr([[1, 2], [0, -1], [3, 1]]), x = arr([0.5, -2]);
    const f = (y: any) => np.sum(np.power(np.dot(A, y), 3));
    const Ax = [1 * 0.5 + 2 * -2, 2, 3 * 0.5 - 2]; // [-3.5, 2, -0.5]
    close(grad(f)(x), [0, 1].map((j) => 3 * Ax.reduce((s, v, i) => s + (A.toArray() as any)[i][j] * v * v, 0)));
    const H = [0, 1].map((j) => [0, 1].map((k) => 6 * Ax.reduce((s, v, i) => s + (A.toArray() as any)[i][j] * v * (A.toArray() as any)[i][k], 0)));
    close(hessian(f)(x), H, 1e-10);
    close(hessian((B: any) => np.sum(np.power(np.matmul(B, x), 3)))(A).shape, [3, 2, 3, 2]);
  });
});

describe('bad shapes', () => {
  it('names the op and both shapes', () => {
    throwsCode(() => call('dot', [seq(2, 3), seq(2, 3)]), 'SHAPE_MISMATCH', /dot: shapes \[2, 3\] and \[2, 3\] are not aligned: dimension 1 of the first \(3\) != dimension 0 of the second \(2\)/);
    throwsCode(() => call('matmul', [seq(2, 3), seq(2)]), 'SHAPE_MISMATCH', /matmul: shapes \[2, 3\] and \[2\] are not aligned/);
    throwsCode(() => call('matmul', [seq(2, 2, 3), seq(3, 3, 1)]), 'SHAPE_MISMATCH', /matmul: operands with shapes \[2\], \[3\] cannot be broadcast/);
    throwsCode(() => call('matmul', [NDArray.scalar(1), seq(2)]), 'SHAPE_MISMATCH', /matmul: operand 0 is 0-d/);
    throwsCode(() => call('tensordot', [seq(2, 3), seq(2, 3)], { axes: 1 }), 'SHAPE_MISMATCH', /tensordot: shapes \[2, 3\] and \[2, 3\] are not aligned/);
    throwsCode(() => call('tensordot', [seq(2, 3), seq(2, 3)], { axes: 3 }), 'BAD_ATTRIBUTE', /tensordot: axes=3/);
    throwsCode(() => call('vdot', [seq(2), seq(3)]), 'SHAPE_MISMATCH', /vdot: operands of shapes \[2\] and \[3\] have different sizes/);
    throwsCode(() => call('cross', [seq(4), seq(3)]), 'SHAPE_MISMATCH', /cross: incompatible vector lengths 4/);
    throwsCode(() => np.einsum('ij,jk->ik', seq(2, 3), seq(2, 3)), 'SHAPE_MISMATCH', /einsum: subscript 'j' has size 3 and 2 in 'ij,jk->ik'/);
    throwsCode(() => np.einsum('ij->i', seq(3)), 'SHAPE_MISMATCH', /einsum: subscripts 'ij' name 2 dimensions for an operand of 1/);
    throwsCode(() => np.einsum('ii->i', seq(2, 3)), 'SHAPE_MISMATCH', /repeats subscript 'i' on dimensions of different sizes/);
    throwsCode(() => np.einsum('ij->k', seq(2, 3)), 'BAD_ATTRIBUTE', /output subscript 'k' .* appears in no input/);
    throwsCode(() => np.einsum('i,j', seq(2)), 'BAD_ARGUMENT', /name 2 operands, got 1/);
    throwsCode(() => np.einsum('i1', seq(2)), 'BAD_ATTRIBUTE', /invalid subscripts/);
  });
});
