// The gamma family on float64 numbers: Γ, log|Γ|, sign Γ, 1/Γ, ψ and its derivatives, B and log|B|.
// Values at poles, NaN and ±∞ follow SciPy. Series coefficients are ζ values and Bernoulli numbers.

/** B₂, B₄, …, B₂₄. */
const BERNOULLI = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510, 43867 / 798, -174611 / 330, 854513 / 138, -236364091 / 2730];
/** Stirling's series log Γ(x) − [(x − ½) log x − x + ½ log 2π] = Σ B₂ₖ / (2k(2k − 1) x²ᵏ⁻¹). */
const STIRLING = BERNOULLI.map((b, k) => b / ((2 * k + 2) * (2 * k + 1)));
/** ψ(x) − [log x − 1/(2x)] ~ −Σ B₂ₖ / (2k x²ᵏ). */
const DIGAMMA_ASYMPTOTIC = BERNOULLI.map((b, k) => b / (2 * k + 2));
/** Euler–Maclaurin tail weights B₂ⱼ / (2j)!. */
const EULER_MACLAURIN = BERNOULLI.map((b, j) => { let f = 1; for (let i = 2; i <= 2 * j + 2; i++) f *= i; return b / f; });

/** log Γ(2 + e) = (1 − γ) e + Σₖ₌₂ (−1)ᵏ (ζ(k) − 1) eᵏ / k, used for |e| ≤ ½. */
const LGAMMA2 = [
  0.42278433509846714, 0.32246703342411322, -0.067352301053198095, 0.020580808427784548, -0.0073855510286739853,
  0.0028905103307415233, -0.001192753911703261, 0.00050966952474304242, -0.00022315475845357938, 0.000099457512781808534,
  -0.000044926236738133142, 0.000020507212775670692, -0.0000094394882752683959, 0.0000043748667899074878,
  -0.0000020392157538013662, 0.00000095514121304074198, -0.0000004492469198764566, 0.00000021207184805554666,
  -0.000000100432248239681, 0.000000047698101693639806, -0.000000022711094608943165, 0.000000010838659214896954,
  -0.0000000051834750419700467, 0.0000000024836745438024783, -0.0000000011921401405860912, 0.0000000005731367241678862,
  -0.00000000027595228851242331, 0.00000000013304764374244489, -0.000000000064229645638381,
];
/** The positive zero of ψ as a sum of two doubles, and ψ⁽ᵏ⁾(x₀)/k! for the Taylor series around it. */
const PSI_ROOT = 1.4616321449683622, PSI_ROOT_LO = 9.549995429965697e-17;
const PSI_AT_ROOT = [
  0.96767224544762117, -0.44276316898359211, 0.25849976095565101, -0.16394270544240653, 0.10782405069126237,
  -0.072199561256454711, 0.048804288164143107, -0.033161126474847359, 0.022597648232218105, -0.015424765904948959,
  0.010538791616612175, -0.0072045343863568682, 0.0049267813957298534, -0.0033698016554393281, 0.0023051263267349278,
  -0.0015769367714301973, 0.0010788252019162966, -0.00073807093899600513, 0.00050495326583460204, -0.0003454680251063077,
  0.00023635601564027053, -0.00016170622091974803, 0.00011063372768747411, -7.5691795821950659e-5, 5.1785757952220809e-5,
];
export const LOG_SQRT_2PI = 0.91893853320467274178;
const SQRT_2PI = 2.5066282746310005024;
/** Where Stirling's series is used: 12 terms reach 1e-20 there. */
const LARGE = 10;

const horner = (c: readonly number[], x: number) => { let s = 0; for (let k = c.length - 1; k >= 0; k--) s = s * x + c[k]; return s; };
const isPole = (x: number) => x <= 0 && Number.isInteger(x);

