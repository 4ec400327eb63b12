// The error function family on float64 numbers: erf, erfc, erfcx = exp(x²)·erfc(x), their inverses, and the
// standard normal CDF Φ (ndtr), log Φ and Φ⁻¹ (ndtri). Values at NaN and ±∞ follow SciPy.

const TWO_OVER_SQRT_PI = 1.1283791670955125739;
const SQRT_PI = 1.7724538509055160273;

/** erf by its Taylor series, for |x| < 1: 2/√π Σ (−1)ⁿ x²ⁿ⁺¹ / (n! (2n + 1)). */
function erfSeries(x: number): number {
  const z = x * x;
  let term = x, sum = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= -z / n;
    sum += term / (2 * n + 1);
  }
  return TWO_OVER_SQRT_PI * sum;
}

/** erfcx for x ≥ 1 by Laplace's continued fraction 1/√π · 1/(x + (1/2)/(x + (2/2)/(x + …))), modified Lentz. */
function erfcxFraction(x: number): number {
  let f = x, c = x, d = 0;
  for (let n = 1; n < 500; n++) {
    d = 1 / (x + (n / 2) * d);
    c = x + n / 2 / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return 1 / (SQRT_PI * f);
}

/** exp(s·x²) with x² split as hi² + lo·(x + hi), hi having 16 fraction bits, so that rounding x² costs nothing. */
function expSquare(x: number, s: number): number {
  const hi = Math.round(x * 65536) / 65536;
  return Math.exp(s * hi * hi) * Math.exp(s * (x - hi) * (x + hi));
}

export function erf(x: number): number {
  if (Math.abs(x) < 1) return erfSeries(x);
  if (Number.isNaN(x)) return x;
  return Math.sign(x) * (1 - erfc(Math.abs(x)));
}

export function erfc(x: number): number {
  if (x < 1) return x > -1 ? 1 - erfSeries(x) : 2 - erfc(-x);
  if (x > 27.3) return 0;
  return Number.isNaN(x) ? x : expSquare(x, -1) * erfcxFraction(x);
}

export function erfcx(x: number): number {
  if (x >= 1) return x === Infinity ? 0 : erfcxFraction(x);
  if (x < -26.7) return Infinity;
  return Number.isNaN(x) ? x : expSquare(x, 1) * erfc(x);
}

/** Φ(x) = erfc(−x/√2)/2; in the lower tail exp(−x²/2)·erfcx(−x/√2)/2, so that rounding x/√2 costs nothing. */
export const ndtr = (x: number) => (x < -40 ? 0 : x < -Math.SQRT2 ? (expSquare(x, -0.5) * erfcx(-x * Math.SQRT1_2)) / 2 : erfc(-x * Math.SQRT1_2) / 2);

/** log Φ(x): through erfcx in the lower tail, where Φ underflows; through log1p(−Φ(−x)) where Φ is near 1. */
export function logNdtr(x: number): number {
  const t = -x * Math.SQRT1_2;
  if (t >= 1) return -0.5 * x * x + Math.log(erfcx(t) / 2);
  return x > 0 ? Math.log1p(-ndtr(-x)) : Math.log(ndtr(x));
}

/** The inverse of erf: Halley's iteration from a series guess for |y| < ½, else through erfcinv(1 − |y|) (exact). */
export function erfinv(y: number): number {
  const a = Math.abs(y);
  if (!(a < 0.5)) return a <= 1 ? Math.sign(y) * erfcinv(1 - a) : NaN;
  let x = (SQRT_PI / 2) * y * (1 + (Math.PI / 12) * y * y);
  for (let i = 0; i < 10; i++) {
    const f = erf(x) - y, df = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    const step = f / (df * (1 + (x * f) / df));
    x -= step;
    if (Math.abs(step) <= 1e-17 * Math.abs(x)) break;
  }
  return x;
}

/**
 * The inverse of erfc. Below ½ it solves log erfc(x) = log z by Newton's method (log erfc is concave, so the
 * iteration converges monotonically), with log erfc(x) = −x² + log erfcx(x) free of underflow.
 */
export function erfcinv(z: number): number {
  if (!(z >= 0 && z <= 2)) return NaN;
  if (z > 1) return -erfcinv(2 - z);
  if (z > 0.5) return erfinv(1 - z);
  if (z === 0) return Infinity;
  const lz = Math.log(z);
  let x = Math.sqrt(Math.max(0.25, -Math.log(z * SQRT_PI * Math.sqrt(-lz))));
  for (let i = 0; i < 50; i++) {
    const ex = erfcx(x), step = ((-x * x + Math.log(ex) - lz) * SQRT_PI * ex) / 2;
    x += step;
    if (Math.abs(step) <= 1e-16 * x) break;
  }
  return x;
}

/** Φ⁻¹(p) = −√2 erfcinv(2p). */
export const ndtri = (p: number) => -Math.SQRT2 * erfcinv(2 * p);

