// scipy.stats distributions, each written once as a composite of catalog ops (STYLE.md item 8). An op's forward
// pass evaluates its composite; its VJP and JVP differentiate the composite with the engine's own reverse and
// forward traces, so they are exact in both modes and to every order. Parameters are positional with SciPy's
// defaults (loc = 0, scale = 1); invalid parameters give NaN and points outside the support give −∞ (log) or 0, as
// SciPy. An argument is differentiable unless the composite goes through a parameter that has no derivative
// (the order of an incomplete beta or gamma function), or it is integer-valued (poisson's k).
import { defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp, Operand } from '../call.js';
import { floatDtype, isComplex, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, cast } from '../kernels.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { backward, Box, FwdNode, newTrace, RevNode } from '../tracer.js';
import { add, div, equal, exp, floor, greater, log, mul, neg, reshape, square, sub, sum, transpose, where } from './prims.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => Value;

/** The cotangent of args[i]: fn differentiated by a reverse trace of its own (undefined when fn ignores args[i]). */
function reverse(fn: Fn, args: Value[], i: number, g: Value): Value | undefined {
  const trace = newTrace(), leaf = new RevNode([], null);
  const out = fn(...args.map((a, k) => (k === i ? new Box(a, trace, leaf) : a)));
  return out instanceof Box && out.trace === trace ? backward([[out.node as RevNode, g]], [leaf])[0] : undefined;
}

/** The output tangent for tangent t of args[i], by a forward trace of fn. */
function forward(fn: Fn, args: Value[], i: number, t: Value): Value | undefined {
  const trace = newTrace();
  const out = fn(...args.map((a, k) => (k === i ? new Box(a, trace, new FwdNode(t)) : a)));
  return out instanceof Box && out.trace === trace ? (out.node as FwdNode).tangent : undefined;
}

interface Composite {
  /** SciPy's parameter names, in positional order; those from `required` on are optional. */
  params: string[];
  required: number;
  fn: Fn;
  /** Differentiable arguments; default all. */
  diff?: number[];
  /** Default: the broadcast of all arguments. */
  infer?: (args: readonly Meta[], name: string) => Meta;
  /** SciPy's checks of values, which raise (a Dirichlet x off the simplex, a covariance that is not positive definite). */
  check?: (args: NDArray[], name: string) => void;
}

function realOnly(name: string, args: readonly Meta[]) {
  args.forEach((a, i) => { if (isComplex(a.dtype)) fail('DTYPE_MISMATCH', `${name} is not defined for complex128 input (argument ${i}, shape ${fmtShape(a.shape)})`); });
}

const broadcast = (args: readonly Meta[], name: string): Meta =>
  ({ shape: broadcastShapes(name, ...args.map((a) => a.shape)), dtype: floatDtype(resultType(...args)) });

function composite(name: string, c: Composite): OpDef {
  const full = `scipy.stats.${name}`, diff = c.diff ?? c.params.map((_, i) => i);
  return {
    name: full, arity: c.params.length, minArity: c.required,
    doc: `${full}(${c.params.map((p, i) => (i < c.required ? p : `${p}?`)).join(', ')})`,
    infer: (args) => { realOnly(full, args); return (c.infer ?? broadcast)(args, full); },
    forward: (args, _a, out: Meta) => { c.check?.(args, full); return cast(c.fn(...args) as NDArray, out.dtype); },
    vjp: c.params.map((_, i) => (diff.includes(i) ? (g: Value, _ans: Value, args: Value[]) => reverse(c.fn, args, i, g) : undefined)),
    jvp: c.params.map((_, i) => (diff.includes(i)
      ? (t: Value, ans: Value, args: Value[]) => forward(c.fn, args, i, t) ?? NDArray.zeros(ans.shape, ans.dtype) : undefined)),
  };
}

// ---- Building blocks ------------------------------------------------------------------------------------------

