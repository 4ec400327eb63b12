// Regularised incomplete gamma and beta functions, and Student's t CDF, on float64 numbers. Each is a series or
// a continued fraction (modified Lentz) times a prefactor that keeps full relative accuracy for large parameters.
import { erfc } from './erf.js';
import { beta, betaln, gamma, gammaln, gammaln1p, stirling } from './gamma.js';

const EPS = 1e-16, TINY = 1e-300, MAX_ITER = 1_000_000;
const TWO_PI = 2 * Math.PI;
const nonzero = (v: number) => (Math.abs(v) < TINY ? TINY : v);

/** log(1 + u) − u; for small u by log(1 + u) = 2 atanh(r), r = u/(2 + u), whose first term cancels exactly. */
function log1pmx(u: number): number {
  if (Math.abs(u) > 0.3) return Math.log1p(u) - u;
  const r = u / (2 + u), r2 = r * r;
  let power = r, sum = 0;
  for (let k = 3; ; k += 2) {
    power *= r2;
    sum += power / k;
    if (Math.abs(power / k) <= EPS * Math.abs(sum)) break;
  }
  return 2 * sum - u * r;
}

/** xᵃ e⁻ˣ / Γ(a); for large a as √(a/2π) exp(a·log1pmx((x − a)/a) − stirling(a)), exact in the large terms. */
function gammaPrefix(a: number, x: number): number {
  if (a >= 10) return Math.sqrt(a / TWO_PI) * Math.exp(a * log1pmx((x - a) / a) - stirling(a));
  return x < 700 ? (Math.pow(x, a) * Math.exp(-x)) / gamma(a) : Math.exp(a * Math.log(x) - x - gammaln(a));
}

/** γ(a, x) / (xᵃ e⁻ˣ) = Σₙ xⁿ / (a (a + 1) ⋯ (a + n)). */
function lowerSeries(a: number, x: number): number {
  let term = 1 / a, sum = term;
  for (let n = 1; n < MAX_ITER && term > EPS * sum; n++) { term *= x / (a + n); sum += term; }
  return sum;
}

/** Γ(a, x) / (xᵃ e⁻ˣ) = 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − 2·(2 − a)/(x + 5 − a − ⋯))). */
function upperFraction(a: number, x: number): number {
  let b = x + 1 - a, c = 1 / TINY, d = 1 / nonzero(b), h = d;
  for (let n = 1; n < MAX_ITER; n++) {
    const an = -n * (n - a);
    b += 2;
    d = 1 / nonzero(an * d + b);
    c = nonzero(b + an / c);
    h *= d * c;
    if (Math.abs(d * c - 1) < EPS) break;
  }
  return h;
}

/** Q(a, x) for a < 1 and x < 2, where 1 − P would cancel: 1 − xᵃ/Γ(a + 1) − xᵃ/Γ(a) Σₙ₌₁ (−x)ⁿ / (n! (a + n)). */
function upperSmallA(a: number, x: number): number {
  const lead = a * Math.log(x) - gammaln1p(a);
  let term = 1, sum = 0;
  for (let n = 1; n < 100; n++) {
    term *= -x / n;
    sum += term / (a + n);
    if (Math.abs(term / (a + n)) <= EPS * Math.abs(sum)) break;
  }
  return -Math.expm1(lead) - a * Math.exp(lead) * sum;
}

/** Cases outside the series and fractions, as SciPy: NaN, the edges a = 0, x = 0 and the infinities. */
function gammaEdge(a: number, x: number, lower: boolean): number | undefined {
  if (!(a >= 0 && x >= 0) || (a === 0 && x === 0) || (a === Infinity && x === Infinity)) return NaN;
  if (a === 0 || x === Infinity) return lower ? 1 : 0;
  if (x === 0 || a === Infinity) return lower ? 0 : 1;
  return undefined;
}

/** P(a, x) = γ(a, x)/Γ(a). */
export function gammainc(a: number, x: number): number {
  const edge = gammaEdge(a, x, true);
  if (edge !== undefined) return edge;
  return x < a + 1 ? gammaPrefix(a, x) * lowerSeries(a, x) : 1 - gammaPrefix(a, x) * upperFraction(a, x);
}