/** sin(πx) and cos(πx), exact at integers and half-integers. */
export function sinpi(x: number): number {
  let r = x % 2;
  if (r > 1) r -= 2; else if (r < -1) r += 2;
  if (r > 0.5) r = 1 - r; else if (r < -0.5) r = -1 - r;
  return Math.sin(Math.PI * r);
}
export function cospi(x: number): number {
  let r = Math.abs(x) % 2;
  if (r > 1) r = 2 - r;
  return r < 0.25 ? Math.cos(Math.PI * r) : r <= 0.75 ? Math.sin(Math.PI * (0.5 - r)) : -Math.cos(Math.PI * (1 - r));
}

/** log Γ(x) − [(x − ½) log x − x + ½ log 2π] for x ≥ LARGE. */
export const stirling = (x: number) => horner(STIRLING, 1 / (x * x)) / x;
const lgamma2 = (e: number) => horner(LGAMMA2, e) * e;

export function gamma(x: number): number {
  if (x >= LARGE) {
    if (x > 172) return Infinity;
    const h = Math.pow(x, (x - 0.5) / 2); // x^(x−½) in two halves, so that it overflows only with the result
    return h * (h * Math.exp(-x)) * SQRT_2PI * Math.exp(stirling(x));
  }
  if (x >= 2.5) {
    let p = 1;
    while (x >= 2.5) { x -= 1; p *= x; }
    return p * Math.exp(lgamma2(x - 2));
  }
  if (x >= 1.5) return Math.exp(lgamma2(x - 2));
  if (x >= 0.5) return Math.exp(lgamma2(x - 1)) / x;
  if (x > 0) return Math.exp(lgamma2(x)) / (x * (1 + x));
  if (x === 0) return 1 / x;
  if (isPole(x) || !Number.isFinite(x)) return NaN;
  return Math.PI / (sinpi(x) * gamma(1 - x));
}

/** log|Γ(x)|, accurate to a few ulp relative also near its zeros at 1 and 2. */
export function gammaln(x: number): number {
  if (x >= LARGE) return x === Infinity ? x : (x - 0.5) * Math.log(x) - x + LOG_SQRT_2PI + stirling(x);
  if (x >= 2.5) {
    let p = 1;
    while (x >= 2.5) { x -= 1; p *= x; }
    return Math.log(p) + lgamma2(x - 2);
  }
  if (x >= 1.5) return lgamma2(x - 2);
  if (x >= 0.5) return lgamma2(x - 1) - Math.log1p(x - 1);
  if (x > 0) return lgamma2(x) - Math.log(x) - Math.log1p(x);
  if (isPole(x)) return Infinity;
  if (x === -Infinity || Number.isNaN(x)) return x;
  return Math.log(Math.PI / Math.abs(sinpi(x))) - gammaln(1 - x);
}

/** log Γ(1 + a) without rounding 1 + a (which would swamp small a). */
export const gammaln1p = (a: number) => (Math.abs(a) <= 0.5 ? lgamma2(a) - Math.log1p(a) : gammaln(1 + a));

export function gammasgn(x: number): number {
  if (x > 0) return 1;
  if (x === 0) return Object.is(x, -0) ? -1 : 1;
  if (isPole(x) || !Number.isFinite(x)) return NaN;
  return Math.floor(x) % 2 === 0 ? 1 : -1;
}

/** 1/Γ(x): zero at the poles, and by reflection for negative x (where Γ(1 − x) may overflow). */
export function rgamma(x: number): number {
  if (Number.isNaN(x)) return x;
  if (isPole(x) || !Number.isFinite(x)) return 0;
  if (x > 171) return Math.exp(-gammaln(x));
  return x >= 0.5 ? 1 / gamma(x) : (sinpi(x) * gamma(1 - x)) / Math.PI;
}

export function digamma(x: number): number {
  if (Math.abs(x - PSI_ROOT) < 0.25) { const d = x - PSI_ROOT - PSI_ROOT_LO; return d * horner(PSI_AT_ROOT, d); }
  if (x > 0) {
    let s = 0;
    for (; x < LARGE; x += 1) s -= 1 / x;
    const z = 1 / (x * x);
    return s + Math.log(x) - 0.5 / x - z * horner(DIGAMMA_ASYMPTOTIC, z);
  }
  if (x === 0) return -1 / x;
  if (isPole(x) || !Number.isFinite(x)) return NaN;
  return digamma(1 - x) - (Math.PI * cospi(x)) / sinpi(x);
}

