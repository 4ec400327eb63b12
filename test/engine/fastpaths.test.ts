// The engine's fast paths, each on both sides of its size threshold: native broadcasting and sums, fused unary VJPs
// (and the catalog-op rule they stand in for when traced), uninitialised outputs, the direct vector/matrix products,
// the batched Jacobian (and its fallback), flatten's split, and Adam's native update. References are plain JS loops,
// analytic derivatives or finite differences.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { BATCHED_JACOBIAN_MIN, grad, hessianVectorProduct, jacobian } from '../../core/differential.js';
import { flatten } from '../../core/flatten.js';
import { defvjp, primitive } from '../../core/primitive.js';
import { OUTPUT_UNINIT_MIN } from '../../core/kernels.js';
import { fitCotangent, withBatchedCotangents } from '../../core/tracer.js';
import { NATIVE_MIN_BINARY, NATIVE_MIN_SUM, NATIVE_MIN_UNARY } from '../../core/native.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { adam } from '../../core/optimizers.js';
import { GEMM_MIN_WORK } from '../../core/ops/products.js';
import { checkDerivatives, rng } from '../helpers/fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const r = rng(11);
const rand = (shape: number[], dtype = 'float64') => NDArray.fromData(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1), shape, dtype as any);
const values = (x: any) => Array.from((x as NDArray).values());
/** x's element at a C-order multi-index, read through its strides. */
const at = (x: NDArray, idx: number[]) => x.data[idx.reduce((o, i, d) => o + i * x.strides[d], x.offset)];
const close = (got: ArrayLike<number>, want: ArrayLike<number>, rtol: number, what = '') => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= rtol * (1 + Math.abs(want[i])))) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
};
/** Every C-order multi-index of a shape. */
const indices = (shape: number[]): number[][] =>
  shape.reduce<number[][]>((acc, n) => acc.flatMap((p) => Array.from({ length: n }, (_, i) => [...p, i])), [[]]);

describe('broadcasting binary ops (native from NATIVE_MIN_BINARY elements)', () => {
  // [out shape, a shape, b shape, transpose a]: row and column broadcasts, outer products, transposed operands, 3-D.
  const layouts = (n: number): [number[], number[], boolean][] => [
    [[n, 3], [3], false], [[n, 3], [n, 1], false], [[n, 1], [3], false], [[3, n], [3, n], true], [[2, 3, n], [3, 1], false],
  ];
  for (const total of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY, NATIVE_MIN_BINARY + 1])
    it(`match a JS loop for ${total}-element results`, () => {
      for (const [shapeA, shapeB, transposeA] of layouts(Math.ceil(total / 3))) {
        const a0 = rand(transposeA ? [...shapeA].reverse() : shapeA), a = transposeA ? np.transpose(a0) as NDArray : a0, b = rand(shapeB);
        const out = np.subtract(a, b) as NDArray, shape = [...out.shape];
        const lead = (s: readonly number[]) => shape.length - s.length;
        const pick = (x: NDArray, idx: number[]) => at(x, idx.slice(lead(x.shape)).map((i, d) => (x.shape[d] === 1 ? 0 : i)));
        close(values(out), indices(shape).map((idx) => pick(a, idx) - pick(b, idx)), 0, `${shapeA} - ${shapeB}${transposeA ? ' (a transposed)' : ''}`);
      }
    });

  it('read a broadcast of one element of a longer array as that element (one loop of stride 0 over a window)', () => {
    for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY, 4 * NATIVE_MIN_BINARY]) {
      const long = rand([n]), y = rand([n]), at3 = long.data[3];
      for (const index of [[3], [{ slice: [3, 4, null] }]]) {
        const b = callOp('broadcast_to', [callOp('getitem', [long], { index })], { shape: [n] }) as NDArray;
        expect(b.isContiguous).toBe(false);
        close(values(np.add(b, y) as NDArray), values(y).map((v) => at3 + v), 0, `${n}: add ${JSON.stringify(index)}`);
        close(values(np.subtract(y, b) as NDArray), values(y).map((v) => v - at3), 0, `${n}: subtract`);
        close(values(np.greater(b, y) as NDArray), values(y).map((v) => +(at3 > v)), 0, `${n}: greater`);
        close(values(np.where(np.greater(y, 0), b, y) as NDArray), values(y).map((v) => (v > 0 ? at3 : v)), 0, `${n}: where`);
      }
    }
  });

  it('give float32 results when a float32 array meets a JS number, as NumPy (the number is cast)', () => {
    const x = rand([NATIVE_MIN_BINARY], 'float32'), y = np.multiply(x, 1.1) as NDArray;
    expect(y.dtype).toBe('float32');
    close(values(y), values(x).map((v) => Math.fround(v * Math.fround(1.1))), 1e-7);
  });
});

