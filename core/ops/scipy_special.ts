// scipy.special: elementwise special functions (kernels in core/special/). Each entry gives its partial derivative
// in every differentiable argument (VJP = g·∂f, JVP = t·∂f), written with catalog ops so that it differentiates
// again: d gammaln = digamma, d digamma = polygamma(1, ·), d jn(n, ·) = (jn(n − 1, ·) − jn(n + 1, ·))/2, …
// Orders, and the parameters of the incomplete functions, are not differentiable: they have no rule.
import { defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp, Operand } from '../call.js';
import { allocate, DType, floatDtype, isComplex, kindOf, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import * as bessel from '../special/bessel.js';
import * as erfs from '../special/erf.js';
import * as gam from '../special/gamma.js';
import * as inc from '../special/incomplete.js';
import { add, div, exp, log, mul, neg, sign, square, sub } from './prims.js';

type Kernel = (...v: number[]) => number;
/** ∂f/∂(argument) from the arguments and the result; undefined: not differentiable in that argument. */
type Derivative = ((ans: Value, args: Value[]) => Value | number) | undefined;

const SQRT_PI = Math.sqrt(Math.PI), SQRT_2PI = Math.sqrt(2 * Math.PI);
const s = (name: string) => (...args: Operand[]) => callOp(`scipy.special.${name}`, args) as Value;
const digamma = s('digamma'), polygamma = s('polygamma'), gammaln = s('gammaln'), betaln = s('betaln');
const xlogy = s('xlogy'), xlog1py = s('xlog1py'), erfcx = s('erfcx');
const iv = s('iv'), ive = s('ive'), jn = s('jn'), yn = s('yn'), j0 = s('j0'), j1 = s('j1'), y0 = s('y0'), y1 = s('y1'), i0 = s('i0'), i1 = s('i1');
const log1p = (x: Value) => callOp('log1p', [x]) as Value;

/** f evaluated elementwise over the broadcast arguments, in float64, stored in `out`'s dtype. */
function mapN(args: NDArray[], out: Meta, f: Kernel): NDArray {
  const n = out.shape.reduce((a, b) => a * b, 1), o = allocate(out.dtype, n);
  const v = args.map((a) => new NDArray(a.data, out.shape, a.dtype, broadcastStrides(a, out.shape), a.offset).values());
  if (v.length === 1) for (let i = 0; i < n; i++) o[i] = f(v[0][i]);
  else if (v.length === 2) for (let i = 0; i < n; i++) o[i] = f(v[0][i], v[1][i]);
  else for (let i = 0; i < n; i++) o[i] = f(v[0][i], v[1][i], v[2][i]);
  return new NDArray(o, out.shape, out.dtype);
}

/**
 * An elementwise special function of `partials.length` broadcast arguments. The arguments listed in `orders`
 * are integer orders (polygamma's n, jn's n): their dtype must be an integer one.
 */
function special(name: string, f: Kernel, partials: Derivative[], orders: number[] = []): OpDef {
  const full = `scipy.special.${name}`;
  const rule = (p: Derivative) => (p ? (g: Value, ans: Value, args: Value[]) => mul(g, p(ans, args)) : undefined);
  return {
    name: full, arity: partials.length,
    infer: (args) => {
      args.forEach((a, i) => {
        if (isComplex(a.dtype)) fail('DTYPE_MISMATCH', `${full} is not defined for complex128 input (argument ${i}, shape ${fmtShape(a.shape)})`);
        if (orders.includes(i) && kindOf(a.dtype) !== 1)
          fail('DTYPE_MISMATCH', `${full}: the order (argument ${i}) must be an integer array (int64 or int32), got ${a.dtype}; jv/iv take real orders`);
      });
      return { shape: broadcastShapes(full, ...args.map((a) => a.shape)), dtype: floatDtype(resultType(...args)) };
    },
    forward: (args, _a, out: Meta) => mapN(args, out, f),
    vjp: partials.map(rule),
    jvp: partials.map(rule),
  };
}
const unary = (name: string, f: Kernel, d: (ans: Value, x: Value) => Value | number) => special(name, f, [(ans, [x]) => d(ans, x)]);

// x^(a−1) e^(−x) / Γ(a) and x^(a−1) (1 − x)^(b−1) / B(a, b), the derivatives of the regularised incomplete functions.
const gammaDensity = (a: Value, x: Value) => exp(sub(sub(xlogy(sub(a, 1), x), x), gammaln(a)));
const betaDensity = (a: Value, b: Value, x: Value) => exp(sub(add(xlogy(sub(a, 1), x), xlog1py(sub(b, 1), neg(x))), betaln(a, b)));
/** Student's t density, the derivative of stdtr: exp(−betaln(df/2, ½) − ½ log df − (df + 1)/2·log(1 + t²/df)). */
const tDensity = (df: Value, t: Value) =>
  exp(neg(add(add(betaln(div(df, 2), 0.5), mul(0.5, log(df))), mul(div(add(df, 1), 2), log1p(div(square(t), df))))));
const psiDiff = (a: Value, b: Value) => sub(digamma(a), digamma(add(a, b)));
/** (f(order − 1, x) ± f(order + 1, x))/2, the derivative of a Bessel function of any order by its recurrence. */
const neighbours = (f: (v: Operand, x: Value) => Value, v: Value, x: Value, sg: 1 | -1) =>
  div(sg === 1 ? add(f(sub(v, 1), x), f(add(v, 1), x)) : sub(f(sub(v, 1), x), f(add(v, 1), x)), 2);

const xlogyKernel = (x: number, y: number) => (x === 0 && !Number.isNaN(y) ? 0 : x * Math.log(y));
const xlog1pyKernel = (x: number, y: number) => (x === 0 && !Number.isNaN(y) ? 0 : x * Math.log1p(y));
const expit = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const logit = (p: number) => (p < 0.3 || p > 0.7 ? Math.log(p / (1 - p)) : Math.log1p((2 * p - 1) / (1 - p)));

defop(
  // Gamma family
  unary('gamma', gam.gamma, (ans, x) => mul(ans, digamma(x))),
  unary('gammaln', gam.gammaln, (_ans, x) => digamma(x)),
  { ...special('gammasgn', gam.gammasgn, [undefined]), nondiff: true },
  unary('rgamma', gam.rgamma, (ans, x) => neg(mul(ans, digamma(x)))),
  unary('digamma', gam.digamma, (_ans, x) => polygamma(1, x)),
  unary('psi', gam.digamma, (_ans, x) => polygamma(1, x)),
  special('polygamma', gam.polygamma, [undefined, (_ans, [n, x]) => polygamma(add(n, 1), x)], [0]),
  special('beta', gam.beta, [(ans, [a, b]) => mul(ans, psiDiff(a, b)), (ans, [a, b]) => mul(ans, psiDiff(b, a))]),
  special('betaln', gam.betaln, [(_ans, [a, b]) => psiDiff(a, b), (_ans, [a, b]) => psiDiff(b, a)]),
  special('betainc', inc.betainc, [undefined, undefined, (_ans, [a, b, x]) => betaDensity(a, b, x)]),
  special('gammainc', inc.gammainc, [undefined, (_ans, [a, x]) => gammaDensity(a, x)]),
  special('gammaincc', inc.gammaincc, [undefined, (_ans, [a, x]) => neg(gammaDensity(a, x))]),
  special('stdtr', inc.stdtr, [undefined, (_ans, [df, t]) => tDensity(df, t)]),
  special('xlogy', xlogyKernel, [(_ans, [, y]) => log(y), (_ans, [x, y]) => div(x, y)]),
  special('xlog1py', xlog1pyKernel, [(_ans, [, y]) => log1p(y), (_ans, [x, y]) => div(x, add(y, 1))]),
  // Error functions and the normal distribution
  unary('erf', erfs.erf, (_ans, x) => mul(2 / SQRT_PI, exp(neg(square(x))))),
  unary('erfc', erfs.erfc, (_ans, x) => mul(-2 / SQRT_PI, exp(neg(square(x))))),
  unary('erfcx', erfs.erfcx, (ans, x) => sub(mul(mul(2, x), ans), 2 / SQRT_PI)),
  unary('erfinv', erfs.erfinv, (ans) => mul(SQRT_PI / 2, exp(square(ans)))),
  unary('erfcinv', erfs.erfcinv, (ans) => mul(-SQRT_PI / 2, exp(square(ans)))),
  unary('ndtr', erfs.ndtr, (_ans, x) => div(exp(div(square(x), -2)), SQRT_2PI)),
  unary('log_ndtr', erfs.logNdtr, (_ans, x) => div(Math.sqrt(2 / Math.PI), erfcx(mul(x, -Math.SQRT1_2)))),
  unary('ndtri', erfs.ndtri, (ans) => mul(SQRT_2PI, exp(div(square(ans), 2)))),
  unary('expit', expit, (ans) => mul(ans, sub(1, ans))),
  unary('logit', logit, (_ans, x) => div(1, mul(x, sub(1, x)))),
  // Bessel functions
  unary('j0', bessel.j0, (_ans, x) => neg(j1(x))),
  unary('j1', bessel.j1, (_ans, x) => div(sub(j0(x), jn(2, x)), 2)),
  special('jn', bessel.jn, [undefined, (_ans, [n, x]) => neighbours(jn, n, x, -1)], [0]),
  unary('y0', bessel.y0, (_ans, x) => neg(y1(x))),
  unary('y1', bessel.y1, (_ans, x) => div(sub(y0(x), yn(2, x)), 2)),
  special('yn', bessel.yn, [undefined, (_ans, [n, x]) => neighbours(yn, n, x, -1)], [0]),
  unary('i0', bessel.i0, (_ans, x) => i1(x)),
  unary('i1', bessel.i1, (_ans, x) => div(add(i0(x), iv(2, x)), 2)),
  special('iv', bessel.iv, [undefined, (_ans, [v, x]) => neighbours(iv, v, x, 1)]),
  // d/dx e^(−|x|) I_v(x) = (ive(v − 1, x) + ive(v + 1, x))/2 − sign(x)·ive(v, x)
  special('ive', bessel.ive, [undefined, (ans, [v, x]) => sub(neighbours(ive, v, x, 1), mul(sign(x), ans))]),
);

/** multigammaln(a, d) = d(d − 1)/4·log π + Σⱼ₌₀^{d−1} gammaln(a − j/2); SciPy requires a > (d − 1)/2. */
function dimension(d: unknown): number {
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) fail('BAD_ATTRIBUTE', `scipy.special.multigammaln: d must be a positive integer, got ${JSON.stringify(d)}`);
  return d;
}
const multiDigamma = (a: Value, d: number) => {
  let s: Value = digamma(a);
  for (let j = 1; j < d; j++) s = add(s, digamma(sub(a, j / 2)));
  return s;
};

defop({
  name: 'scipy.special.multigammaln', arity: 1, attrs: ['d'],
  infer: ([a], { d }) => {
    dimension(d);
    if (isComplex(a.dtype)) fail('DTYPE_MISMATCH', `scipy.special.multigammaln is not defined for complex128 input (shape ${fmtShape(a.shape)})`);
    return { shape: a.shape, dtype: floatDtype(a.dtype) as DType };
  },
  forward: ([a], { d }, out: Meta) => {
    const bad = Array.from(a.values()).find((v) => v <= (d - 1) / 2);
    if (bad !== undefined) fail('BAD_ARGUMENT', `scipy.special.multigammaln: condition a (${bad}) > 0.5 * (d - 1) (${(d - 1) / 2}) not met`);
    return mapN([a], out, (v) => {
      let sum = (d * (d - 1) * Math.log(Math.PI)) / 4;
      for (let j = 0; j < d; j++) sum += gam.gammaln(v - j / 2);
      return sum;
    });
  },
  vjp: (g, _ans, [a], { d }) => mul(g, multiDigamma(a, d)),
  jvp: (t, _ans, [a], { d }) => mul(t, multiDigamma(a, d)),
});