/** ζ(s, q) = Σₖ (q + k)⁻ˢ for integer s ≥ 2 and q > 0: the sum until q + k ≥ s + 12, then Euler–Maclaurin. */
function hurwitz(s: number, q: number): number {
  let sum = 0;
  for (; q < s + 12; q += 1) sum += Math.pow(q, -s);
  const tail = Math.pow(q, 1 - s);
  sum += tail / (s - 1) + tail / (2 * q);
  let d = (s * tail) / (q * q); // s·q⁻ˢ⁻¹, then the (2j − 1)th derivatives of q⁻ˢ up to sign
  for (let j = 0; j < EULER_MACLAURIN.length; j++) {
    sum += EULER_MACLAURIN[j] * d;
    d *= (s + 2 * j + 1) * (s + 2 * j + 2) / (q * q);
  }
  return sum;
}

/** dⁿ/dxⁿ cot(πx) / πⁿ as a polynomial in c = cot(πx): P₀ = c, Pₖ₊₁ = −(1 + c²) Pₖ′. */
function cotDerivative(n: number, c: number): number {
  let p = [0, 1];
  for (let k = 0; k < n; k++) {
    const q = new Array<number>(p.length + 1).fill(0);
    for (let i = 1; i < p.length; i++) { q[i - 1] -= i * p[i]; q[i + 1] -= i * p[i]; }
    p = q;
  }
  return horner(p, c);
}

/** ψ⁽ⁿ⁾(x) = (−1)ⁿ⁺¹ n! ζ(n + 1, x); for negative x by reflection, ψ⁽ⁿ⁾(x) = (−1)ⁿ ψ⁽ⁿ⁾(1 − x) − πⁿ⁺¹ Pₙ(cot πx). */
export function polygamma(n: number, x: number): number {
  if (n === 0) return digamma(x);
  if (!(n > 0) || !Number.isInteger(n) || Number.isNaN(x)) return NaN;
  if (x === Infinity) return 0;
  if (isPole(x)) return n % 2 ? Infinity : -Infinity;
  if (x < 0) return (n % 2 ? -1 : 1) * polygamma(n, 1 - x) - Math.PI ** (n + 1) * cotDerivative(n, cospi(x) / sinpi(x));
  let f = n % 2 ? 1 : -1;
  for (let k = 2; k <= n; k++) f *= k;
  return f * hurwitz(n + 1, x);
}

/** log|B(a, b)|. For large arguments the Stirling series of each Γ, with the large terms combined exactly. */
export function betaln(a: number, b: number): number {
  const x = Math.min(a, b), y = Math.max(a, b);
  if (!(x > 0) || y < LARGE) return gammaln(a) + gammaln(b) - gammaln(a + b);
  const s = x + y, corr = stirling(y) - stirling(s);
  // log Γ(y) − log Γ(x + y) = −(y − ½) log(1 + x/y) − x log(x + y) + x + corrections
  if (x < LARGE) return gammaln(x) - (y - 0.5) * Math.log1p(x / y) - x * Math.log(s) + x + corr;
  return LOG_SQRT_2PI - 0.5 * Math.log(s) + (x - 0.5) * Math.log(x / s) + (y - 0.5) * Math.log1p(-x / s) + stirling(x) + corr;
}

export function beta(a: number, b: number): number {
  if (isPole(a) || isPole(b)) return Number.isNaN(a + b) ? NaN : Infinity;
  const x = Math.min(a, b), y = Math.max(a, b);
  if (isPole(a + b)) return 0;
  if (a + b < 171 && y < 171) return (gamma(y) * rgamma(a + b)) * gamma(x);
  return gammasgn(a) * gammasgn(b) * gammasgn(a + b) * Math.exp(betaln(a, b));
}