describe('sum (native from NATIVE_MIN_SUM elements)', () => {
  const naive = (x: NDArray, axes: number[]) => {
    const kept = x.shape.map((n, d) => (axes.includes(d) ? 1 : n)), out = new Float64Array(kept.reduce((a, b) => a * b, 1));
    for (const idx of indices([...x.shape])) out[idx.reduce((o, i, d) => o * kept[d] + (axes.includes(d) ? 0 : i), 0)] += at(x, idx);
    return Array.from(out);
  };
  for (const n of [NATIVE_MIN_SUM - 1, NATIVE_MIN_SUM])
    it(`sums over any axes of ${n}-element arrays, strided or not, float64, float32 and int32`, () => {
      for (const dtype of ['float64', 'float32', 'int32']) {
        const x0 = rand([2, Math.ceil(n / 6), 3], dtype), x = dtype === 'int32' ? np.multiply(x0, 10) as NDArray : x0;
        for (const [axes, view] of [[[0, 1, 2], x], [[1], x], [[0, 2], x], [[2], x], [[0], np.transpose(x) as NDArray]] as [number[], NDArray][]) {
          const s = np.sum(view, { axis: axes }) as NDArray;
          expect(s.dtype).toBe(dtype === 'int32' ? 'int64' : dtype);
          close(values(s), naive(view, axes), dtype === 'float32' ? 1e-5 : 1e-12, `${dtype} axes ${axes}`);
        }
      }
    });

  it('sums complex arrays and real ones into complex', () => {
    const z = NDArray.fromData(Array.from({ length: 2 * 300 }, (_, i) => i % 7), [100, 3], 'complex128');
    const s = np.sum(z, { axis: 0 }) as NDArray;
    expect(s.toArray()).toEqual([0, 1, 2].map((c) => {
      let re = 0, im = 0;
      for (let i = 0; i < 100; i++) { re += (2 * (3 * i + c)) % 7; im += (2 * (3 * i + c) + 1) % 7; }
      return { re, im };
    }));
  });
});

describe('native unary ops and fused unary VJPs (native from NATIVE_MIN_UNARY elements; catalog ops when traced)', () => {
  const cases: [string, (x: number) => number, (x: number) => number, number, number][] = [
    ['tanh', (x) => 1 - Math.tanh(x) ** 2, (x) => -2 * Math.tanh(x) * (1 - Math.tanh(x) ** 2), -3, 3],
    ['sin', Math.cos, (x) => -Math.sin(x), -3, 3],
    ['log', (x) => 1 / x, (x) => -1 / x ** 2, 0.5, 3],
    ['sqrt', (x) => 0.5 / Math.sqrt(x), (x) => -0.25 * x ** -1.5, 0.5, 3],
    ['reciprocal', (x) => -1 / x ** 2, (x) => 2 / x ** 3, 0.5, 3],
    ['log2', (x) => 1 / (x * Math.LN2), (x) => -1 / (x * x * Math.LN2), 0.5, 3],
    ['log10', (x) => 1 / (x * Math.LN10), (x) => -1 / (x * x * Math.LN10), 0.5, 3],
    ['exp2', (x) => Math.LN2 * 2 ** x, (x) => Math.LN2 ** 2 * 2 ** x, -3, 3],
    ['abs', Math.sign, () => 0, -3, 2.9],
  ];
  for (const n of [NATIVE_MIN_UNARY - 1, NATIVE_MIN_UNARY])
    it(`give f' and f'' (grad of grad) on ${n} elements, float64 and float32`, () => {
      for (const [name, d1, d2, lo, hi] of cases) {
        for (const dtype of ['float64', 'float32']) {
          const x = NDArray.fromData(Array.from({ length: n }, (_, i) => lo + ((hi - lo) * (i + 0.5)) / n), [n], dtype as any);
          const f = (v: any) => np.sum(callOp(name, [v]));
          const tol = dtype === 'float32' ? 1e-5 : 1e-12;
          close(values(grad(f)(x)), values(x).map(d1), tol, `${name} ${dtype} f'`);
          close(values(grad((v: any) => np.sum(grad(f)(v)))(x)), values(x).map(d2), dtype === 'float32' ? 1e-4 : 1e-10, `${name} ${dtype} f''`);
        }
      }
    });

  it('take a broadcast cotangent (the VJP of sum) as one value', () => {
    const x = rand([NATIVE_MIN_UNARY * 2]);
    close(values(grad((v: any) => np.multiply(3, np.sum(np.tanh(v))))(x)), values(x).map((v) => 3 * (1 - Math.tanh(v) ** 2)), 1e-14);
  });
});

describe('uninitialised outputs from OUTPUT_UNINIT_MIN elements', () => {
  for (const n of [OUTPUT_UNINIT_MIN - 1, OUTPUT_UNINIT_MIN])
    it(`write every element of ${n}-element results`, () => {
      const x = rand([n]), y = rand([n]), yv = values(y);
      close(values(np.add(x, y)), values(x).map((v, i) => v + yv[i]), 0);
      close(values(np.exp(x)), values(x).map(Math.exp), 1e-15);
      close(values(grad((v: any) => np.sum(np.tanh(v)))(x)), values(x).map((v) => 1 - Math.tanh(v) ** 2), 1e-14);
    });
});

