// Bessel functions on float64 numbers: J and Y of integer order, I and e^{−|x|}·I of real order. Small and
// moderate x use Miller's backward recurrence (J, and Y through Neumann's series) or the power series (I); large x
// uses Hankel's asymptotic expansions. Values at NaN, ±∞ and negative x follow SciPy.
import { cospi, gammaln, gammasgn, rgamma, sinpi } from './gamma.js';

const EULER = 0.57721566490153286061;
/** From here on Hankel's expansion for orders 0 and 1 reaches full precision (its smallest term is ~e^{−2x}). */
const HANKEL = 25;
const BIG = 1e250;

/** Where Miller's backward recurrence for J₀ … J_n at x starts (an even index). */
const millerStart = (n: number, x: number) => { const top = Math.max(n, x); return 2 * Math.ceil((top + 20 + Math.sqrt(40 * top)) / 2); };

/**
 * Miller's algorithm: J_{k−1} = (2k/x)·J_k − J_{k+1} run backward from a small start, normalised by J₀ + 2ΣJ₂ₖ = 1.
 * Visits every unnormalised J_k (k descending) and returns the normaliser; `rescale` is called when values are divided by BIG.
 */
function miller(n: number, x: number, visit: (k: number, jk: number) => void, rescale: () => void): number {
  let next = 0, cur = 1e-30, norm = 0;
  for (let k = millerStart(n, x); k > 0; k--) {
    visit(k, cur);
    if (k % 2 === 0) norm += 2 * cur;
    [next, cur] = [cur, ((2 * k) / x) * cur - next];
    if (Math.abs(cur) > BIG) { cur /= BIG; next /= BIG; norm /= BIG; rescale(); }
  }
  visit(0, cur);
  return norm + cur;
}

/** J_n(x) by Miller's algorithm, in constant memory. */
function millerJ(n: number, x: number): number {
  let jn = 0;
  const norm = miller(n, x, (k, jk) => { if (k === n) jn = jk; }, () => { jn /= BIG; });
  return jn / norm;
}

/** Hankel's P and Q for order ν: P − iQ ~ Σ (−i)ᵏ aₖ(ν)/xᵏ, aₖ = ∏ⱼ (4ν² − (2j − 1)²) / (k! 8ᵏ). */
function hankelPQ(nu: number, x: number): [number, number] {
  const mu = 4 * nu * nu;
  let term = 1, p = 1, q = 0;
  for (let k = 1; k < 200; k++) {
    const next = (term * (mu - (2 * k - 1) ** 2)) / (8 * k * x);
    if (Math.abs(next) >= Math.abs(term) && k > 1) break;
    term = next;
    const s = (k >> 1) & 1 ? -1 : 1;
    if (k & 1) q += s * term; else p += s * term;
    if (Math.abs(term) < 1e-17) break;
  }
  return [p, q];
}

/** [J_n(x), Y_n(x)] for large x: √(2/πx)·(P cos χ − Q sin χ) and √(2/πx)·(P sin χ + Q cos χ), χ = x − (n/2 + ¼)π. */
function hankel(n: number, x: number): [number, number] {
  const [p, q] = hankelPQ(n, x);
  const s = Math.sin(x), c = Math.cos(x), cp = cospi(n / 2 + 0.25), sp = sinpi(n / 2 + 0.25);
  const cosChi = c * cp + s * sp, sinChi = s * cp - c * sp, f = Math.sqrt(2 / (Math.PI * x));
  return [f * (p * cosChi - q * sinChi), f * (p * sinChi + q * cosChi)];
}

/** J_n(x) for integer n ≥ 0 and x > 0. */
function besselJ(n: number, x: number): number {
  if (x < HANKEL || n >= x) return millerJ(n, x);
  let [a] = hankel(0, x), [b] = hankel(1, x);
  if (n === 0) return a;
  for (let k = 1; k < n; k++) [a, b] = [b, ((2 * k) / x) * b - a];
  return b;
}

