// The discrete Fourier transform along one axis of a strided array, O(n log n) for every length: an iterative
// radix-2/4 transform for powers of two, Bluestein's chirp-z (a power-of-two convolution) for the rest.
// Plans (twiddles, chirps, scratch) are cached per length; lines are transformed in split re/im buffers.
import { isComplex } from './dtype.js';
import { NDArray, sizeOf } from './ndarray.js';

/** An in-place forward DFT, X_k = Σ_j x_j e^{−2πijk/n}, of split re/im arrays of length n. */
interface Plan { run(re: Float64Array, im: Float64Array): void }

class PowerOfTwo implements Plan {
  private readonly rev: Uint32Array;
  // Stage with half-size h keeps its twiddles e^{−iπk/h}, k < h, at [h, 2h).
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  constructor(private readonly n: number) {
    const bits = Math.log2(n);
    this.rev = new Uint32Array(n);
    for (let i = 1; i < n; i++) this.rev[i] = (this.rev[i >> 1] >> 1) | ((i & 1) << (bits - 1));
    this.wr = new Float64Array(n);
    this.wi = new Float64Array(n);
    for (let h = 1; h < n; h <<= 1)
      for (let k = 0; k < h; k++) { this.wr[h + k] = Math.cos((Math.PI * k) / h); this.wi[h + k] = -Math.sin((Math.PI * k) / h); }
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, rev, wr, wi } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (i < j) { let t = re[i]; re[i] = re[j]; re[j] = t; t = im[i]; im[i] = im[j]; im[j] = t; }
    }
    let h = 1;
    if (Math.log2(n) % 2 === 1) {
      for (let i = 0; i < n; i += 2) {
        const ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
        re[i] = ar + br; im[i] = ai + bi; re[i + 1] = ar - br; im[i + 1] = ai - bi;
      }
      h = 2;
    }
    // Radix 4: the stages of half-sizes h and 2h at once; the second's twiddle for i1, i3 is −i times that for i0, i2.
    for (; h < n; h <<= 2) {
      for (let s = 0; s < n; s += 4 * h) {
        for (let k = 0; k < h; k++) {
          const i0 = s + k, i1 = i0 + h, i2 = i1 + h, i3 = i2 + h;
          const c1r = wr[h + k], c1i = wi[h + k], c2r = wr[2 * h + k], c2i = wi[2 * h + k];
          let xr = re[i1] * c1r - im[i1] * c1i, xi = re[i1] * c1i + im[i1] * c1r;
          const a0r = re[i0] + xr, a0i = im[i0] + xi, a1r = re[i0] - xr, a1i = im[i0] - xi;
          xr = re[i3] * c1r - im[i3] * c1i; xi = re[i3] * c1i + im[i3] * c1r;
          const a2r = re[i2] + xr, a2i = im[i2] + xi, a3r = re[i2] - xr, a3i = im[i2] - xi;
          const yr = a2r * c2r - a2i * c2i, yi = a2r * c2i + a2i * c2r;
          const zr = a3r * c2i + a3i * c2r, zi = a3i * c2i - a3r * c2r;
          re[i0] = a0r + yr; im[i0] = a0i + yi; re[i2] = a0r - yr; im[i2] = a0i - yi;
          re[i1] = a1r + zr; im[i1] = a1i + zi; re[i3] = a1r - zr; im[i3] = a1i - zi;
        }
      }
    }
  }
}

/** Bluestein: X_k = w_k Σ_j (x_j w_j) conj(w_{k−j}) with w_j = e^{−iπj²/n}, a convolution done by radix-2 FFTs of length m ≥ 2n − 1. */
class Chirp implements Plan {
  private readonly m: number;
  private readonly inner: PowerOfTwo;
  private readonly wr: Float64Array;
  private readonly wi: Float64Array;
  /** The spectrum of conj(w), wrapped around, divided by m (the inverse transform's factor). */
  private readonly br: Float64Array;
  private readonly bi: Float64Array;
  private readonly ar: Float64Array;
  private readonly ai: Float64Array;
  constructor(private readonly n: number) {
    const m = (this.m = 2 ** Math.ceil(Math.log2(2 * n - 1)));
    this.inner = planFor(m) as PowerOfTwo;
    this.wr = new Float64Array(n); this.wi = new Float64Array(n);
    // j² mod 2n, kept exact, so that the angle stays small and accurate for large j.
    for (let j = 0, q = 0; j < n; q = (q + 2 * j + 1) % (2 * n), j++) {
      this.wr[j] = Math.cos((Math.PI * q) / n); this.wi[j] = -Math.sin((Math.PI * q) / n);
    }
    this.br = new Float64Array(m); this.bi = new Float64Array(m);
    for (let j = 0; j < n; j++) {
      this.br[j] = this.wr[j] / m; this.bi[j] = -this.wi[j] / m;
      if (j > 0) { this.br[m - j] = this.br[j]; this.bi[m - j] = this.bi[j]; }
    }
    this.inner.run(this.br, this.bi);
    this.ar = new Float64Array(m); this.ai = new Float64Array(m);
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, m, wr, wi, br, bi, ar, ai } = this;
    for (let j = 0; j < n; j++) { ar[j] = re[j] * wr[j] - im[j] * wi[j]; ai[j] = re[j] * wi[j] + im[j] * wr[j]; }
    ar.fill(0, n); ai.fill(0, n);
    this.inner.run(ar, ai);
    // Multiply by the chirp's spectrum and conjugate: the second forward transform is then an inverse one.
    for (let k = 0; k < m; k++) { const xr = ar[k], xi = ai[k]; ar[k] = xr * br[k] - xi * bi[k]; ai[k] = -(xr * bi[k] + xi * br[k]); }
    this.inner.run(ar, ai);
    for (let k = 0; k < n; k++) { const cr = ar[k], ci = -ai[k]; re[k] = cr * wr[k] - ci * wi[k]; im[k] = cr * wi[k] + ci * wr[k]; }
  }
}