describe('dot and matmul of vectors and matrices (no einsum plan)', () => {
  const shapes: [number[], number[]][] = [[[3, 4], [4, 5]], [[3, 4], [4]], [[4], [4, 5]], [[4], [4]], [[10, 10], [10, 10]], [[9, 10], [10, 11]], [[1, 1], [1, 1]]];
  it('agree with einsum, on transposed views, ints and complex; both sides of GEMM_MIN_WORK', () => {
    expect(10 * 10 * 10).toBe(GEMM_MIN_WORK); // [10,10]@[10,10] is the first size BLAS takes
    for (const [sa, sb] of shapes) {
      const sub = `${sa.length === 2 ? 'ij' : 'j'},${sb.length === 2 ? 'jk' : 'j'}->${sa.length === 2 ? 'i' : ''}${sb.length === 2 ? 'k' : ''}`;
      const a = rand(sa), b = rand(sb);
      for (const op of ['dot', 'matmul']) close(values(callOp(op, [a, b])), values(np.einsum(sub, a, b)), 1e-14, `${op} ${sa} ${sb}`);
      if (sa.length === 2) {
        const at = np.transpose(rand([...sa].reverse())) as NDArray;
        close(values(np.matmul(at, b)), values(np.einsum(sub, at, b)), 1e-14, `transposed ${sa} ${sb}`);
      }
      const ai = np.astype(np.multiply(a, 10), 'int64'), bi = np.astype(np.multiply(b, 10), 'int64'), p = np.matmul(ai, bi) as NDArray;
      expect(p.dtype).toBe('int64');
      expect(values(p)).toEqual(values(np.einsum(sub, ai, bi)));
    }
    const z = NDArray.fromData([1, 2, 3, -1, 0.5, 0, 2, 1], [2, 2], 'complex128');
    expect((np.matmul(z, z) as NDArray).toArray()).toEqual((np.einsum('ij,jk->ik', z, z) as NDArray).toArray());
  });

  it('differentiate to second order in both modes', () => {
    for (const [sa, sb] of shapes.slice(0, 4)) checkDerivatives((a: any, b: any) => np.matmul(a, b), [rand(sa), rand(sb)], r);
  });
});