const special = (name: string) => (...args: Operand[]) => callOp(`scipy.special.${name}`, args) as Value;
const gammaln = special('gammaln'), betaln = special('betaln'), xlogy = special('xlogy'), xlog1py = special('xlog1py');
const ndtr = special('ndtr'), logNdtr = special('log_ndtr'), ndtri = special('ndtri'), stdtr = special('stdtr');
const betainc = special('betainc'), gammainc = special('gammainc'), gammaincc = special('gammaincc');
const log1p = (x: Operand) => callOp('log1p', [x]) as Value;
const and = (...cs: Value[]) => cs.reduce((a, b) => callOp('logical_and', [a, b]) as Value);
const geq = (x: Operand, y: Operand) => callOp('greater_equal', [x, y]) as Value;
const clip = (x: Operand, lo: number, hi: number | null) => callOp('clip', [x], { a_min: lo, a_max: hi }) as Value;
const concatenate = (xs: Operand[], axis: number) => callOp('concatenate', [xs], { axis }) as Value;
const slogdet = (a: Operand) => callOp('linalg.slogdet', [a]) as Value[];
const solve = (a: Operand, b: Operand) => callOp('linalg.solve', [a, b]) as Value;

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI), LOG_2PI = Math.log(2 * Math.PI);

/** v where the parameters are valid, NaN elsewhere (SciPy's answer to invalid parameters). */
const valid = (ok: Value, v: Value) => where(ok, v, NaN);
/** (x − loc)/scale, SciPy's standardised variable. */
const standard = (x: Operand, loc: Operand, scale: Operand) => div(sub(x, loc), scale);
/**
 * log f on the support `inside`, −∞ off it. Off the support the density is evaluated at `safe` instead of y, so
 * that no infinity or NaN reaches the derivatives there (they are 0).
 */
const onSupport = (inside: Value, y: Value, safe: number, logf: (y: Value) => Value) =>
  where(inside, logf(where(inside, y, safe)), -Infinity);

// ---- Univariate distributions ---------------------------------------------------------------------------------

type LocScale = (x: Operand, loc?: Operand, scale?: Operand) => Value;
const normLogpdf: LocScale = (x, loc = 0, scale = 1) =>
  valid(greater(scale, 0), sub(mul(-0.5, square(standard(x, loc, scale))), add(log(scale), LOG_SQRT_2PI)));
/** A function of z = (x − loc)/scale alone (cdf, sf and their logs). */
const normOf = (f: (z: Value) => Value): LocScale => (x, loc = 0, scale = 1) => valid(greater(scale, 0), f(standard(x, loc, scale)));
const normQuantile = (sg: 1 | -1): LocScale => (q, loc = 0, scale = 1) => valid(greater(scale, 0), add(loc, mul(mul(sg, scale), ndtri(q))));

type T = (x: Operand, df: Operand, loc?: Operand, scale?: Operand) => Value;
// log Γ((df + 1)/2) − log Γ(df/2) − ½ log(df π) = −betaln(df/2, ½) − ½ log df, without the cancellation at large df.
const tLogpdf: T = (x, df, loc = 0, scale = 1) => {
  const z = standard(x, loc, scale), norm = add(betaln(div(df, 2), 0.5), add(mul(0.5, log(df)), log(scale)));
  return valid(and(greater(df, 0), greater(scale, 0)), neg(add(norm, mul(div(add(df, 1), 2), log1p(div(square(z), df))))));
};
const tCdf = (sg: 1 | -1): T => (x, df, loc = 0, scale = 1) => valid(greater(scale, 0), stdtr(df, mul(sg, standard(x, loc, scale))));

type Shape2 = (x: Operand, a: Operand, b: Operand, loc?: Operand, scale?: Operand) => Value;
const betaLogpdf: Shape2 = (x, a, b, loc = 0, scale = 1) => {
  const y = standard(x, loc, scale);
  const logf = onSupport(and(geq(y, 0), geq(1, y)), y, 0.5, (u) => sub(add(xlogy(sub(a, 1), u), xlog1py(sub(b, 1), neg(u))), betaln(a, b)));
  return valid(and(greater(a, 0), greater(b, 0), greater(scale, 0)), sub(logf, log(scale)));
};
const betaCdf: Shape2 = (x, a, b, loc = 0, scale = 1) =>
  valid(and(greater(a, 0), greater(b, 0), greater(scale, 0)), betainc(a, b, clip(standard(x, loc, scale), 0, 1)));

