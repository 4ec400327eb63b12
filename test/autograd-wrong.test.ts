// Where autograd 1.9.1 errors or returns a wrong gradient (conformance README §12), gradd must be right: each
// input checks VJP and JVP against central finite differences, to second order where the function is smooth
// enough there, and against closed forms where they are short.
import { describe, expect, it } from 'vitest';
import { callOp } from '../core/call.js';
import { hasOp } from '../core/catalog.js';
import { grad, makeJvp } from '../core/differential.js';
import type { DType } from '../core/dtype.js';
import { NDArray } from '../core/ndarray.js';
import { np } from '../core/np.js';
import { checkDerivatives, checkJvp, FdOptions, Mode, randLike, rng, seedOf } from './helpers/fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Check = FdOptions & { modes?: Mode[]; order?: number };
const op = (name: string, attrs: Record<string, unknown> = {}) => (...xs: any[]) => callOp(name, xs, attrs);
const random = (label: string, shape: number[], dtype: DType = 'float64') => randLike({ shape, dtype }, rng(seedOf(label)));
const arr = (data: number[], shape = [data.length]) => NDArray.fromData(data, shape);

/** VJP and JVP of f at args against central differences (second order unless `order` says otherwise). */
function check(label: string, f: (...a: any[]) => unknown, args: NDArray[], opts: Check = {}) {
  checkDerivatives(f, args, rng(seedOf(label)), opts);
}

describe('shape ops', () => {
  it('tile with fewer reps than dimensions', () => {
    check('tile', op('tile', { reps: 2 }), [random('tile x', [2, 3])]);
    check('tile 3d', op('tile', { reps: [2, 1] }), [random('tile x3', [2, 1, 3])]);
  });

  it('where with x and y broadcast against each other', () => {
    const c = NDArray.fromData([1, 0, 1, 0, 0, 1], [2, 3], 'bool');
    check('where', (x: any, y: any) => np.where(c, x, y), [random('where x', [2, 1]), random('where y', [3])]);
    check('where 0-d', (x: any, y: any) => np.where(NDArray.fromData([1, 0, 1], [3], 'bool'), x, y), [random('where x0', []), random('where y0', [2, 1])]);
  });

  it('cross with broadcasting', () => {
    check('cross', op('cross'), [random('cross a', [2, 3]), random('cross b', [3])]);
    check('cross 2-vectors', op('cross'), [random('cross a2', [4, 1, 2]), random('cross b2', [3, 2])]);
  });

  it('broadcast_to adding leading dimensions', () => {
    check('broadcast_to', op('broadcast_to', { shape: [4, 2, 3] }), [random('bt x', [3])]);
    check('broadcast_to 0-d', op('broadcast_to', { shape: [2, 3] }), [random('bt x0', [])]);
  });

  it('repeat with a list of repeats', () => {
    check('repeat list', op('repeat', { repeats: [1, 0, 3] }), [random('repeat x', [3])]);
    check('repeat list axis', op('repeat', { repeats: [2, 1], axis: 0 }), [random('repeat x2', [2, 3])]);
    // d/dx Σ w·repeat(x) adds the weights of each copy.
    const g = grad((x: any) => np.sum(np.multiply(np.repeat(x, [1, 0, 3]), arr([1, 2, 3, 4]))))(arr([5, 6, 7]));
    expect(g.toArray()).toEqual([1, 0, 9]);
  });

  it('roll with a tuple shift', () => {
    check('roll tuple', op('roll', { shift: [1, -1], axis: [0, 1] }), [random('roll x', [2, 3])]);
    check('roll same axis', op('roll', { shift: [1, 2], axis: [1, 1] }), [random('roll x2', [2, 4])]);
  });

  it('diagonal with an offset and other axes', () => {
    check('diagonal offset', op('diagonal', { offset: 1 }), [random('diag x', [3, 4])]);
    check('diagonal axes', op('diagonal', { offset: -1, axis1: 0, axis2: 2 }), [random('diag x3', [3, 2, 4])]);
  });

  it('sort and partition of multi-dimensional arrays', () => {
    for (const axis of [0, 1, -1, null]) check(`sort ${axis}`, op('sort', { axis }), [random(`sort x ${axis}`, [3, 4])]);
    check('partition', op('partition', { kth: 1, axis: 0 }), [random('partition x', [3, 4])]);
    check('partition 3d', op('partition', { kth: [0, 2] }), [random('partition x3', [2, 2, 4])]);
  });
});