/** [Y₀(x), Y₁(x)] for x > 0: Neumann's series over Miller's J values for small x, Hankel's expansion for large x. */
function besselY01(x: number): [number, number] {
  if (x >= HANKEL) return [hankel(0, x)[1], hankel(1, x)[1]];
  const j = new Float64Array(millerStart(1, x) + 1), m = j.length - 1, lg = Math.log(x / 2) + EULER;
  const norm = miller(1, x, (k, jk) => { j[k] = jk; }, () => { for (let i = 0; i <= m; i++) j[i] /= BIG; });
  for (let k = 0; k <= m; k++) j[k] /= norm;
  // Y₀ = (2/π)(log(x/2) + γ)J₀ − (4/π)Σₖ (−1)ᵏ J₂ₖ/k; Y₁ = −Y₀′, with J₂ₖ′ = (J₂ₖ₋₁ − J₂ₖ₊₁)/2 collected per index.
  let s0 = 0, s1 = -j[1] / 2;
  for (let k = 1; 2 * k <= m; k++) s0 += ((k & 1 ? -1 : 1) * j[2 * k]) / k;
  for (let k = 1; 2 * k + 1 <= m; k++) s1 += ((k & 1 ? 1 : -1) * (2 * k + 1) * j[2 * k + 1]) / (2 * k * (k + 1));
  return [(2 / Math.PI) * (lg * j[0] - 2 * s0), (-2 / Math.PI) * (j[0] / x - lg * j[1]) + (4 / Math.PI) * s1];
}

/** The sign (−1)ⁿ that negating an integer order or argument brings. */
const parity = (n: number) => (n % 2 === 0 ? 1 : -1);

export function jn(n: number, x: number): number {
  if (!Number.isFinite(x) || !Number.isInteger(n)) return NaN;
  if (n < 0) return parity(n) * jn(-n, x);
  if (x < 0) return parity(n) * jn(n, -x);
  if (x === 0) return n === 0 ? 1 : 0;
  return besselJ(n, x);
}

export function yn(n: number, x: number): number {
  if (!(x >= 0) || x === Infinity || !Number.isInteger(n)) return NaN;
  if (n < 0) return parity(n) * yn(-n, x);
  if (x === 0) return -Infinity;
  let [a, b] = besselY01(x);
  if (n === 0) return a;
  for (let k = 1; k < n && Number.isFinite(b); k++) [a, b] = [b, ((2 * k) / x) * b - a];
  return b;
}

export const j0 = (x: number) => jn(0, x), j1 = (x: number) => jn(1, x);
export const y0 = (x: number) => yn(0, x), y1 = (x: number) => yn(1, x);

/** e^{−x}·I_v(x) ~ Σ (−1)ᵏ aₖ(v)/xᵏ / √(2πx) for x ≥ max(30, v²), where the terms fall at least twofold at first. */
function iAsymptotic(v: number, x: number): number {
  const mu = 4 * v * v;
  let term = 1, sum = 1;
  for (let k = 1; k < 500 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= -(mu - (2 * k - 1) ** 2) / (8 * k * x);
    sum += term;
  }
  return sum / Math.sqrt(2 * Math.PI * x);
}

/** I_v(x), or e^{−x}·I_v(x) when `scaled`, for x > 0 and v not a negative integer: Σ (x/2)^{2k+v} / (k! Γ(v + k + 1)). */
function besselI(v: number, x: number, scaled: boolean): number {
  if (x >= 30 && x >= v * v) {
    const s = iAsymptotic(v, x);
    return scaled ? s : s * Math.exp(x / 2) * Math.exp(x / 2);
  }
  const z = (x * x) / 4;
  let term = 1, sum = 1, rescaled = 0;
  for (let k = 1; k < 1e7 && Math.abs(term) > 1e-17 * Math.abs(sum); k++) {
    term *= z / (k * (v + k));
    sum += term;
    if (Math.abs(sum) > BIG) { sum /= BIG; term /= BIG; rescaled++; }
  }
  const direct = Math.pow(x / 2, v) * rgamma(v + 1) * sum * (scaled ? Math.exp(-x) : 1);
  if (!rescaled && Number.isFinite(direct) && direct !== 0) return direct;
  const log = v * Math.log(x / 2) - gammaln(v + 1) + Math.log(Math.abs(sum)) + rescaled * Math.log(BIG) - (scaled ? x : 0);
  return gammasgn(v + 1) * Math.sign(sum) * Math.exp(log);
}

function modified(v: number, x: number, scaled: boolean): number {
  if (Number.isNaN(v) || !Number.isFinite(x)) return NaN;
  const integer = Number.isInteger(v);
  if (x < 0) return integer ? parity(v) * modified(v, -x, scaled) : NaN;
  if (integer) v = Math.abs(v);
  if (x === 0) return v === 0 ? 1 : v > 0 ? 0 : Infinity;
  return besselI(v, x, scaled);
}

/** I_v(x), the modified Bessel function of the first kind of real order v. */
export const iv = (v: number, x: number) => modified(v, x, false);
/** e^{−|x|}·I_v(x). */
export const ive = (v: number, x: number) => modified(v, x, true);
export const i0 = (x: number) => iv(0, x), i1 = (x: number) => iv(1, x);
