// np.fft: every transform against a naive O(n²) DFT written here from the definitions, round trips, accuracy at
// n = 1e5, hand-worked values and gradients, VJP/JVP against finite differences (second order), and bad input.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { checkDerivatives, normal, randLike, rng, seedOf, type Rng } from '../helpers/fd.js';
import { throws } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Line = [number, number][];
type Norm = null | 'backward' | 'ortho' | 'forward';
const op = (name: string, x: NDArray, attrs: Record<string, unknown> = {}) => callOp(name, [x], attrs) as NDArray;
const rand = (r: Rng, shape: number[], complex: boolean) => randLike({ shape, dtype: complex ? 'complex128' : 'float64' }, r);
const cplx = (pairs: Line, shape = [pairs.length]) => NDArray.fromData(pairs.flat(), shape, 'complex128');
const real = (xs: number[], shape = [xs.length]) => NDArray.fromData(xs, shape);

// ---- reference: the definitions, applied line by line ----

/** c · Σ_j x_j e^{sign·2πijk/n}, k < n, for x zero-padded or truncated to n (angles from jk mod n, exact for large n). */
function dft(x: Line, n: number, sign: 1 | -1, c: number): Line {
  return Array.from({ length: n }, (_, k) => {
    let re = 0, im = 0;
    for (let j = 0; j < Math.min(n, x.length); j++) {
      const t = (sign * 2 * Math.PI * ((j * k) % n)) / n, [a, b] = x[j];
      re += a * Math.cos(t) - b * Math.sin(t); im += a * Math.sin(t) + b * Math.cos(t);
    }
    return [c * re, c * im];
  });
}
const scaleOf = (norm: Norm, n: number, inverse: boolean) => (norm === 'ortho' ? 1 / Math.sqrt(n) : (norm === 'forward') !== inverse ? 1 / n : 1);

/** The real signal of length n whose spectrum's first n//2 + 1 bins are X (imaginary parts of X_0 and X_{n/2} ignored). */
function hermitian(X: Line, n: number, c: number): Line {
  const bin = (k: number) => X[k] ?? [0, 0];
  return Array.from({ length: n }, (_, j) => {
    let y = bin(0)[0];
    for (let k = 1; 2 * k < n; k++) {
      const t = (2 * Math.PI * ((j * k) % n)) / n;
      y += 2 * (bin(k)[0] * Math.cos(t) - bin(k)[1] * Math.sin(t));
    }
    if (n % 2 === 0) y += bin(n / 2)[0] * (j % 2 ? -1 : 1);
    return [c * y, 0];
  });
}

/** Applies f to every line of x along `axis`. */
function alongAxis(x: NDArray, axis: number, f: (line: Line) => Line, complexOut: boolean): NDArray {
  axis = axis < 0 ? axis + x.ndim : axis;
  const v = x.values(), cx = x.dtype === 'complex128', L = x.shape[axis];
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1), outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const lines: Line[] = [];
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++)
    lines.push(f(Array.from({ length: L }, (_, j) => { const p = (o * L + j) * inner + i; return cx ? [v[2 * p], v[2 * p + 1]] : [v[p], 0]; })));
  const M = lines.length ? lines[0].length : 0, shape = x.shape.map((d, a) => (a === axis ? M : d));
  const out: number[] = new Array(outer * M * inner * (complexOut ? 2 : 1));
  lines.forEach((line, li) => line.forEach(([re, im], j) => {
    const q = (Math.floor(li / inner) * M + j) * inner + (li % inner);
    if (complexOut) { out[2 * q] = re; out[2 * q + 1] = im; } else out[q] = re;
  }));
  return NDArray.fromData(out, shape, complexOut ? 'complex128' : 'float64');
}