type Shape1 = (x: Operand, a: Operand, loc?: Operand, scale?: Operand) => Value;
/** The gamma family; with `half`, chi2: gamma with shape df/2 and scale 2. */
const gammaLogpdf = (half: boolean): Shape1 => (x, a, loc = 0, scale = 1) => {
  const k = half ? 2 : 1, s = half ? div(a, 2) : a, y = standard(x, loc, scale);
  const logf = onSupport(geq(y, 0), y, 1, (u) => sub(sub(xlogy(sub(s, 1), u), div(u, k)), add(gammaln(s), mul(s, Math.log(k)))));
  return valid(and(greater(a, 0), greater(scale, 0)), sub(logf, log(scale)));
};
const gammaCdf = (half: boolean): Shape1 => (x, a, loc = 0, scale = 1) => {
  const k = half ? 2 : 1;
  return valid(and(greater(a, 0), greater(scale, 0)), gammainc(half ? div(a, 2) : a, div(clip(standard(x, loc, scale), 0, null), k)));
};

type Discrete = (k: Operand, mu: Operand, loc?: Operand) => Value;
const poissonLogpmf: Discrete = (k, mu, loc = 0) => {
  const n = sub(k, loc), ok = and(geq(n, 0), equal(n, floor(n)));
  return valid(geq(mu, 0), onSupport(ok, n, 0, (m) => sub(sub(xlogy(m, mu), gammaln(add(m, 1))), mu)));
};
const poissonCdf: Discrete = (k, mu, loc = 0) => {
  const n = sub(k, loc), inside = geq(n, 0);
  return valid(geq(mu, 0), where(inside, gammaincc(add(floor(where(inside, n, 0)), 1), mu), 0));
};

const expOf = <F extends Fn>(f: F) => ((...a: Parameters<F>) => exp(f(...a))) as F;
const logOf = <F extends Fn>(f: F) => ((...a: Parameters<F>) => log(f(...a))) as F;

const LOC_SCALE = ['loc', 'scale'];
const norm = (name: string, fn: LocScale, first = 'x') => composite(`norm.${name}`, { params: [first, ...LOC_SCALE], required: 1, fn });
const t = (name: string, fn: T, diff?: number[]) => composite(`t.${name}`, { params: ['x', 'df', ...LOC_SCALE], required: 2, fn, diff });
// The CDFs go through an incomplete beta or gamma function, whose shape parameters have no derivative here.
const CDF_DIFF_1 = [0, 2, 3], CDF_DIFF_2 = [0, 3, 4];

defop(
  norm('logpdf', normLogpdf),
  norm('pdf', expOf(normLogpdf)),
  norm('cdf', normOf(ndtr)),
  norm('logcdf', normOf(logNdtr)),
  norm('sf', normOf((z) => ndtr(neg(z)))),
  norm('logsf', normOf((z) => logNdtr(neg(z)))),
  norm('ppf', normQuantile(1), 'q'),
  norm('isf', normQuantile(-1), 'q'),
  t('logpdf', tLogpdf),
  t('pdf', expOf(tLogpdf)),
  t('cdf', tCdf(1), CDF_DIFF_1),
  t('logcdf', logOf(tCdf(1)), CDF_DIFF_1),
  t('sf', tCdf(-1), CDF_DIFF_1),
  t('logsf', logOf(tCdf(-1)), CDF_DIFF_1),
  composite('beta.logpdf', { params: ['x', 'a', 'b', ...LOC_SCALE], required: 3, fn: betaLogpdf }),
  composite('beta.pdf', { params: ['x', 'a', 'b', ...LOC_SCALE], required: 3, fn: expOf(betaLogpdf) }),
  composite('beta.cdf', { params: ['x', 'a', 'b', ...LOC_SCALE], required: 3, fn: betaCdf, diff: CDF_DIFF_2 }),
  composite('gamma.logpdf', { params: ['x', 'a', ...LOC_SCALE], required: 2, fn: gammaLogpdf(false) }),
  composite('gamma.pdf', { params: ['x', 'a', ...LOC_SCALE], required: 2, fn: expOf(gammaLogpdf(false)) }),
  composite('gamma.cdf', { params: ['x', 'a', ...LOC_SCALE], required: 2, fn: gammaCdf(false), diff: CDF_DIFF_1 }),
  composite('chi2.logpdf', { params: ['x', 'df', ...LOC_SCALE], required: 2, fn: gammaLogpdf(true) }),
  composite('chi2.pdf', { params: ['x', 'df', ...LOC_SCALE], required: 2, fn: expOf(gammaLogpdf(true)) }),
  composite('chi2.cdf', { params: ['x', 'df', ...LOC_SCALE], required: 2, fn: gammaCdf(true), diff: CDF_DIFF_1 }),
  composite('poisson.logpmf', { params: ['k', 'mu', 'loc'], required: 2, fn: poissonLogpmf, diff: [1] }),
  composite('poisson.pmf', { params: ['k', 'mu', 'loc'], required: 2, fn: expOf(poissonLogpmf), diff: [1] }),
  composite('poisson.cdf', { params: ['k', 'mu', 'loc'], required: 2, fn: poissonCdf, diff: [1] }),
);