describe('products and reductions', () => {
  it('einsum with a repeated index in one operand', () => {
    check('einsum ii->i', op('einsum', { subscripts: 'ii->i' }), [random('ii', [3, 3])]);
    check('einsum ii', op('einsum', { subscripts: 'ii' }), [random('trace', [3, 3])]);
    check('einsum iij->j', op('einsum', { subscripts: 'iij->j' }), [random('iij', [2, 2, 3])]);
    check('einsum ij,jj->i', op('einsum', { subscripts: 'ij,jj->i' }), [random('ij', [2, 3]), random('jj', [3, 3])]);
  });

  it('prod over arrays that contain zeros', () => {
    // ∂/∂x_i of x0·x1·x2 at (2, 0, 3) is the product of the others: (0, 6, 0).
    expect(grad((x: any) => np.prod(x))(arr([2, 0, 3])).toArray()).toEqual([0, 6, 0]);
    // Two zeros: every first derivative is 0, but ∂²/∂x0∂x1 = x2 = 3 at (0, 0, 3).
    expect(grad((x: any) => np.prod(x))(arr([0, 0, 3])).toArray()).toEqual([0, 0, 0]);
    const hessianRow = grad((x: any) => np.sum(np.multiply(grad((y: any) => np.prod(y))(x), arr([0, 1, 0]))))(arr([0, 0, 3]));
    expect(hessianRow.toArray()).toEqual([3, 0, 0]);
    check('prod one zero', op('prod'), [arr([2, 0, 3, -1])]);
    check('prod two zeros', op('prod'), [arr([0, 1.5, 0, 2])]);
    check('prod axis', op('prod', { axis: 1 }), [arr([0, 2, 3, 0, 0, 1], [2, 3])]);
  });
});

describe('linear algebra', () => {
  it('linalg.norm with keepdims', () => {
    for (const attrs of [{ keepdims: true }, { axis: 1, keepdims: true }, { ord: 1, axis: 0, keepdims: true }, { ord: 'fro', keepdims: true }, { ord: 'nuc', keepdims: true }, { ord: 2, axis: [0, 1], keepdims: true }])
      check(`norm ${JSON.stringify(attrs)}`, op('linalg.norm', attrs), [random(`norm x ${JSON.stringify(attrs)}`, [2, 3])]);
  });

  it('forward mode of linalg.norm on complex input', () => {
    for (const attrs of [{}, { ord: 1 }, { ord: 3 }, { ord: Infinity }, { axis: 1 }, { ord: 'fro' }, { ord: 'nuc' }, { ord: 2 }]) {
      const x = random(`norm complex ${JSON.stringify(attrs)}`, attrs.ord === 1 || attrs.ord === 3 || attrs.ord === Infinity ? [4] : [2, 3], 'complex128');
      checkJvp(op('linalg.norm', attrs), [x], rng(seedOf(`norm jvp ${JSON.stringify(attrs)}`)));
      check(`norm complex ${JSON.stringify(attrs)}`, op('linalg.norm', attrs), [x], { order: 1 });
    }
  });

  it('linalg.svd with full_matrices=True (through the span of the extra vectors, the rest by sign-fixed factors)', () => {
    const gaugeFree = (a: any) => {
      const [u, s, vh] = np.linalg.svd(a, { fullMatrices: true }), k = s.shape[0];
      const u1 = u.get(':', `:${k}`), u2 = u.get(':', `${k}:`), sign = np.sign(u1.get('0:1'));
      return [s, np.multiply(u1, sign), np.multiply(vh.get(`:${k}`), np.transpose(sign)), np.matmul(u2, np.transpose(u2))];
    };
    check('svd full tall', gaugeFree, [random('svd tall', [4, 2])]);
    check('svd full wide', (a: any) => gaugeFree(np.transpose(a)), [random('svd wide', [4, 3])]);
  });
});