describe('jacobian in one batched pass', () => {
  const W = rand([20, 20]), x = rand([20]);
  const tanhDiag = (y: number[]) => values(W).map((w, k) => (1 - y[Math.floor(k / 20)] ** 2) * w);

  it('pushes every basis cotangent through one backward pass when the rules keep a batch axis (f runs once)', () => {
    let calls = 0;
    const f = (v: any) => { calls++; return np.tanh(np.matmul(W, v)); };
    const J = jacobian(f)(x) as NDArray;
    expect(calls).toBe(1);
    close(values(J), tanhDiag(values(np.tanh(np.matmul(W, x)))), 1e-14);
    // Through sum and reshape, whose rules keep the batch axes in front: v·Σv (J = Σv·I + v1ᵀ) and a reshaped output.
    const xv = values(x), s = xv.reduce((a, b) => a + b, 0);
    const K = jacobian((v: any) => { calls++; return np.multiply(v, np.sum(v)); })(x) as NDArray;
    expect(calls).toBe(2);
    close(values(K), values(K).map((_, k) => (Math.floor(k / 20) === k % 20 ? s : 0) + xv[Math.floor(k / 20)]), 1e-14);
    const R = jacobian((v: any) => { calls++; return np.reshape(np.tanh(np.matmul(W, v)), [4, 5]); })(x) as NDArray;
    expect(calls).toBe(3);
    expect(R.shape).toEqual([4, 5, 20]);
    close(values(R), tanhDiag(values(np.tanh(np.matmul(W, x)))), 1e-14);
  });

  it('sums a batched cotangent over the broadcast axes after the batch axis, never over the batch axis', () => {
    const g = NDArray.fromData(Array.from({ length: 24 }, (_, k) => k), [2, 3, 4]); // batch 2
    const toRow = withBatchedCotangents([2], () => fitCotangent(g, NDArray.zeros([1, 4]))) as NDArray;
    expect(toRow.shape).toEqual([2, 1, 4]);
    expect(values(toRow)).toEqual([12, 15, 18, 21, 48, 51, 54, 57]);
    const toScalar = withBatchedCotangents([2], () => fitCotangent(g, NDArray.zeros([]))) as NDArray;
    expect(values(toScalar)).toEqual([66, 210]);
    expect(() => withBatchedCotangents([3], () => fitCotangent(g, NDArray.zeros([4])))).toThrow(/batched cotangent of shape \[2, 3, 4\]/);
  });

  it('stacks copies as a trailing axis when a rule drops the batch axis, as a leading one for x@Wᵀ', () => {
    // sin with a rule that reshapes its cotangent to x's shape (no batch axis): the batched backward pass fails.
    const mySin = primitive((v: any) => np.sin(v), 'mySin');
    defvjp(mySin, (_ans: any, v: any) => (g: any) => np.reshape(np.multiply(g, np.cos(v)), v.shape));
    let calls = 0;
    const J = jacobian((v: any) => { calls++; return np.matmul(W, mySin(v)); })(x) as NDArray, xv = values(x);
    expect(J.shape).toEqual([20, 20]);
    expect(calls).toBeGreaterThan(1);
    close(values(J), values(W).map((w, k) => w * Math.cos(xv[k % 20])), 1e-14);
    // Through matmul(v, Wᵀ), batched cotangents come out as Jᵀ (matmul(Wᵀ, g) contracts the batch axis): the random
    // check rejects them, and the stacked copies give J.
    const K = jacobian((v: any) => np.tanh(np.matmul(v, np.transpose(W))))(x) as NDArray;
    close(values(K), tanhDiag(values(np.tanh(np.matmul(W, x)))), 1e-14);
  });

  it('falls back to one VJP per row when a rule drops the batch axis and the function mixes stacked copies', () => {
    // v·mean(v): mean's rule drops the batch axis, and stacked copies would be averaged together. J = μ·I + v 1ᵀ/20.
    const xv = values(x), mu = xv.reduce((a, b) => a + b, 0) / 20;
    const J = jacobian((v: any) => np.multiply(v, np.mean(v)))(x) as NDArray;
    close(values(J), values(J).map((_, k) => (Math.floor(k / 20) === k % 20 ? mu : 0) + xv[Math.floor(k / 20)] / 20), 1e-14);
    // v − max over axis 0: copies stacked on a leading axis share the max, on a trailing one the shapes disagree.
    const M = jacobian((v: any) => np.subtract(v, np.max(v, { axis: 0 })))(x) as NDArray, am = xv.indexOf(Math.max(...xv));
    close(values(M), values(M).map((_, k) => (Math.floor(k / 20) === k % 20 ? 1 : 0) - (k % 20 === am ? 1 : 0)), 0);
  });

  it('agrees with the row loop just below and at BATCHED_JACOBIAN_MIN outputs, float64 and float32', () => {
    for (const m of [BATCHED_JACOBIAN_MIN - 1, BATCHED_JACOBIAN_MIN]) {
      for (const dtype of ['float64', 'float32']) {
        const A = rand([m, 5], dtype), v = rand([5], dtype);
        const J = jacobian((u: any) => np.sin(np.matmul(A, u)))(v) as NDArray, y = values(np.matmul(A, v));
        expect(J.dtype).toBe(dtype);
        close(values(J), values(A).map((a, k) => Math.cos(y[Math.floor(k / 5)]) * a), dtype === 'float32' ? 1e-6 : 1e-14, `${m} ${dtype}`);
      }
    }
  });
});

describe('flatten and Adam', () => {
  it('differentiate twice through unflatten (one split op)', () => {
    const params = [{ W: rand([3, 4]), b: rand([4]) }, { W: rand([4, 2]), b: rand([2]) }], X = rand([5, 3]);
    const [theta, unflatten] = flatten(params);
    const loss = (t: any) => {
      const [p, q] = unflatten(t);
      return np.sum(np.square(np.add(np.matmul(np.tanh(np.add(np.matmul(X, p.W), p.b)), q.W), q.b)));
    };
    const v = rand([theta.size]), h = 1e-6;
    const plus = values(grad(loss)(np.add(theta, np.multiply(v, h)))), minus = values(grad(loss)(np.subtract(theta, np.multiply(v, h))));
    close(values(hessianVectorProduct(loss)(theta, v)), plus.map((p, i) => (p - minus[i]) / (2 * h)), 1e-6);
  });

  it('updates natively as autograd\'s formula in JS, for vectors longer and shorter than NATIVE_MIN_UNARY', () => {
    for (const n of [NATIVE_MIN_UNARY - 1, 4000]) {
      const x0 = rand([n]), target = rand([n]), gradFn = (x: any) => np.subtract(x, target);
      const got = adam(gradFn, x0, { numIters: 3, stepSize: 0.1 }) as NDArray;
      const x = Float64Array.from(values(x0)), m = new Float64Array(n), v = new Float64Array(n), t = values(target);
      for (let i = 0; i < 3; i++) {
        const c1 = 1 - 0.9 ** (i + 1), c2 = 1 - 0.999 ** (i + 1);
        for (let j = 0; j < n; j++) {
          const g = x[j] - t[j];
          m[j] = (1 - 0.9) * g + 0.9 * m[j];
          v[j] = (1 - 0.999) * g ** 2 + 0.999 * v[j];
          x[j] = x[j] - (0.1 * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + 1e-8);
        }
      }
      expect(values(got)).toEqual(Array.from(x));
    }
  });
});