const ref = {
  fft: (x: NDArray, n: number, axis: number, norm: Norm, inverse = false) =>
    alongAxis(x, axis, (l) => dft(l, n, inverse ? 1 : -1, scaleOf(norm, n, inverse)), true),
  rfft: (x: NDArray, n: number, axis: number, norm: Norm) =>
    alongAxis(x, axis, (l) => dft(l, n, -1, scaleOf(norm, n, false)).slice(0, (n >> 1) + 1), true),
  irfft: (x: NDArray, n: number, axis: number, norm: Norm) =>
    alongAxis(x, axis, (l) => hermitian(l.slice(0, (n >> 1) + 1), n, scaleOf(norm, n, true)), false),
};

function expectClose(got: NDArray, want: NDArray, what: string, rel = 1e-12) {
  expect(got.shape, `${what}: shape`).toEqual(want.shape);
  expect(got.dtype, `${what}: dtype`).toBe(want.dtype);
  const g = got.values(), w = want.values();
  let worst = 0, big = 0;
  for (let i = 0; i < w.length; i++) { worst = Math.max(worst, Math.abs(g[i] - w[i])); big = Math.max(big, Math.abs(w[i])); }
  expect(worst, `${what}: largest difference`).toBeLessThanOrEqual(rel * (1 + big));
}

// ---- 1-D transforms ----

const LENGTHS = [1, 2, 3, 5, 8, 12, 17, 64, 100, 257];
const NORMS: Norm[] = [null, 'backward', 'ortho', 'forward'];
/** Where the transformed axis sits: axis 0 / 1 / -1 of 2-d and 3-d arrays. */
const LAYOUTS = (L: number): [number[], number][] => [[[L, 3], 0], [[2, L], 1], [[2, 3, L], -1], [[2, L, 2], 1], [[L, 2, 2], 0]];

describe('1-D transforms equal a naive DFT', () => {
  for (const L of LENGTHS) {
    it(`length ${L}: fft, ifft, rfft, irfft along every axis, with padding, truncation and every norm`, () => {
      const r = rng(seedOf(`1d ${L}`));
      LAYOUTS(L).forEach(([shape, axis], li) => {
        const norm = NORMS[li % NORMS.length];
        for (const complex of [false, true]) {
          const x = rand(r, shape, complex);
          for (const n of [undefined, L + 3, Math.max(1, L - 2)]) {
            const len = n ?? L, what = (name: string) => `${name} ${x.dtype}[${shape}] axis ${axis} n ${n} norm ${norm}`;
            expectClose(op('fft.fft', x, { n, axis, norm }), ref.fft(x, len, axis, norm), what('fft'));
            expectClose(op('fft.ifft', x, { n, axis, norm }), ref.fft(x, len, axis, norm, true), what('ifft'));
            if (!complex) expectClose(op('fft.rfft', x, { n, axis, norm }), ref.rfft(x, len, axis, norm), what('rfft'));
          }
          for (const n of L > 1 ? [undefined, 2 * L - 1, L + 4, L] : [1, 2, 5]) {
            const len = n ?? 2 * (L - 1);
            expectClose(op('fft.irfft', x, { n, axis, norm }), ref.irfft(x, len, axis, norm), `irfft ${x.dtype}[${shape}] axis ${axis} n ${n} norm ${norm}`);
          }
        }
      });
    });
  }
});

// ---- n-d transforms: NumPy's definitions as compositions of 1-D ones ----