describe('FFT', () => {
  it('rfft and irfft with norm="forward" and odd lengths', () => {
    for (const [n, norm] of [[5, null], [5, 'forward'], [4, 'forward'], [7, 'ortho']] as const) {
      check(`rfft ${n} ${norm}`, op('fft.rfft', { norm }), [random(`rfft x ${n} ${norm}`, [n])]);
      check(`irfft ${n} ${norm}`, op('fft.irfft', { n, norm }), [random(`irfft x ${n} ${norm}`, [Math.floor(n / 2) + 1], 'complex128')]);
    }
    check('rfft2 odd', op('fft.rfft2', { norm: 'forward' }), [random('rfft2 x', [3, 5])]);
    check('irfftn odd', op('fft.irfftn', { s: [3, 5], norm: 'forward' }), [random('irfftn x', [3, 3], 'complex128')]);
  });
});

describe('scipy.stats', () => {
  // log χ²(x; k) = (k/2 − 1)·log x − x/2 − (k/2)·log 2 − log Γ(k/2), so ∂/∂x = (k/2 − 1)/x − 1/2.
  it.skipIf(!hasOp('scipy.stats.chi2.logpdf'))('chi2.logpdf and pdf with a non-integer df, in x', () => {
    const x = arr([0.7, 1.9, 4.2]), df = arr([2.5, 3.7, 0.9]);
    const dlog = [0, 1, 2].map((i) => (df.data[i] / 2 - 1) / x.data[i] - 0.5);
    const g = grad((v: any) => np.sum(callOp('scipy.stats.chi2.logpdf', [v, df])))(x) as NDArray;
    Array.from(g.values()).forEach((v, i) => expect(v).toBeCloseTo(dlog[i], 10));
    for (const name of ['scipy.stats.chi2.logpdf', 'scipy.stats.chi2.pdf'])
      check(name, (v: any) => callOp(name, [v, df]), [x], { modes: ['rev'], order: 1 });
  });
});

describe('elementwise functions near the edges of their domains', () => {
  // Steps of 1e-4 of the distance to the edge: small against the curvature there, large against rounding.
  const near = (label: string, f: (x: any) => unknown, x: NDArray, distance: number) => check(label, f, [x], { eps: 1e-4 * distance, rtol: 1e-4 });
  const cx = (...v: number[]) => NDArray.fromData(v, [v.length / 2], 'complex128');

  it('abs and angle near 0, real and complex', () => {
    near('abs real', np.abs, arr([1e-4, -3e-5, 2e-6]), 2e-6);
    near('abs complex', np.abs, cx(1e-4, -2e-4, -3e-5, 1e-5), 3e-5);
    near('angle complex', np.angle, cx(1e-4, -2e-4, -3e-5, 1e-5), 3e-5);
    // angle of a real number is 0 or π: no gradient, even just beside 0.
    expect(grad((x: any) => np.sum(np.angle(x)))(arr([-1e-9, 1e-9])).toArray()).toEqual([0, 0]);
    expect(makeJvp(np.angle)(arr([-1e-9]))(arr([1]))[1].toArray()).toEqual([0]);
  });

  it('sqrt and log near 0, real and complex; log1p and arcsin near their singular points', () => {
    near('sqrt', np.sqrt, arr([1e-6, 3e-5]), 1e-6);
    near('log', np.log, arr([1e-6, 3e-5]), 1e-6);
    near('sqrt complex', np.sqrt, cx(-1e-6, 1e-7, 2e-6, -1e-6), 1e-6);
    near('log complex', np.log, cx(-1e-6, 1e-7, 2e-6, -1e-6), 1e-6);
    near('log1p', np.log1p, arr([-1 + 1e-5]), 1e-5);
    near('arcsin', np.arcsin, arr([1 - 1e-6, -1 + 1e-6]), 1e-6);
  });
});