describe('binary ops on one-element results (read straight from each operand\'s offset)', () => {
  const base = NDArray.fromData([1.5, -2, 3.25, 4, -0.5, 6], [2, 3]);
  // One-element operands as views: an indexed element (offset), a [1, 1] slice of a transpose (strides), a 0-d array,
  // and a JS number; each op against the same values in a 2-element array (the general path).
  const ones = () => [base.get(1, 2), (np.transpose(base) as NDArray).get('1:2', '0:1'), NDArray.scalar(-0.5), 3] as any[];
  for (const op of ['add', 'multiply', 'power', 'maximum', 'greater', 'floor_divide', 'arctan2']) {
    it(`${op} gives what the general path gives`, () => {
      for (const a of ones()) for (const b of ones()) {
        const one = callOp(op, [a, b]) as NDArray;
        const pair = (v: any) => (typeof v === 'number' ? v : np.concatenate([np.ravel(v), np.ravel(v)]));
        const two = callOp(op, [pair(a), pair(b)]) as NDArray;
        expect(one.dtype).toBe(two.dtype);
        expect(one.size).toBe(1);
        expect(Array.from(one.values())[0]).toBe(Array.from(two.values())[0]);
      }
    });
  }
});

describe('mixed types (native from NATIVE_MIN_BINARY elements): comparisons, bool and int operands, astype, where, maximum', () => {
  const specials = [NaN, -0, 0, Infinity, -Infinity, 0.25];
  /** Values with specials and repeats (so that comparisons and maxima meet equal elements). */
  const mixed = (shape: number[], dtype = 'float64') => {
    const n = shape.reduce((a, b) => a * b, 1);
    return NDArray.fromData(Array.from({ length: n }, (_, i) => (i % 4 === 0 ? specials[(i / 4) % specials.length] : Math.round(8 * r()) / 8 - 0.5)), shape, dtype as any);
  };
  const bools = (n: number) => NDArray.fromData(Array.from({ length: n }, () => (r() < 0.5 ? 1 : 0)), [n], 'bool');
  const ints = (n: number) => NDArray.fromData(Array.from({ length: n }, () => Math.round(8 * r()) - 4), [n], 'int32');
  const CMP: Record<string, (x: number, y: number) => boolean> = {
    equal: (x, y) => x === y, not_equal: (x, y) => x !== y, less: (x, y) => x < y, less_equal: (x, y) => x <= y,
    greater: (x, y) => x > y, greater_equal: (x, y) => x >= y,
    logical_and: (x, y) => !!x && !!y, logical_or: (x, y) => !!x || !!y, logical_xor: (x, y) => !x !== !y,
  };
  /** Each element of a broadcast pair, read in double precision as the JS loops read them. */
  const pairs = (a: NDArray | number, b: NDArray | number, shape: number[]) => indices(shape).map((idx) => [a, b].map((v) => {
    if (typeof v === 'number') return v;
    const lead = shape.length - v.ndim;
    return at(v, idx.slice(lead).map((i, d) => (v.shape[d] === 1 ? 0 : i)));
  }));
  const same = (got: NDArray, want: number[], what: string) => {
    const v = values(got);
    expect(v.length, what).toBe(want.length);
    for (let i = 0; i < want.length; i++) if (!Object.is(v[i], want[i])) expect.fail(`${what}[${i}]: got ${v[i]}, want ${want[i]}`);
  };

  for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY, 3 * NATIVE_MIN_BINARY + 1])
    it(`comparisons and mixed arithmetic match a JS loop on ${n} elements`, () => {
      const k = Math.ceil(n / 4);
      const cases: [string, NDArray | number, NDArray | number][] = [
        ['float64', mixed([n]), mixed([n])], ['float32', mixed([n], 'float32'), mixed([n], 'float32')],
        ['float32 and a number', mixed([n], 'float32'), 0.1], ['int32 and float64', ints(n), mixed([n])], ['bool and bool', bools(n), bools(n)],
        ['rows broadcast', mixed([k, 4]), mixed([4])], ['columns broadcast', mixed([k, 4], 'float32'), mixed([k, 1], 'float32')],
      ];
      for (const [what, a, b] of cases) {
        const shape = [...(np.add(a, b) as NDArray).shape], ab = pairs(a, b, shape);
        for (const [name, f] of Object.entries(CMP)) {
          const got = callOp(name, [a, b]) as NDArray;
          expect(got.dtype).toBe('bool');
          same(got, ab.map(([x, y]) => +f(x, y)), `${what}: ${name}`);
        }
      }
      const x = mixed([n]), x32 = mixed([n], 'float32'), m = bools(n), i32 = ints(n);
      same(np.multiply(x, m) as NDArray, pairs(x, m, [n]).map(([p, q]) => p * q), 'float64 · bool');
      const xm = np.multiply(x32, m) as NDArray;
      expect(xm.dtype).toBe('float32');
      same(xm, pairs(x32, m, [n]).map(([p, q]) => Math.fround(p * q)), 'float32 · bool');
      same(np.add(i32, x) as NDArray, pairs(i32, x, [n]).map(([p, q]) => p + q), 'int32 + float64');
      same(np.subtract(x32, x) as NDArray, pairs(x32, x, [n]).map(([p, q]) => p - q), 'float32 - float64');
    });

  for (const n of [NATIVE_MIN_UNARY - 1, NATIVE_MIN_UNARY])
    it(`astype converts ${n}-element arrays as a JS loop does (float32 rounds to nearest)`, () => {
      const x = mixed([n]);
      x.data[1] = 1 / 3;
      same(np.astype(x, 'float32') as NDArray, values(x).map(Math.fround), 'float64 → float32');
      same(np.astype(np.astype(x, 'float32'), 'float64') as NDArray, values(x).map(Math.fround), 'float32 → float64');
      const m = bools(n), big = NDArray.fromData(Array.from({ length: n }, (_, i) => 16777217 + i), [n], 'int32');
      same(np.astype(m, 'float64') as NDArray, values(m), 'bool → float64');
      same(np.astype(big, 'float32') as NDArray, values(big).map(Math.fround), 'int32 → float32');
    });

  for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY])
    it(`where picks as a JS loop on ${n} elements: arrays, numbers, a broadcast mask, float32, a transposed operand`, () => {
      const k = Math.ceil(n / 4), x = mixed([k, 4]), y = mixed([k, 4]), c = np.greater(x, 0) as NDArray, c1 = np.greater(mixed([k, 1]), 0) as NDArray;
      const check = (cc: NDArray, p: NDArray | number, q: NDArray | number, what: string, dtype = 'float64') => {
        const got = np.where(cc, p, q) as NDArray, shape = [...got.shape];
        expect(got.dtype, what).toBe(dtype);
        const pq = pairs(p, q, shape), cv = pairs(cc, 0, shape);
        same(got, pq.map(([u, v], i) => (cv[i][0] ? u : v)), what);
      };
      check(c, x, 0, 'array, number');
      check(c, -1.5, y, 'number, array');
      check(c, x, y, 'arrays');
      check(c1, x, y, 'mask broadcast along rows');
      check(c, np.astype(x, 'float32') as NDArray, 2, 'float32', 'float32');
      check(np.transpose(np.greater(y, 0)) as NDArray, np.transpose(x) as NDArray, 0, 'transposed');
    });

  for (const dtype of ['float64', 'float32'])
    for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY])
      it(`maximum and minimum pass g where their operand wins, half at ties, none to NaN (${dtype}, ${n} elements)`, () => {
        const x = mixed([n], dtype), y = mixed([n], dtype);
        const wins = (p: number, ans: number, q: number) => (p === ans ? (p === q ? 0.5 : 1) : 0);
        for (const [name, pick] of [['maximum', (p: number, q: number) => (p >= q || Number.isNaN(p) ? p : q)], ['minimum', (p: number, q: number) => (p <= q || Number.isNaN(p) ? p : q)]] as const) {
          const fn = (np as any)[name];
          const gs = grad((u: any, v: any) => np.sum(np.multiply(fn(u, v), 3)), [0, 1])(x, y) as NDArray[];
          expect(gs[0].dtype).toBe(dtype);
          same(gs[0], pairs(x, y, [n]).map(([p, q]) => 3 * wins(p, pick(p, q), q)), `${name} d/dx`);
          same(gs[1], pairs(x, y, [n]).map(([p, q]) => 3 * wins(q, pick(p, q), p)), `${name} d/dy`);
          same(grad((u: any) => np.sum(fn(u, 0.25)))(x) as NDArray, values(x).map((p) => wins(p, pick(p, 0.25), 0.25)), `${name} with a number`);
        }
        const finite = np.where(np.isfinite(x), x, 0) as NDArray;
        same(hessianVectorProduct((u: any) => np.sum(np.maximum(u, 0.25)))(finite, finite) as NDArray, values(finite).map(() => 0), 'second order (traced rule)');
      });

  it('max over an axis shares the cotangent among ties, in the array\'s dtype', () => {
    const k = Math.ceil(NATIVE_MIN_BINARY / 4) + 1;
    for (const dtype of ['float64', 'float32']) {
      const x = NDArray.fromData(Array.from({ length: 4 * k }, (_, i) => [1, 3, 3, 2][i % 4] + Math.floor(i / 4)), [k, 4], dtype as any);
      const g = grad((u: any) => np.sum(np.max(u, { axis: 1 })))(x) as NDArray;
      expect(g.dtype).toBe(dtype);
      same(g, values(x).map((_, i) => [0, 0.5, 0.5, 0][i % 4]), `${dtype}`);
    }
  });
});

