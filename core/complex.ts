// Scalar complex kernels in the C1/C2 form of kernels.ts: inputs as (re, im), result in o[0], o[1].
import type { C1, C2 } from './kernels.js';

export const cmul: C2 = (a, b, c, d, o) => { o[0] = a * c - b * d; o[1] = a * d + b * c; };
export const cdiv: C2 = (a, b, c, d, o) => {
  if (c === 0 && d === 0) { o[0] = a / 0; o[1] = b / 0; return; } // NumPy: a complex inf or nan
  // Smith's algorithm: no overflow for large |c + di|.
  if (Math.abs(c) >= Math.abs(d)) { const r = d / c, t = c + d * r; o[0] = (a + b * r) / t; o[1] = (b - a * r) / t; }
  else { const r = c / d, t = c * r + d; o[0] = (a * r + b) / t; o[1] = (b * r - a) / t; }
};
export const cadd: C2 = (a, b, c, d, o) => { o[0] = a + c; o[1] = b + d; };
export const csub: C2 = (a, b, c, d, o) => { o[0] = a - c; o[1] = b - d; };

export const cexp: C1 = (re, im, o) => { const e = Math.exp(re); o[0] = im === 0 ? e : e * Math.cos(im); o[1] = im === 0 ? 0 : e * Math.sin(im); };
export const clog: C1 = (re, im, o) => {
  const h = Math.hypot(re, im);
  // Near |z| = 1, log|z| = ½ log1p((re − 1)(re + 1) + im²) keeps the digits that log(h) loses.
  o[0] = h > 0.5 && h < 2 ? 0.5 * Math.log1p((re - 1) * (re + 1) + im * im) : Math.log(h);
  o[1] = Math.atan2(im, re);
};
/** log(1 + z), accurate for small z. */
export const clog1p: C1 = (re, im, o) => {
  const h = Math.hypot(1 + re, im);
  if (!(h > 0.5 && h < 2)) { clog(1 + re, im, o); return; }
  o[0] = 0.5 * Math.log1p(re * (2 + re) + im * im);
  o[1] = Math.atan2(im, 1 + re);
};
/** exp(z) − 1, accurate for small z: Re = expm1(re)·cos(im) − 2 sin²(im/2). */
export const cexpm1: C1 = (re, im, o) => {
  const s = Math.sin(im / 2);
  o[0] = Math.expm1(re) * Math.cos(im) - 2 * s * s;
  o[1] = im === 0 ? im : Math.exp(re) * Math.sin(im);
};
export const csqrt: C1 = (re, im, o) => {
  const r = Math.hypot(re, im);
  if (r === 0) { o[0] = 0; o[1] = im; return; }
  const t = Math.sqrt((r + Math.abs(re)) / 2);
  if (re >= 0) { o[0] = t; o[1] = im / (2 * t); } else { o[0] = Math.abs(im) / (2 * t); o[1] = im < 0 || Object.is(im, -0) ? -t : t; }
};
/** A trigonometric factor times a hyperbolic one, where an exact zero wins over overflow (sin(0 + 1000i) = 0 + ∞i). */
const th = (t: number, h: number) => (t === 0 ? t : t * h);
export const csin: C1 = (re, im, o) => { o[0] = th(Math.sin(re), Math.cosh(im)); o[1] = th(Math.cos(re), Math.sinh(im)); };
export const ccos: C1 = (re, im, o) => { o[0] = th(Math.cos(re), Math.cosh(im)); o[1] = th(-Math.sin(re), Math.sinh(im)); };
export const csinh: C1 = (re, im, o) => { o[0] = th(Math.cos(im), Math.sinh(re)); o[1] = th(Math.sin(im), Math.cosh(re)); };
export const ccosh: C1 = (re, im, o) => { o[0] = th(Math.cos(im), Math.cosh(re)); o[1] = th(Math.sin(im), Math.sinh(re)); };
export const ctanh: C1 = (re, im, o) => {
  // tanh(a+bi) = (sinh 2a + i sin 2b) / (cosh 2a + cos 2b), stable for large |a|.
  if (Math.abs(re) > 20) { o[0] = Math.sign(re); o[1] = 4 * Math.sin(im) * Math.cos(im) * Math.exp(-2 * Math.abs(re)); return; }
  const d = Math.cosh(2 * re) + Math.cos(2 * im);
  o[0] = Math.sinh(2 * re) / d; o[1] = Math.sin(2 * im) / d;
};
export const ctan: C1 = (re, im, o) => { ctanh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // tan z = -i tanh(iz)

const scratch = new Float64Array(2);
// Inverse functions by their logarithmic forms, arranged to keep full precision near 0.
export const casinh: C1 = (re, im, o) => {
  // Odd: with re ≥ +0 there is no cancellation in z + sqrt(z² + 1) (−0 is on the cut's other side).
  if (re < 0 || Object.is(re, -0)) { casinh(-re, -im, o); o[0] = -o[0]; o[1] = -o[1]; return; }
  if (Math.hypot(re, im) > 1e8) { clog(re, im, o); o[0] += Math.LN2; return; } // log(2z), before z² overflows
  // log1p(z + z²/(1 + sqrt(z² + 1))), which is log(z + sqrt(z² + 1)); Re(z² + 1) factored for z near ±i.
  const zr = re * re - im * im, zi = 2 * re * im;
  csqrt((1 - im) * (1 + im) + re * re, zi, scratch);
  cdiv(zr, zi, 1 + scratch[0], scratch[1], scratch);
  clog1p(re + scratch[0], im + scratch[1], o);
};
export const casin: C1 = (re, im, o) => { casinh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // asin z = -i asinh(iz)
export const cacos: C1 = (re, im, o) => { casin(re, im, o); o[0] = Math.PI / 2 - o[0]; o[1] = -o[1]; };
export const catanh: C1 = (re, im, o) => { // ½ (log1p(z) − log1p(−z))
  clog1p(re, im, scratch);
  const a = scratch[0], b = scratch[1];
  clog1p(-re, -im, scratch);
  o[0] = (a - scratch[0]) / 2; o[1] = (b - scratch[1]) / 2;
};
export const catan: C1 = (re, im, o) => { catanh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // atan z = -i atanh(iz)
export const cacosh: C1 = (re, im, o) => { // log(z + sqrt(z+1) sqrt(z−1))
  const s = new Float64Array(2), t = new Float64Array(2);
  csqrt(re + 1, im, s); csqrt(re - 1, im, t);
  clog(re + s[0] * t[0] - s[1] * t[1], im + s[0] * t[1] + s[1] * t[0], o);
};
export const cpow: C2 = (a, b, c, d, o) => {
  if (c === 0 && d === 0) { o[0] = 1; o[1] = 0; return; }
  if (a === 0 && b === 0) { o[0] = o[1] = c > 0 ? 0 : NaN; return; } // NumPy: 0 ** z is nan unless Re z > 0
  if (d === 0 && Number.isInteger(c) && Math.abs(c) < 100) { // NumPy: small integer powers by repeated squaring, exact as z·z
    let pr = a, pi = b, rr = 1, ri = 0;
    for (let n = Math.abs(c); ; n >>= 1) {
      if (n & 1) { cmul(rr, ri, pr, pi, o); rr = o[0]; ri = o[1]; }
      if (n <= 1) break;
      cmul(pr, pi, pr, pi, o); pr = o[0]; pi = o[1];
    }
    if (c < 0) cdiv(1, 0, rr, ri, o); else { o[0] = rr; o[1] = ri; }
    return;
  }
  clog(a, b, scratch);
  const lr = scratch[0], li = scratch[1];
  cexp(lr * c - li * d, lr * d + li * c, o);
};