type NdCase = { s?: number[] | null; axes?: number[] | null; norm?: Norm };
/** NumPy's _cook_nd_args: the lengths and axes of an n-d call. */
function cook(x: NDArray, { s, axes }: NdCase, defaultAxes: number[] | null, c2r = false) {
  const ax = (axes ?? defaultAxes ?? (s ? s.map((_, i) => i - s.length) : x.shape.map((_, i) => i))).map((a) => (a < 0 ? a + x.ndim : a));
  const lens = s ? s.map((d, i) => (d === -1 ? x.shape[ax[i]] : d)) : ax.map((a) => x.shape[a]);
  if (c2r && !s) lens[lens.length - 1] = 2 * (x.shape[ax[ax.length - 1]] - 1);
  return { lens, ax };
}
const refNd = {
  fftn: (x: NDArray, c: NdCase, def: number[] | null, inverse = false) => {
    const { lens, ax } = cook(x, c, def);
    for (let i = ax.length - 1; i >= 0; i--) x = ref.fft(x, lens[i], ax[i], c.norm ?? null, inverse);
    return x;
  },
  rfftn: (x: NDArray, c: NdCase, def: number[] | null) => {
    const { lens, ax } = cook(x, c, def), last = ax.length - 1;
    x = ref.rfft(x, lens[last], ax[last], c.norm ?? null);
    for (let i = last - 1; i >= 0; i--) x = ref.fft(x, lens[i], ax[i], c.norm ?? null);
    return x;
  },
  irfftn: (x: NDArray, c: NdCase, def: number[] | null) => {
    const { lens, ax } = cook(x, c, def, true), last = ax.length - 1;
    for (let i = 0; i < last; i++) x = ref.fft(x, lens[i], ax[i], c.norm ?? null, true);
    return ref.irfft(x, lens[last], ax[last], c.norm ?? null);
  },
};

describe('n-d transforms equal their compositions of naive DFTs', () => {
  const r = rng(seedOf('nd'));
  const TWO: NdCase[] = [{}, { axes: [0, 2] }, { axes: [2, 0], norm: 'ortho' }, { s: [5, 3] }, { s: [2, 7], axes: [1, 0], norm: 'forward' }];
  const N: NdCase[] = [{}, { axes: [2, 0] }, { s: [2, 6, 3], norm: 'ortho' }, { s: [4, 7] }, { s: [-1, 3], axes: [0, 2], norm: 'forward' }, { axes: [1] }];
  for (const complex of [false, true]) {
    const x = rand(r, [3, 4, 5], complex), label = (name: string, c: NdCase) => `${name} ${x.dtype} ${JSON.stringify(c)}`;
    it(`fft2, ifft2, fftn, ifftn of ${x.dtype} input`, () => {
      for (const c of TWO) {
        expectClose(op('fft.fft2', x, c), refNd.fftn(x, c, [-2, -1]), label('fft2', c));
        expectClose(op('fft.ifft2', x, c), refNd.fftn(x, c, [-2, -1], true), label('ifft2', c));
      }
      for (const c of N) {
        expectClose(op('fft.fftn', x, c), refNd.fftn(x, c, null), label('fftn', c));
        expectClose(op('fft.ifftn', x, c), refNd.fftn(x, c, null, true), label('ifftn', c));
      }
    });
    it(`irfft2 and irfftn of ${x.dtype} input`, () => {
      for (const c of TWO) expectClose(op('fft.irfft2', x, c), refNd.irfftn(x, c, [-2, -1]), label('irfft2', c));
      for (const c of N) expectClose(op('fft.irfftn', x, c), refNd.irfftn(x, c, null), label('irfftn', c));
    });
    if (!complex) it('rfft2 and rfftn of real input', () => {
      for (const c of TWO) expectClose(op('fft.rfft2', x, c), refNd.rfftn(x, c, [-2, -1]), label('rfft2', c));
      for (const c of N) expectClose(op('fft.rfftn', x, c), refNd.rfftn(x, c, null), label('rfftn', c));
    });
  }
  it('a repeated axis transforms twice, last entry first (as NumPy)', () => {
    const x = rand(r, [3, 4], true), c = { s: [5, 6], axes: [1, 1] };
    expectClose(op('fft.fftn', x, c), refNd.fftn(x, c, null), 'fftn repeated axis');
    const xr = rand(r, [3, 4], false);
    expectClose(op('fft.rfftn', xr, c), refNd.rfftn(xr, c, null), 'rfftn repeated axis');
  });
  it('a strided view transforms like its copy', () => {
    const x = rand(r, [4, 6], true), t = callOp('transpose', [x]) as NDArray;
    expectClose(op('fft.fft', t, { axis: 0, n: 5 }), ref.fft(t, 5, 0, null), 'fft of a transposed view');
    expectClose(op('fft.fftshift', t), op('fft.fftshift', t.contiguous()), 'fftshift of a transposed view');
  });
});