describe('max and min over axes (native from NATIVE_MIN_SUM elements)', () => {
  /** The first extremum of each lane, NaN if a lane has one, in plain JS (NumPy's rule: -0 or 0 as it comes first). */
  const naive = (x: NDArray, axes: number[], max: boolean) => {
    const kept = x.shape.map((n, d) => (axes.includes(d) ? 1 : n)), size = kept.reduce((a, b) => a * b, 1);
    const best = new Array<number | undefined>(size).fill(undefined);
    for (const idx of indices([...x.shape])) {
      const o = idx.reduce((p, i, d) => p * kept[d] + (axes.includes(d) ? 0 : i), 0), v = at(x, idx), b = best[o];
      if (b === undefined || Number.isNaN(v) || (!Number.isNaN(b) && (max ? v > b : v < b))) best[o] = v;
    }
    return best as number[];
  };
  for (const total of [NATIVE_MIN_SUM - 4, NATIVE_MIN_SUM])
    it(`match a JS loop on ${total}-element arrays: every axis run, NaN, ±0 ties, float32, strided views`, () => {
      const specials = [-0, 0, NaN, Infinity, -Infinity];
      for (const dtype of ['float64', 'float32']) {
        const x = NDArray.fromData(Array.from({ length: total }, (_, i) => (i % 7 === 0 ? specials[(i / 7) % 5] : Math.round(4 * r()) / 4)), [4, total / 4], dtype as any);
        const cube = np.reshape(x, [2, total / 4, 2]) as NDArray;
        for (const [arr, axesList] of [[x, [[0], [1], [0, 1]]], [cube, [[1], [2], [0, 1], [1, 2], [0, 2]]], [np.transpose(x) as NDArray, [[0], [1]]]] as [NDArray, number[][]][])
          for (const axes of axesList)
            for (const max of [true, false]) {
              const got = values((max ? np.max : np.min)(arr, { axis: axes }) as NDArray), want = naive(arr, axes, max);
              expect(got.length).toBe(want.length);
              want.forEach((w, i) => { if (!Object.is(got[i], w)) expect.fail(`${dtype} ${max ? 'max' : 'min'} over ${axes} of ${arr.shape}: [${i}] got ${got[i]}, want ${w}`); });
            }
      }
    });
});