// ---- Dirichlet ------------------------------------------------------------------------------------------------
// x holds the K components along its first axis (or K − 1 of them, the last being 1 − Σ), alpha is [K]; the
// result has x's shape without that axis.

function dirichletInfer([x, alpha]: readonly Meta[], name: string): Meta {
  if (alpha.shape.length !== 1) fail('SHAPE_MISMATCH', `${name}: alpha must be one-dimensional, got shape ${fmtShape(alpha.shape)}`);
  const k = alpha.shape[0];
  if (x.shape.length === 0 || (x.shape[0] !== k && x.shape[0] !== k - 1))
    fail('SHAPE_MISMATCH', `${name}: x (shape ${fmtShape(x.shape)}) must have ${k} or ${k - 1} entries along its first axis, as alpha (shape ${fmtShape(alpha.shape)})`);
  return { shape: x.shape.slice(1), dtype: floatDtype(resultType(x, alpha)) };
}

/** x with its last component 1 − Σ appended when it has K − 1. */
const dirichletPoints = (x: Value, k: number) => (x.shape[0] === k ? x : concatenate([x, sub(1, sum(x, 0, true))], 0));

const dirichletLogpdf = (x: Value, alpha: Value) => {
  const k = alpha.shape[0], a = reshape(alpha, [k, ...x.shape.slice(1).map(() => 1)]);
  return sub(sum(xlogy(sub(a, 1), dirichletPoints(x, k)), 0), sub(sum(gammaln(alpha)), gammaln(sum(alpha))));
};

/** SciPy's checks: alpha > 0; x in [0, 1], on the simplex, and positive wherever its alpha is below 1. */
function dirichletCheck([x, alpha]: NDArray[], name: string) {
  const k = alpha.shape[0], a = Array.from(alpha.values()), xs = (dirichletPoints(x, k) as NDArray);
  const v = xs.values(), per = xs.size / k, bad = (msg: string) => fail('BAD_ARGUMENT', `${name}: ${msg}`);
  if (a.some((ai) => !(ai > 0))) bad(`every alpha must be greater than 0, got [${a.join(', ')}]`);
  if (v.some((xi) => xi < 0 || xi > 1)) bad('every entry of x must lie in [0, 1]');
  for (let j = 0; j < per; j++) {
    let s = 0;
    for (let i = 0; i < k; i++) {
      const xi = v[i * per + j];
      if (xi === 0 && a[i] < 1) bad(`x must be greater than zero where its alpha is less than one (component ${i})`);
      s += xi;
    }
    if (Math.abs(s - 1) > 1e-9) bad(`x must lie on the simplex, but its components sum to ${s}`);
  }
}

const dirichlet = (name: string, fn: Fn) =>
  composite(`dirichlet.${name}`, { params: ['x', 'alpha'], required: 2, fn, infer: dirichletInfer, check: dirichletCheck });

defop(dirichlet('logpdf', dirichletLogpdf), dirichlet('pdf', expOf(dirichletLogpdf)));

// ---- Multivariate normal --------------------------------------------------------------------------------------
// SciPy's conventions: the dimension d is mean's size (1 without mean); cov is a scalar (times I), a vector (the
// diagonal) or a d × d matrix, used as given (it must be symmetric positive definite); x's last axis holds the
// components (a 1-d x is one point, or for d = 1 a list of points), and size-1 axes are squeezed from the result.
// Differentiating the log-density through slogdet and solve gives autograd's symmetric-form cov gradient
// ½·g·(Σ⁻¹(x − μ)(x − μ)ᵀΣ⁻¹ − Σ⁻¹).

