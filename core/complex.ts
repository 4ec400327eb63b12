// Scalar complex kernels in the C1/C2 form of kernels.ts: inputs as (re, im), result in o[0], o[1].
import type { C1, C2 } from './kernels.js';

export const cmul: C2 = (a, b, c, d, o) => { o[0] = a * c - b * d; o[1] = a * d + b * c; };
export const cdiv: C2 = (a, b, c, d, o) => {
  // Smith's algorithm: no overflow for large |c + di|.
  if (Math.abs(c) >= Math.abs(d)) { const r = d / c, t = c + d * r; o[0] = (a + b * r) / t; o[1] = (b - a * r) / t; }
  else { const r = c / d, t = c * r + d; o[0] = (a * r + b) / t; o[1] = (b * r - a) / t; }
};
export const cadd: C2 = (a, b, c, d, o) => { o[0] = a + c; o[1] = b + d; };
export const csub: C2 = (a, b, c, d, o) => { o[0] = a - c; o[1] = b - d; };

export const cexp: C1 = (re, im, o) => { const e = Math.exp(re); o[0] = im === 0 ? e : e * Math.cos(im); o[1] = im === 0 ? 0 : e * Math.sin(im); };
export const clog: C1 = (re, im, o) => { o[0] = Math.log(Math.hypot(re, im)); o[1] = Math.atan2(im, re); };
export const csqrt: C1 = (re, im, o) => {
  const r = Math.hypot(re, im);
  if (r === 0) { o[0] = 0; o[1] = im; return; }
  const t = Math.sqrt((r + Math.abs(re)) / 2);
  if (re >= 0) { o[0] = t; o[1] = im / (2 * t); } else { o[0] = Math.abs(im) / (2 * t); o[1] = im < 0 || Object.is(im, -0) ? -t : t; }
};
export const csin: C1 = (re, im, o) => { o[0] = Math.sin(re) * Math.cosh(im); o[1] = Math.cos(re) * Math.sinh(im); };
export const ccos: C1 = (re, im, o) => { o[0] = Math.cos(re) * Math.cosh(im); o[1] = -Math.sin(re) * Math.sinh(im); };
export const csinh: C1 = (re, im, o) => { o[0] = Math.sinh(re) * Math.cos(im); o[1] = Math.cosh(re) * Math.sin(im); };
export const ccosh: C1 = (re, im, o) => { o[0] = Math.cosh(re) * Math.cos(im); o[1] = Math.sinh(re) * Math.sin(im); };
export const ctanh: C1 = (re, im, o) => {
  // tanh(a+bi) = (sinh 2a + i sin 2b) / (cosh 2a + cos 2b), stable for large |a|.
  if (Math.abs(re) > 20) { o[0] = Math.sign(re); o[1] = 4 * Math.sin(im) * Math.cos(im) * Math.exp(-2 * Math.abs(re)); return; }
  const d = Math.cosh(2 * re) + Math.cos(2 * im);
  o[0] = Math.sinh(2 * re) / d; o[1] = Math.sin(2 * im) / d;
};
export const ctan: C1 = (re, im, o) => { ctanh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // tan z = -i tanh(iz)

const scratch = new Float64Array(2);
// Inverse functions by their logarithmic forms.
export const casinh: C1 = (re, im, o) => { // log(z + sqrt(z² + 1))
  csqrt(re * re - im * im + 1, 2 * re * im, scratch);
  clog(re + scratch[0], im + scratch[1], o);
};
export const casin: C1 = (re, im, o) => { casinh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // asin z = -i asinh(iz)
export const cacos: C1 = (re, im, o) => { casin(re, im, o); o[0] = Math.PI / 2 - o[0]; o[1] = -o[1]; };
export const catanh: C1 = (re, im, o) => { // ½ log((1+z)/(1−z))
  cdiv(1 + re, im, 1 - re, -im, scratch);
  clog(scratch[0], scratch[1], o); o[0] /= 2; o[1] /= 2;
};
export const catan: C1 = (re, im, o) => { catanh(-im, re, o); const r = o[0]; o[0] = o[1]; o[1] = -r; }; // atan z = -i atanh(iz)
export const cacosh: C1 = (re, im, o) => { // log(z + sqrt(z+1) sqrt(z−1))
  const s = new Float64Array(2), t = new Float64Array(2);
  csqrt(re + 1, im, s); csqrt(re - 1, im, t);
  clog(re + s[0] * t[0] - s[1] * t[1], im + s[0] * t[1] + s[1] * t[0], o);
};
export const cpow: C2 = (a, b, c, d, o) => {
  if (a === 0 && b === 0) { o[0] = c === 0 && d === 0 ? 1 : 0; o[1] = 0; return; }
  clog(a, b, scratch);
  const lr = scratch[0], li = scratch[1];
  cexp(lr * c - li * d, lr * d + li * c, o);
};