// ---- values by hand, shifts, round trips, accuracy ----

describe('values worked by hand', () => {
  it('transforms of [1, 2, 3, 4]', () => {
    const x = real([1, 2, 3, 4]);
    expect(op('fft.fft', x).toArray()).toEqual([{ re: 10, im: 0 }, { re: -2, im: 2 }, { re: -2, im: 0 }, { re: -2, im: -2 }]);
    expect(op('fft.rfft', x).toArray()).toEqual([{ re: 10, im: 0 }, { re: -2, im: 2 }, { re: -2, im: 0 }]);
    expectClose(op('fft.irfft', cplx([[10, 0], [-2, 2], [-2, 0]])), x, 'irfft');
    expectClose(op('fft.ifft', cplx([[10, 0], [-2, 2], [-2, 0], [-2, -2]])), cplx([[1, 0], [2, 0], [3, 0], [4, 0]]), 'ifft');
    // [1, 2, 3] padded with a zero: X_k = 1 + 2(−i)^k + 3(−1)^k.
    expect(op('fft.fft', real([1, 2, 3]), { n: 4 }).toArray()).toEqual([{ re: 6, im: 0 }, { re: -2, im: -2 }, { re: 2, im: 0 }, { re: -2, im: 2 }]);
    expect(op('fft.fft', real([1, 1, 1, 1]), { norm: 'ortho' }).toArray()).toEqual([{ re: 2, im: 0 }, { re: 0, im: 0 }, { re: 0, im: 0 }, { re: 0, im: 0 }]);
    expect(op('fft.fft', real([1, 1, 1, 1]), { norm: 'forward' }).toArray()).toEqual([{ re: 1, im: 0 }, { re: 0, im: 0 }, { re: 0, im: 0 }, { re: 0, im: 0 }]);
  });
  it('fftshift and ifftshift roll by ⌊n/2⌋ and keep the dtype', () => {
    const seq = (n: number, shape = [n], dtype: 'float64' | 'int64' = 'float64') => NDArray.fromData(Array.from({ length: n }, (_, i) => i), shape, dtype);
    expect(op('fft.fftshift', seq(5)).toArray()).toEqual([3, 4, 0, 1, 2]);
    expect(op('fft.ifftshift', seq(5)).toArray()).toEqual([2, 3, 4, 0, 1]);
    expect(op('fft.fftshift', seq(4)).toArray()).toEqual([2, 3, 0, 1]);
    const m = seq(6, [2, 3], 'int64');
    expect(op('fft.fftshift', m).toArray()).toEqual([[5, 3, 4], [2, 0, 1]]);
    expect(op('fft.fftshift', m).dtype).toBe('int64');
    expect(op('fft.fftshift', m, { axes: 1 }).toArray()).toEqual([[2, 0, 1], [5, 3, 4]]);
    expect(op('fft.ifftshift', m, { axes: [0] }).toArray()).toEqual([[3, 4, 5], [0, 1, 2]]);
    expect(op('fft.fftshift', m, { axes: [1, 1] }).toArray()).toEqual([[1, 2, 0], [4, 5, 3]]);
    expect(op('fft.fftshift', real([7], [])).toArray()).toEqual(7);
  });
  it('truncate_pad zero-pads and truncates at the end of each axis', () => {
    const x = real([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(op('fft.truncate_pad', x, { shape: [3, 2] }).toArray()).toEqual([[1, 2], [4, 5], [0, 0]]);
  });
  it('NumPy-style calls', () => {
    const x = real([1, 2, 3]);
    expect((np.fft.fft(x, 4) as NDArray).shape).toEqual([4]);
    expectClose(np.fft.rfft(x, { norm: 'ortho' }) as NDArray, ref.rfft(x, 3, 0, 'ortho'), 'np.fft.rfft');
    expectClose(np.fft.irfftn(cplx([[1, 0], [2, 1]], [1, 2]), { s: [1, 3] }) as NDArray, ref.irfft(cplx([[1, 0], [2, 1]], [1, 2]), 3, 1, null), 'np.fft.irfftn');
    expect((np.fft.fftshift(x, { axes: 0 }) as NDArray).toArray()).toEqual([3, 1, 2]);
  });
});

describe('round trips', () => {
  const r = rng(seedOf('round trips'));
  it.each(LENGTHS)('length %i: ifft(fft(x)) = x and irfft(rfft(x), n) = x', (L) => {
    const z = rand(r, [3, L], true), x = rand(r, [L, 2], false);
    expectClose(op('fft.ifft', op('fft.fft', z)), z, 'ifft ∘ fft', 1e-13);
    expectClose(op('fft.irfft', op('fft.rfft', x, { axis: 0 }), { n: L, axis: 0 }), x, 'irfft ∘ rfft', 1e-13);
    expectClose(op('fft.ifftshift', op('fft.fftshift', z)), z, 'ifftshift ∘ fftshift', 0);
  });
  it('n-d', () => {
    const z = rand(r, [3, 5, 4], true), x = rand(r, [3, 5, 7], false);
    expectClose(op('fft.ifftn', op('fft.fftn', z, { norm: 'ortho' }), { norm: 'ortho' }), z, 'ifftn ∘ fftn', 1e-13);
    expectClose(op('fft.irfftn', op('fft.rfftn', x), { s: [3, 5, 7] }), x, 'irfftn ∘ rfftn', 1e-13);
    expectClose(op('fft.irfft2', op('fft.rfft2', x, { axes: [2, 0] }), { s: [7, 3], axes: [2, 0] }), x, 'irfft2 ∘ rfft2', 1e-13);
  });
});

describe('accuracy at n = 1e5', () => {
  it.each([100000, 2 ** 17])('n = %i: bins match a compensated direct sum to 1e-14 of the rms, and ifft(fft(x)) = x', (n) => {
    const r = rng(seedOf(`accuracy ${n}`)), xs = Array.from({ length: 2 * n }, () => normal(r));
    const x = NDArray.fromData(xs, [n], 'complex128'), y = op('fft.fft', x).values();
    let rms = 0;
    for (let k = 0; k < n; k++) rms += y[2 * k] ** 2 + y[2 * k + 1] ** 2;
    rms = Math.sqrt(rms / n);
    for (const k of [0, 1, 7, 12345, n >> 1, n - 3, n - 1]) {
      // Neumaier's compensated sums of x_j e^{−2πi(jk mod n)/n}.
      let sr = 0, cr = 0, si = 0, ci = 0;
      const add = (s: number, c: number, v: number) => { const t = s + v; return [t, c + (Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s)]; };
      for (let j = 0; j < n; j++) {
        const t = (-2 * Math.PI * ((j * k) % n)) / n, c = Math.cos(t), s = Math.sin(t);
        [sr, cr] = add(sr, cr, xs[2 * j] * c - xs[2 * j + 1] * s);
        [si, ci] = add(si, ci, xs[2 * j] * s + xs[2 * j + 1] * c);
      }
      expect(Math.hypot(y[2 * k] - (sr + cr), y[2 * k + 1] - (si + ci)) / rms, `bin ${k}`).toBeLessThan(1e-14);
    }
    const back = op('fft.ifft', op('fft.fft', x)).values();
    let err = 0, big = 0;
    for (let i = 0; i < 2 * n; i++) { err = Math.max(err, Math.abs(back[i] - xs[i])); big = Math.max(big, Math.abs(xs[i])); }
    expect(err).toBeLessThan(1e-14 * big);
  });
});

// ---- derivatives ----

describe('derivatives', () => {
  it('grad through rfft with norm="forward" at odd n, by hand', () => {
    // Σ Re rfft(x)_k over k < 2 at n = 3, norm forward: ∂/∂x_j = (1 + cos(2πj/3)) / 3.
    const f = (x: any) => callOp('sum', [callOp('real', [callOp('fft.rfft', [x], { norm: 'forward' })])]);
    expectClose(grad(f)(real([0.3, -1.2, 2.5])), real([2 / 3, 1 / 6, 1 / 6]), 'grad');
  });
  it('grad through irfft with norm="forward" at odd n, by hand', () => {
    // y_j = Re a0 + 2 Re(a1 e^{2πij/3}) (the imaginary part of a0 is dropped); f = Σ_j (j+1)·y_j.
    // ∂f/∂Re a0 = 6; for a1 = u + iv: ∂f/∂u = 2Σ(j+1)cos θ_j = −3, ∂f/∂v = −2Σ(j+1)sin θ_j = √3; grad = ∂/∂u − i∂/∂v.
    const f = (x: any) => callOp('sum', [callOp('multiply', [callOp('fft.irfft', [x], { n: 3, norm: 'forward' }), real([1, 2, 3])])]);
    expectClose(grad(f)(cplx([[0.4, 0.7], [-1.1, 0.2]])), cplx([[6, 0], [-3, -Math.sqrt(3)]]), 'grad');
  });

  // [op, input shape, complex input?, attrs]; every op, real and complex input where it takes both.
  const CASES: [string, number[], boolean, Record<string, unknown>][] = [
    ['fft.fft', [3, 5], true, { n: 7, axis: 0, norm: 'ortho' }],
    ['fft.fft', [4, 3], false, { n: 2, norm: 'forward' }],
    ['fft.ifft', [5], true, { n: 8 }],
    ['fft.ifft', [2, 6], false, { axis: -1, norm: 'forward' }],
    ['fft.fft2', [3, 4], true, { s: [5, 3] }],
    ['fft.ifft2', [2, 3, 4], false, { axes: [2, 0], norm: 'ortho' }],
    ['fft.fftn', [2, 3, 4], true, { s: [3, 2], axes: [2, 0], norm: 'forward' }],
    ['fft.fftn', [3, 4], true, { s: [5, 6], axes: [1, 1] }],
    ['fft.ifftn', [2, 3, 5], false, {}],
    ['fft.rfft', [7], false, { norm: 'forward' }],
    ['fft.rfft', [2, 5], false, { n: 7, axis: 1, norm: 'forward' }],
    ['fft.rfft', [6, 2], false, { n: 3, axis: 0 }],
    ['fft.rfft', [5], false, { norm: 'ortho' }],
    ['fft.irfft', [4], true, { n: 7, norm: 'forward' }],
    ['fft.irfft', [6, 2], true, { n: 5, axis: 0, norm: 'forward' }],
    ['fft.irfft', [3], true, { n: 9 }],
    ['fft.irfft', [4], false, { norm: 'ortho' }],
    ['fft.irfft', [2, 5], true, {}],
    ['fft.rfft2', [3, 5], false, { norm: 'forward' }],
    ['fft.rfft2', [4, 3], false, { s: [3, 6], axes: [1, 0] }],
    ['fft.irfft2', [3, 4], true, { s: [4, 5], norm: 'forward' }],
    ['fft.irfft2', [2, 3], true, {}],
    ['fft.rfftn', [2, 3, 5], false, { axes: [2, 0], norm: 'forward' }],
    ['fft.rfftn', [3, 4], false, { s: [5, 3], axes: [1, 1] }],
    ['fft.irfftn', [2, 3, 3], true, { s: [3, 5], axes: [0, 2], norm: 'forward' }],
    ['fft.irfftn', [2, 2, 3], true, { norm: 'ortho' }],
    ['fft.fftshift', [3, 4], true, {}],
    ['fft.fftshift', [5, 2], false, { axes: 0 }],
    ['fft.ifftshift', [3, 5], true, { axes: [1, 0] }],
    ['fft.truncate_pad', [3, 4], true, { shape: [5, 2] }],
  ];
  it.each(CASES)('%s of %j (complex %s) %j: VJP and JVP against finite differences, first and second order', (name, shape, complex, attrs) => {
    const r = rng(seedOf(`${name} ${shape} ${complex} ${JSON.stringify(attrs)}`));
    checkDerivatives((x: NDArray) => callOp(name, [x], attrs), [rand(r, shape, complex)], r);
  });
});

// ---- bad input ----

describe('bad input gets a typed error naming the op', () => {
  const x = real([1, 2, 3, 4, 5, 6], [2, 3]), z = cplx([[1, 1], [2, 0]]);
  it('axis out of range', () => {
    throws(() => op('fft.fft', x, { axis: 2 }), 'AXIS_OUT_OF_RANGE', RangeError, 'fft.fft', 'axis 2');
    throws(() => op('fft.rfft2', x, { axes: [0, -3] }), 'AXIS_OUT_OF_RANGE', RangeError, 'fft.rfft2');
    throws(() => op('fft.fftn', x, { s: [2, 2, 2] }), 'AXIS_OUT_OF_RANGE', RangeError, 'fft.fftn');
    throws(() => op('fft.fftshift', x, { axes: [3] }), 'AXIS_OUT_OF_RANGE', RangeError, 'fft.fftshift');
    throws(() => op('fft.ifft', real([2], [])), 'AXIS_OUT_OF_RANGE', RangeError, 'fft.ifft');
  });
  it('n or s of zero or less', () => {
    throws(() => op('fft.fft', x, { n: 0 }), 'BAD_ATTRIBUTE', TypeError, 'fft.fft', /\(0\)/);
    throws(() => op('fft.rfft', x, { n: -4 }), 'BAD_ATTRIBUTE', TypeError, 'fft.rfft', /\(-4\)/);
    throws(() => op('fft.irfft', real([1])), 'BAD_ATTRIBUTE', TypeError, 'fft.irfft', /\(0\)/);
    throws(() => op('fft.ifftn', x, { s: [2, 0] }), 'BAD_ATTRIBUTE', TypeError, 'fft.ifftn');
    throws(() => op('fft.fft', x, { n: 2.5 }), 'BAD_ATTRIBUTE', TypeError, 'fft.fft');
    throws(() => op('fft.fft', real([], [0])), 'BAD_ATTRIBUTE', TypeError, 'fft.fft', /\(0\)/);
  });
  it('complex input to a real transform', () => {
    throws(() => op('fft.rfft', z), 'DTYPE_MISMATCH', TypeError, 'fft.rfft', 'complex128');
    throws(() => op('fft.rfftn', z), 'DTYPE_MISMATCH', TypeError, 'fft.rfftn');
  });
  it('bad norm, s and axes of different lengths, truncate_pad to another rank', () => {
    throws(() => op('fft.fft', x, { norm: 'unitary' }), 'BAD_ATTRIBUTE', TypeError, 'fft.fft', 'unitary');
    throws(() => op('fft.fft2', x, { s: [2, 2], axes: [0] }), 'BAD_ATTRIBUTE', TypeError, 'fft.fft2', 'different lengths');
    throws(() => op('fft.irfftn', x, { axes: [] }), 'BAD_ATTRIBUTE', TypeError, 'fft.irfftn', 'axis');
    throws(() => op('fft.truncate_pad', x, { shape: [2] }), 'SHAPE_MISMATCH', RangeError, 'fft.truncate_pad');
  });
});