interface MvnLayout { d: number; points: number[]; out: number[] }

function mvnLayout(name: string, x: Meta | null, mean?: Meta, cov?: Meta): MvnLayout {
  const d = mean ? sizeOf(mean.shape) : cov && cov.shape.length === 2 ? cov.shape[0] : 1;
  if (mean && mean.shape.length > 1 && d !== 1) fail('SHAPE_MISMATCH', `${name}: mean must be a vector, got shape ${fmtShape(mean.shape)}`);
  const c = cov?.shape ?? [];
  if (c.length > 2 || (d === 1 ? sizeOf(c) !== 1 : c.length === 2 ? c[0] !== d || c[1] !== d : c.length === 1 && c[0] !== d))
    fail('SHAPE_MISMATCH', `${name}: cov of shape ${fmtShape(c)} for dimension ${d}; expected a scalar, [${d}] or [${d}, ${d}]`);
  if (!x) return { d, points: [], out: [] };
  const points = x.shape.length === 0 ? [1, 1] : x.shape.length === 1 ? (d === 1 ? [x.shape[0], 1] : [1, x.shape[0]]) : [...x.shape];
  if (points[points.length - 1] !== d) fail('SHAPE_MISMATCH', `${name}: x of shape ${fmtShape(x.shape)} for dimension ${d}; its last axis must hold the ${d} components`);
  return { d, points, out: points.slice(0, -1).filter((n) => n !== 1) };
}

function identity(d: number): NDArray {
  const e = NDArray.zeros([d, d]);
  for (let i = 0; i < d; i++) e.data[i * d + i] = 1;
  return e;
}
/** The d × d covariance matrix from SciPy's forms. */
const covMatrix = (cov: Value | undefined, d: number) =>
  (cov === undefined ? identity(d) : cov.shape.length === 2 ? reshape(cov, [d, d]) : mul(identity(d), reshape(cov, cov.shape.length ? [d] : [])));
const logdet = (c: Value) => slogdet(c)[1];

function mvnLogpdf(x: Value, mean?: Value, cov?: Value): Value {
  const { d, points, out } = mvnLayout('multivariate_normal', x, mean, cov), c = covMatrix(cov, d);
  const r = transpose(reshape(sub(reshape(x, points), mean === undefined ? 0 : reshape(mean, [d])), [-1, d]));
  const maha = sum(mul(r, solve(c, r)), 0);
  return reshape(mul(-0.5, add(maha, add(logdet(c), d * LOG_2PI))), out);
}

const mvnEntropy = (mean?: Value, cov?: Value) => {
  const { d } = mvnLayout('multivariate_normal', null, mean, cov);
  return mul(0.5, add(logdet(covMatrix(cov, d)), d * (1 + LOG_2PI)));
};

function positiveDefinite(name: string, d: number, cov?: NDArray) {
  const [sign] = slogdet(covMatrix(cov, d)) as NDArray[];
  if (!(sign.item() as number > 0)) fail('LINALG_ERROR', `${name}: cov must be symmetric positive definite (its determinant is ${sign.item() === 0 ? 'zero' : 'negative'})`);
}

const mvnDensity = (name: string, fn: Fn) => composite(`multivariate_normal.${name}`, {
  params: ['x', 'mean', 'cov'], required: 1, fn,
  infer: ([x, mean, cov], full) => ({ shape: mvnLayout(full, x, mean, cov).out, dtype: floatDtype(resultType(x, ...[mean, cov].filter((m): m is Meta => m !== undefined))) }),
  check: ([x, mean, cov], full) => positiveDefinite(full, mvnLayout(full, x, mean, cov).d, cov),
});

defop(
  mvnDensity('logpdf', mvnLogpdf),
  mvnDensity('pdf', expOf(mvnLogpdf)),
  composite('multivariate_normal.entropy', {
    params: ['mean', 'cov'], required: 0, fn: mvnEntropy,
    infer: (args, full) => { mvnLayout(full, null, ...args); return { shape: [], dtype: args.length ? floatDtype(resultType(...args)) : 'float64' }; },
    check: ([mean, cov], full) => positiveDefinite(full, mvnLayout(full, null, mean, cov).d, cov),
  }),
);
