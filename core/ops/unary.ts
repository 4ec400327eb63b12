// Elementwise functions of one array. A differentiable entry gives its derivative f'(x) (from x and ans);
// VJP = g·f'(x) and JVP = t·f'(x), which with autograd's bilinear convention also covers holomorphic complex input.
import { alias, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import * as C from '../complex.js';
import { checkDType, DType, floatDtype, isComplex, kindOf, realDtype } from '../dtype.js';
import { fail } from '../errors.js';
import { cast, C1, map1, mapC1, unaryVjp } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { add, conj, cos, div, I, imag, mul, neg, real, sin, sinh, sqrt, square, sub, where, equal, cosh, abs, less } from './prims.js';

type Deriv = (x: Value, ans: Value) => Value | number;
type Kind = 'float' | 'same' | 'real' | 'bool';

const outDtype = (d: DType, kind: Kind): DType =>
  kind === 'same' ? d : kind === 'bool' ? 'bool' : kind === 'real' ? realDtype(d) : floatDtype(d);

function elementwise(name: string, f: (v: number) => number, cf: C1 | null, kind: Kind, native?: string): Pick<OpDef, 'name' | 'arity' | 'infer' | 'forward' | 'scalar'> {
  return {
    name, arity: 1, scalar: f,
    infer: ([x]) => {
      if (!cf && isComplex(x.dtype)) fail('DTYPE_MISMATCH', `${name} is not defined for complex128 input (shape [${x.shape.join(', ')}])`);
      return { shape: x.shape, dtype: outDtype(x.dtype, kind) };
    },
    forward: ([x], _a, out: Meta) => (isComplex(x.dtype) ? mapC1(x, out.dtype, cf!) : map1(x, out.dtype, f, native)),
  };
}

/** An op that is the identity on real arrays (real, conj): there it copies the storage in one block. */
const copyOnReal = (def: ReturnType<typeof elementwise>): ReturnType<typeof elementwise> =>
  ({ ...def, forward: (args, a, out) => (isComplex(args[0].dtype) ? def.forward(args, a, out) : copy(args[0])) });

/** A differentiable elementwise function given by its derivative; on concrete float arrays a fused native kernel
 * computes g·f'(x) in one pass (the rule's formula). */
const unary = (name: string, f: (v: number) => number, cf: C1 | null, deriv: Deriv, kind: Kind = 'float', native?: string): OpDef => ({
  ...elementwise(name, f, cf, kind, native),
  vjp: (g, ans, [x]) => (native && unaryVjp(native, g, x, ans)) || mul(g, deriv(x, ans)),
  jvp: (t, ans, [x]) => (native && unaryVjp(native, t, x, ans)) || mul(t, deriv(x, ans)),
});

/** A function whose result carries no gradient (floor, sign, isnan …): traced inputs pass through. */
const constant = (name: string, f: (v: number) => number, kind: Kind = 'same', cf: C1 | null = null, native?: string): OpDef =>
  ({ ...elementwise(name, f, cf, kind, native), nondiff: true });

const realPart = (h: (re: number, im: number) => number): C1 => (re, im, o) => { o[0] = h(re, im); o[1] = 0; };
const scaled = (g: C1, s: number): C1 => (re, im, o) => { g(re, im, o); o[0] *= s; o[1] *= s; };
const LN2 = Math.LN2, LN10 = Math.LN10;
const one = (x: Value) => sub(1, square(x));
/** x with zeros replaced by `by`, as a constant (autograd's replace_zero). */
const replaceZero = (x: Value, by: number) => where(equal(x, 0), by, x);

defop(
  unary('negative', (v) => -v, (re, im, o) => { o[0] = -re; o[1] = -im; }, () => -1, 'same', 'negative'),
  unary('exp', Math.exp, C.cexp, (_x, ans) => ans, 'float', 'exp'),
  unary('exp2', (v) => 2 ** v, (re, im, o) => C.cexp(re * LN2, im * LN2, o), (_x, ans) => mul(ans, LN2), 'float', 'exp2'),
  unary('expm1', Math.expm1, C.cexpm1, (_x, ans) => add(ans, 1), 'float', 'expm1'),
  unary('log', Math.log, C.clog, (x) => div(1, x), 'float', 'log'),
  unary('log2', Math.log2, scaled(C.clog, 1 / LN2), (x) => div(1 / LN2, x), 'float', 'log2'),
  unary('log10', Math.log10, scaled(C.clog, 1 / LN10), (x) => div(1 / LN10, x), 'float', 'log10'),
  unary('log1p', Math.log1p, C.clog1p, (x) => div(1, add(x, 1)), 'float', 'log1p'),
  unary('sin', Math.sin, C.csin, (x) => cos(x), 'float', 'sin'),
  unary('cos', Math.cos, C.ccos, (x) => neg(sin(x)), 'float', 'cos'),
  unary('tan', Math.tan, C.ctan, (x) => div(1, square(cos(x))), 'float', 'tan'),
  unary('arcsin', Math.asin, C.casin, (x) => div(1, sqrt(one(x))), 'float', 'arcsin'),
  unary('arccos', Math.acos, C.cacos, (x) => div(-1, sqrt(one(x))), 'float', 'arccos'),
  unary('arctan', Math.atan, C.catan, (x) => div(1, add(1, square(x))), 'float', 'arctan'),
  unary('sinh', Math.sinh, C.csinh, (x) => cosh(x), 'float', 'sinh'),
  unary('cosh', Math.cosh, C.ccosh, (x) => sinh(x), 'float', 'cosh'),
  unary('tanh', Math.tanh, C.ctanh, (_x, ans) => one(ans), 'float', 'tanh'),
  unary('arcsinh', Math.asinh, C.casinh, (x) => div(1, sqrt(add(square(x), 1)))),
  unary('arccosh', Math.acosh, C.cacosh, (x) => div(1, sqrt(sub(square(x), 1)))),
  unary('arctanh', Math.atanh, C.catanh, (x) => div(1, one(x))),
  unary('sinc', sinc, csinc, (x) => {
    // d sinc = (cos πx − sinc x)/x; near 0, its Taylor polynomial, so every order is right at 0 too.
    const small = less(abs(x), 1e-3), safe = where(small, 1, x), p2 = Math.PI ** 2;
    const series = mul(x, add(-p2 / 3, mul(square(x), add(p2 ** 2 / 30, mul(square(x), -(p2 ** 3) / 840)))));
    return where(small, series, div(sub(cos(mul(Math.PI, safe)), callOp('sinc', [safe]) as Value), safe));
  }),
  unary('sqrt', Math.sqrt, C.csqrt, (_x, ans) => div(0.5, ans), 'float', 'sqrt'),
  unary('square', (v) => v * v, (re, im, o) => C.cmul(re, im, re, im, o), (x) => mul(x, 2), 'same', 'square'),
  unary('reciprocal', (v) => 1 / v, (re, im, o) => C.cdiv(1, 0, re, im, o), (_x, ans) => neg(square(ans)), 'float', 'reciprocal'),
  unary('rad2deg', (v) => (v * 180) / Math.PI, null, () => 180 / Math.PI),
  unary('degrees', (v) => (v * 180) / Math.PI, null, () => 180 / Math.PI),
  unary('deg2rad', (v) => (v * Math.PI) / 180, null, () => Math.PI / 180),
  unary('radians', (v) => (v * Math.PI) / 180, null, () => Math.PI / 180),
  unary('fabs', Math.abs, null, (x) => div(x, replaceZero(abs(x), 1)), 'float'),
  {
    ...elementwise('abs', Math.abs, realPart(Math.hypot), 'real', 'abs'),
    vjp: (g, ans, [x]) => (!isComplex(x.dtype) && unaryVjp('abs', g, x, ans)) || mul(g, div(isComplex(x.dtype) ? conj(x) : x, replaceZero(ans, 1))),
    jvp: (t, ans, [x]) => div(real(mul(conj(x), t)), replaceZero(ans, 1)),
  },
  {
    ...elementwise('angle', (v) => Math.atan2(0, v), realPart((re, im) => Math.atan2(im, re)), 'real'),
    vjp: (g, _ans, [x]) => (isComplex(x.dtype) ? mul(g, div(conj(mul(x, I)), square(abs(x)))) : undefined),
    jvp: (t, _ans, [x]) => div(imag(mul(t, conj(x))), square(abs(x))),
  },
  { ...copyOnReal(elementwise('real', (v) => v, realPart((re) => re), 'real')), linear: true, vjp: (g) => g },
  { ...elementwise('imag', () => 0, realPart((_re, im) => im), 'real'), linear: true, vjp: (g) => mul(g, { re: 0, im: -1 }) },
  { ...copyOnReal(elementwise('conj', (v) => v, (re, im, o) => { o[0] = re; o[1] = -im; }, 'same')), linear: true, vjp: (g) => conj(g) },
  {
    name: 'astype', arity: 1, attrs: ['dtype'], linear: true,
    infer: ([x], { dtype }) => ({ shape: x.shape, dtype: checkDType(dtype, 'astype') }),
    forward: ([x], { dtype }) => (x.dtype === dtype ? copy(x) : cast(x, dtype)), // a new array, as NumPy's astype
    vjp: (g) => g,
  },
  { ...elementwise('copy', (v) => v, (re, im, o) => { o[0] = re; o[1] = im; }, 'same'), forward: ([x]) => copy(x), linear: true, vjp: (g) => g },
  constant('sign', Math.sign, 'same', (re, im, o) => { const r = Math.hypot(re, im); o[0] = r ? re / r : 0; o[1] = r ? im / r : 0; }, 'sign'),
  constant('floor', Math.floor, 'float', null, 'floor'),
  constant('ceil', Math.ceil, 'float', null, 'ceil'),
  constant('trunc', Math.trunc, 'float', null, 'trunc'),
  constant('fix', Math.trunc, 'float', null, 'trunc'),
  constant('rint', roundHalfEven, 'float'),
  constant('isfinite', (v) => +Number.isFinite(v), 'bool', realPart((re, im) => +(Number.isFinite(re) && Number.isFinite(im))), 'isfinite'),
  constant('isnan', (v) => +Number.isNaN(v), 'bool', realPart((re, im) => +(Number.isNaN(re) || Number.isNaN(im))), 'isnan'),
  constant('isinf', (v) => +(v === Infinity || v === -Infinity), 'bool', realPart((re, im) => +(Math.abs(re) === Infinity || Math.abs(im) === Infinity)), 'isinf'),
  constant('signbit', (v) => +(v < 0 || Object.is(v, -0)), 'bool'),
  constant('logical_not', (v) => +!v, 'bool', realPart((re, im) => +!(re || im))),
);

defop({
  ...elementwise('round', roundHalfEven, null, 'same'),
  attrs: ['decimals'],
  nondiff: true,
  scalar: undefined, // decimals scale the argument
  forward: ([x], { decimals = 0 }, out: Meta) => {
    const s = 10 ** decimals;
    return kindOf(x.dtype) < 2 ? copy(x) : map1(x, out.dtype, (v) => roundHalfEven(v * s) / s);
  },
});

const copy = (x: NDArray) => new NDArray(x.values().slice(), x.shape, x.dtype);

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

alias('absolute', 'abs');
alias('conjugate', 'conj');

function sinc(v: number): number {
  if (v === 0) return 1;
  const t = Math.PI * v;
  return Math.sin(t) / t;
}
function csinc(re: number, im: number, o: Float64Array): void {
  if (re === 0 && im === 0) { o[0] = 1; o[1] = 0; return; }
  C.csin(Math.PI * re, Math.PI * im, o);
  C.cdiv(o[0], o[1], Math.PI * re, Math.PI * im, o);
}