/** Q(a, x) = Γ(a, x)/Γ(a) = 1 − P(a, x). */
export function gammaincc(a: number, x: number): number {
  const edge = gammaEdge(a, x, false);
  if (edge !== undefined) return edge;
  if (x >= a + 1) return gammaPrefix(a, x) * upperFraction(a, x);
  return a < 1 ? upperSmallA(a, x) : 1 - gammaPrefix(a, x) * lowerSeries(a, x);
}

/**
 * xᵃ yᵇ / B(a, b) with y = 1 − x. For large a and b, from Stirling's series: with δ = xb − ya it is
 * √(ab / 2π(a + b)) · exp(a·log1pmx(δ/a) + b·log1pmx(−δ/b) + S(a + b) − S(a) − S(b)), both log1pmx terms ≤ 0.
 */
function betaPrefix(a: number, b: number, x: number, y: number): number {
  if (a >= 10 && b >= 10) {
    const s = a + b, delta = x * b - y * a;
    return Math.sqrt((a * b) / (TWO_PI * s)) * Math.exp(a * log1pmx(delta / a) + b * log1pmx(-delta / b) + stirling(s) - stirling(a) - stirling(b));
  }
  // log x from y when x is near 1 (and the other way round): a·log x is then exact to a few ulp even for huge a.
  const lx = x > 0.5 ? Math.log1p(-y) : Math.log(x), ly = y > 0.5 ? Math.log1p(-x) : Math.log(y);
  const p = (Math.exp(a * lx) * Math.exp(b * ly)) / beta(a, b);
  return Number.isFinite(p) ? p : Math.exp(a * lx + b * ly - betaln(a, b));
}

/** I_x(a, b) / (xᵃ yᵇ / (a B(a, b))) by the continued fraction of DLMF 8.17.22, for x below the mean. */
function betaFraction(a: number, b: number, x: number): number {
  let c = 1, d = 1 / nonzero(1 - ((a + b) * x) / (a + 1)), h = d;
  for (let m = 1; m < MAX_ITER; m++) {
    const even = (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m));
    d = 1 / nonzero(1 + even * d);
    c = nonzero(1 + even / c);
    h *= d * c;
    const odd = (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 / nonzero(1 + odd * d);
    c = nonzero(1 + odd / c);
    h *= d * c;
    if (Math.abs(d * c - 1) < EPS) break;
  }
  return h;
}

/** I_x(a, b), the regularised incomplete beta function, given y = 1 − x as well (callers often know it exactly). */
export function ibeta(a: number, b: number, x: number, y: number): number {
  if (!(a >= 0 && b >= 0 && x >= 0 && x <= 1) || (a === 0 && b === 0) || (a === Infinity && b === Infinity)) return NaN;
  if (a === 0 || b === Infinity) return x > 0 ? 1 : 0;
  if (b === 0 || a === Infinity) return x < 1 ? 0 : 1;
  if (x === 0 || y === 0) return x === 0 ? 0 : 1;
  const below = (p: number, q: number, u: number, v: number) => (betaPrefix(p, q, u, v) * betaFraction(p, q, u)) / p;
  if (x * (a + b + 2) <= a + 1) return below(a, b, x, y);
  // Above the mean, by symmetry, unless that leaves 1 − (nearly 1) (b very small): then the fraction still converges.
  const upper = below(b, a, y, x);
  return upper < 0.9 ? 1 - upper : below(a, b, x, y);
}

export const betainc = (a: number, b: number, x: number) => ibeta(a, b, x, 1 - x);

/**
 * Student's t CDF with df degrees of freedom: the tail beyond |t| is I_x(df/2, ½)/2 with x = df/(df + t²). For
 * large df, where the continued fraction loses ~√df·ε near x = 1, I_x(a, b) ≈ Q(b, −(a + (b − 1)/2)·log x) (the leading
 * term of DiDonato and Morris's BGRAT, relative error O(t⁴/df²)), which for b = ½ is erfc(√u).
 */
export function stdtr(df: number, t: number): number {
  if (!(df > 0) || Number.isNaN(t)) return NaN;
  const t2 = t * t;
  if (t2 === Infinity) return t > 0 ? 1 : 0;
  const u = df === Infinity ? t2 / 2 : ((df - 0.5) / 2) * Math.log1p(t2 / df);
  const tail = df >= 1e7 ? erfc(Math.sqrt(u)) / 2 : ibeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2)) / 2;
  return t > 0 ? 1 - tail : tail;
}