describe('clip, small integer powers, sign, rounding and tests, strided copies (native from their thresholds)', () => {
  const edges = [-0, 0, NaN, Infinity, -Infinity, -0.5, 0.5, 2.5, -2.5, 1e300];
  const arr = (n: number, dtype = 'float64') => NDArray.fromData(Array.from({ length: n }, (_, i) => (i < edges.length ? edges[i] : 6 * r() - 3)), [n], dtype as any);
  const same = (got: NDArray, want: number[], what: string) => {
    const v = values(got);
    expect(v.length, what).toBe(want.length);
    for (let i = 0; i < want.length; i++) if (!Object.is(v[i], want[i])) expect.fail(`${what}[${i}]: got ${v[i]}, want ${want[i]}`);
  };
  /** NumPy's clip: min(max(v, lo), hi), each keeping its first operand on a tie. */
  const clip = (v: number, lo: number, hi: number) => { const m = v < lo ? lo : v; return m > hi ? hi : m; };

  for (const n of [NATIVE_MIN_UNARY - 1, NATIVE_MIN_UNARY])
    it(`clip, sign, floor, ceil, trunc, isnan, isinf, isfinite and x ** k match JS loops on ${n} elements`, () => {
      for (const dtype of ['float64', 'float32']) {
        const x = arr(n, dtype), xv = values(x), f = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
        for (const [lo, hi] of [[0, 0], [-0, -0], [-0, 1], [-1.5, 1.5], [1, 0], [null, 0.5], [-0.5, null]] as [number | null, number | null][])
          same(np.clip(x, lo, hi) as NDArray, xv.map((v) => f(clip(v, lo ?? -Infinity, hi ?? Infinity))), `${dtype} clip(${lo}, ${hi})`);
        for (const [name, g] of [['sign', Math.sign], ['floor', Math.floor], ['ceil', Math.ceil], ['trunc', Math.trunc]] as const)
          same((np as any)[name](x), xv.map(g), `${dtype} ${name}`);
        for (const [name, g] of [['isnan', Number.isNaN], ['isinf', (v: number) => Math.abs(v) === Infinity], ['isfinite', Number.isFinite]] as const)
          same((np as any)[name](x), xv.map((v) => +g(v)), `${dtype} ${name}`);
        for (const k of [0, 1, 2, -1]) same(np.power(x, k) as NDArray, xv.map((v) => f(v ** k)), `${dtype} x ** ${k}`);
        close(values(np.power(x, 3) as NDArray).filter(Number.isFinite), xv.map((v) => f(v ** 3)).filter(Number.isFinite), dtype === 'float32' ? 2e-7 : 4e-16, `${dtype} x ** 3`);
        const wide = np.power(x, NDArray.scalar(2)) as NDArray; // a float64 0-d exponent: the result is float64
        expect(wide.dtype).toBe('float64');
        same(wide, xv.map((v) => v * v), `${dtype} x ** float64 2`);
      }
    });

  it('real and conj of real arrays are new arrays with the same values', () => {
    const x = arr(NATIVE_MIN_UNARY);
    for (const name of ['real', 'conj']) {
      const y = (np as any)[name](x) as NDArray;
      expect(y.data).not.toBe(x.data);
      same(y, values(x), name);
    }
  });

  for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY])
    it(`copies of strided views (transposes, broadcasts, steps, reversals) match element reads around ${n} elements`, () => {
      const k = Math.ceil(n / 8);
      for (const dtype of ['float64', 'float32']) {
        const x = rand([8, k], dtype), views = [
          np.transpose(x), callOp('broadcast_to', [rand([1, k], dtype)], { shape: [8, k] }), callOp('broadcast_to', [rand([8, 1], dtype)], { shape: [8, k] }),
          callOp('getitem', [x], { index: [{ slice: [null, null, 2] }, { slice: [1, null, null] }] }), callOp('getitem', [x], { index: [{ slice: [null, null, -1] }] }),
          callOp('getitem', [x], { index: [{ slice: [null, null, -1] }, { slice: [null, null, -1] }] }), callOp('getitem', [x], { index: [{ slice: [1, null, 3] }, { slice: [null, null, -2] }] }),
          np.transpose(np.reshape(x, [2, 4, k]), [1, 0, 2]),
        ] as NDArray[];
        for (const v of views) {
          expect(v.isContiguous).toBe(false);
          same(new NDArray(v.values(), v.shape, v.dtype), indices([...v.shape]).map((idx) => at(v, idx)), `${dtype} view ${v.shape} strides ${v.strides}`);
        }
      }
    });
});