const PLANS = new Map<number, Plan>();
const MAX_PLANS = 32;
/** One line's buffers, grown to the longest transform so far (allocating typed arrays costs more than small transforms). */
let scratchRe = new Float64Array(0), scratchIm = new Float64Array(0);

function planFor(n: number): Plan {
  let p = PLANS.get(n);
  if (p) return p;
  p = (n & (n - 1)) === 0 ? new PowerOfTwo(n) : new Chirp(n);
  if (PLANS.size >= MAX_PLANS) PLANS.delete(PLANS.keys().next().value!);
  PLANS.set(n, p);
  return p;
}

/**
 * c2c: complex (or real) input → its length-n DFT (complex128); r2c: real input → the first n//2 + 1 bins;
 * c2r: the first n//2 + 1 bins of a Hermitian spectrum → the real length-n signal (float64).
 */
export type Kind = 'c2c' | 'r2c' | 'c2r';

/**
 * Transforms every line of x along `axis` into a new C-ordered array. The input line is zero-padded or
 * truncated to n (to n//2 + 1 bins for c2r); `inverse` flips the exponent's sign (c2r is always inverse);
 * the result is multiplied by `scale`.
 */
export function fftAxis(x: NDArray, axis: number, n: number, kind: Kind, inverse: boolean, scale: number): NDArray {
  const L = x.shape[axis], half = (n >> 1) + 1, outLen = kind === 'r2c' ? half : n;
  const shape = x.shape.map((d, i) => (i === axis ? outLen : d));
  const out = new Float64Array(sizeOf(shape) * (kind === 'c2r' ? 1 : 2));
  const inner = sizeOf(shape.slice(axis + 1)), take = Math.min(L, kind === 'c2r' ? half : n);
  const cin = isComplex(x.dtype), d = x.data, xs = x.strides[axis];
  // The inverse transform is conj ∘ DFT ∘ conj: conjugate while gathering and while scattering.
  const sgn = inverse || kind === 'c2r' ? -1 : 1;
  const plan = planFor(n);
  if (scratchRe.length < n) { scratchRe = new Float64Array(n); scratchIm = new Float64Array(n); }
  const re = scratchRe, im = scratchIm;
  const others = x.shape.map((_, i) => i).filter((i) => i !== axis);
  const idx = new Array<number>(others.length).fill(0);
  const lines = sizeOf(others.map((i) => x.shape[i]));
  for (let line = 0, src = x.offset; line < lines; line++) {
    for (let j = 0, p = src; j < take; j++, p += xs) {
      if (cin) { re[j] = d[2 * p]; im[j] = sgn * d[2 * p + 1]; } else { re[j] = d[p]; im[j] = 0; }
    }
    re.fill(0, take, n); im.fill(0, take, n);
    if (kind === 'c2r') for (let k = 1; k < n - k; k++) { re[n - k] = re[k]; im[n - k] = -im[k]; }
    plan.run(re, im);
    const dst = Math.floor(line / inner) * outLen * inner + (line % inner);
    if (kind === 'c2r') for (let j = 0; j < n; j++) out[dst + j * inner] = re[j] * scale;
    else for (let j = 0, q = dst; j < outLen; j++, q += inner) { out[2 * q] = re[j] * scale; out[2 * q + 1] = sgn * im[j] * scale; }
    for (let k = others.length - 1; k >= 0; k--) {
      const a = others[k];
      src += x.strides[a];
      if (++idx[k] < x.shape[a]) break;
      src -= x.strides[a] * x.shape[a];
      idx[k] = 0;
    }
  }
  return new NDArray(out, shape, kind === 'c2r' ? 'float64' : 'complex128');
}