describe('logaddexp and logaddexp2 (native passes from NATIVE_MIN_BINARY elements)', () => {
  const specials = [Infinity, -Infinity, NaN, 0, -0, 700, -700, 1e-300];
  for (const n of [NATIVE_MIN_BINARY - 1, NATIVE_MIN_BINARY])
    it(`match the JS formula on ${n} elements, ties and infinities exactly, float64 and float32`, () => {
      for (const dtype of ['float64', 'float32']) {
        const pick = (i: number, j: number) => (i < 64 ? specials[(i >> j) % specials.length] : 20 * r() - 10);
        const x = NDArray.fromData(Array.from({ length: n }, (_, i) => pick(i, 0)), [n], dtype as any);
        const y = NDArray.fromData(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? x.data[i] : pick(i, 3))), [n], dtype as any);
        for (const [name, base] of [['logaddexp', Math.E], ['logaddexp2', 2]] as const) {
          const got = values((np as any)[name](x, y)), ln = Math.log(base), f = dtype === 'float32' ? Math.fround : (v: number) => v;
          const want = values(x).map((a, i) => { const b = values(y)[i]; return f(a === b ? a + Math.LN2 / ln : Math.max(a, b) + Math.log1p(base === 2 ? 2 ** -Math.abs(a - b) : Math.exp(-Math.abs(a - b))) / ln); });
          for (let i = 0; i < n; i++) {
            // Relative to the operands: where max(a, b) and the log1p term nearly cancel, max's rounding bounds the error.
            const scale = Math.max(Math.abs(want[i]), Math.abs(values(x)[i]), Math.abs(values(y)[i]));
            const ok = Object.is(got[i], want[i]) || Math.abs(got[i] - want[i]) <= (dtype === 'float32' ? 3e-7 : 2e-15) * scale;
            if (!ok) expect.fail(`${dtype} ${name}(${values(x)[i]}, ${values(y)[i]}): got ${got[i]}, want ${want[i]}`);
          }
        }
      }
    });
});

describe('cumsum (native from NATIVE_MIN_SUM elements)', () => {
  /** Running sums along `axis` in plain JS, in a JS number (as the JS loop does for every dtype). */
  const naive = (x: NDArray, axis: number) => {
    const shape = [...x.shape], out = new Float64Array(x.size), stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1), v = values(x);
    for (let k = 0; k < x.size; k++) out[k] = v[k] + (Math.floor(k / stride) % shape[axis] ? out[k - stride] : 0);
    return Array.from(out);
  };
  for (const total of [NATIVE_MIN_SUM - 4, NATIVE_MIN_SUM])
    it(`matches a JS loop on ${total}-element arrays along each axis, float64, float32 and int32, and its gradient`, () => {
      for (const dtype of ['float64', 'float32', 'int32']) {
        const x = NDArray.fromData(Array.from({ length: total }, () => Math.round(1000 * r()) / 64), [4, total / 4], dtype as any);
        for (const axis of [0, 1]) {
          const got = np.cumsum(x, { axis }) as NDArray, f = dtype === 'float32' ? Math.fround : (v: number) => v;
          const want = naive(x, axis).map(f);
          values(got).forEach((g, i) => { if (!Object.is(g, want[i])) expect.fail(`${dtype} axis ${axis} [${i}]: got ${g}, want ${want[i]}`); });
        }
      }
      const x = rand([total]);
      close(values(grad((v: any) => np.sum(np.multiply(np.cumsum(v), x)))(x) as NDArray), values(x).map((_, i) => values(x).slice(i).reduce((a, b) => a + b, 0)), 1e-13, 'gradient');
    });
});
