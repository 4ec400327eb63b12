// Elementwise functions of two broadcast arrays. A differentiable entry gives its partial derivatives
// ∂f/∂x and ∂f/∂y; VJP = g·∂f, JVP = t·∂f. The backward driver sums cotangents back to each operand's shape.
import { defop, Meta, OpDef, Value } from '../catalog.js';
import * as C from '../complex.js';
import { allocate, DType, floatDtype, isComplex, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, C2, cast, extremumVjp, map1, map2, mapC2 } from '../kernels.js';
import { NDArray } from '../ndarray.js';
import { sameShape } from '../tracer.js';
import { add, astype, div, equal, exp, floor, log, mul, neg, pow, square, sub, where } from './prims.js';

type Partial = (ans: Value, x: Value, y: Value) => Value | number;
type Kind = 'same' | 'float' | 'bool';

function elementwise2(name: string, f: (a: number, b: number) => number, cf: C2 | null, kind: Kind, native?: string): Pick<OpDef, 'name' | 'arity' | 'infer' | 'forward' | 'scalar'> {
  return {
    name, arity: 2, scalar: f,
    infer: ([x, y]) => {
      const shape = broadcastShapes(name, x.shape, y.shape);
      const common = resultType(x, y);
      if (!cf && isComplex(common)) fail('DTYPE_MISMATCH', `${name} is not defined for complex128 operands (shapes ${fmtShape(x.shape)}, ${fmtShape(y.shape)})`);
      const dtype: DType = kind === 'bool' ? 'bool' : kind === 'float' ? floatDtype(common) : common;
      return { shape, dtype, common } as Meta;
    },
    forward: ([x, y], _a, out: Meta & { common: DType }) =>
      isComplex(out.common) ? mapC2(x, y, out.shape, out.dtype, cf!) : map2(x, y, out.shape, out.dtype, f, native),
  };
}

const binary = (name: string, f: (a: number, b: number) => number, cf: C2 | null, dx: Partial, dy: Partial, kind: Kind = 'same', native?: string): OpDef => ({
  ...elementwise2(name, f, cf, kind, native),
  vjp: [(g, ans, [x, y]) => mul(g, dx(ans, x, y)), (g, ans, [x, y]) => mul(g, dy(ans, x, y))],
  jvp: [(t, ans, [x, y]) => mul(t, dx(ans, x, y)), (t, ans, [x, y]) => mul(t, dy(ans, x, y))],
});

const linear2 = (name: string, f: (a: number, b: number) => number, cf: C2, sy: 1 | -1, native: string): OpDef => ({
  ...elementwise2(name, f, cf, 'same', native),
  linear: true,
  vjp: [(g) => g, (g) => (sy === 1 ? g : neg(g))],
});

/** power with a real array to the power 0, 1, 2, 3 or -1 by products in the result's dtype (NumPy's fast paths): one
 * or two native passes instead of pow's, and the rule's pow(x, y - 1) goes the same way. */
function withSmallPowers(def: OpDef): OpDef {
  const general = def.forward;
  const small = (x: NDArray, e: number, dtype: DType): NDArray | undefined => {
    switch (e) {
      case 0: return new NDArray(allocate(dtype, x.size).fill(1), x.shape, dtype);
      case 1: return new NDArray(x.values().slice(), x.shape, dtype);
      case 2: return map1(x, dtype, (v) => v * v, 'square');
      case 3: return map2(map1(x, dtype, (v) => v * v, 'square'), x, x.shape, dtype, (a, b) => a * b, 'multiply');
      case -1: return map1(x, dtype, (v) => 1 / v, 'reciprocal');
    }
    return undefined;
  };
  return {
    ...def,
    scalar: undefined, // x ** 3 is (x·x)·x here, not pow's rounding
    forward: (args, a, out: Meta) => {
      const [x, y] = args as NDArray[];
      const real = (out.dtype === 'float64' || out.dtype === 'float32') && !isComplex(x.dtype) && !isComplex(y.dtype);
      return (real && y.size === 1 && sameShape(x.shape, out.shape) && small(cast(x, out.dtype), y.data[y.offset], out.dtype)) || general(args, a, out);
    },
  };
}

/** maximum and its kin: the rule's cotangent in one native pass where the arrays allow (kernels.ts), else its ops. */
const extremum = (name: string, f: (a: number, b: number) => number, native?: string): OpDef => ({
  ...binary(name, f, null, balanced, (ans, x, y) => balanced(y, ans, x), 'same', native),
  vjp: [
    (g, ans, [x, y]) => extremumVjp(g, x, y, ans) ?? mul(g, balanced(x, ans, y)),
    (g, ans, [x, y]) => extremumVjp(g, y, x, ans) ?? mul(g, balanced(y, ans, x)),
  ],
});

const comparison = (name: string, f: (a: number, b: number) => boolean, cf: C2 | null = null): OpDef =>
  ({ ...elementwise2(name, (a, b) => +f(a, b), cf, 'bool', name), nondiff: true });

/** Where x is the extremum: 1, or ½ at ties (autograd's balanced_eq), as a constant of ans's dtype. */
const balanced = (x: Value, ans: Value, y: Value) => div(astype(equal(x, ans), ans.dtype), add(astype(equal(x, y), ans.dtype), 1));
// NumPy's npy_divmod: the remainder takes b's sign (a zero one too) and the floor quotient agrees with it.
const pyMod = (a: number, b: number) => { const r = a % b; return r === 0 ? (b < 0 ? -0 : 0) : (r < 0) !== (b < 0) ? r + b : r; };
function floorDiv(a: number, b: number): number {
  if (b === 0) return a / b;
  const r = a % b, q = (a - r) / b - (r !== 0 && (r < 0) !== (b < 0) ? 1 : 0);
  if (q === 0) { const s = a / b; return s < 0 || Object.is(s, -0) ? -0 : 0; }
  const f = Math.floor(q);
  return q - f > 0.5 ? f + 1 : f;
}
// C's pow, where JS's ** differs: 1 ** y = 1 (y = ±∞, NaN), (−1) ** ±∞ = 1.
const powC = (a: number, b: number) => (a === 1 || (a === -1 && Math.abs(b) === Infinity) ? 1 : a ** b);
// log(eˣ + eʸ) and log2(2ˣ + 2ʸ); x = y first, so that ∞ + ∞ is ∞, as NumPy.
const logaddexp = (a: number, b: number) => (a === b ? a + Math.LN2 : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b))));
const logaddexp2 = (a: number, b: number) => (a === b ? a + 1 : Math.max(a, b) + Math.log1p(2 ** -Math.abs(a - b)) / Math.LN2);
const safeLog = (x: Value) => log(where(equal(x, 0), 1, x));

defop(
  linear2('add', (a, b) => a + b, C.cadd, 1, 'add'),
  linear2('subtract', (a, b) => a - b, C.csub, -1, 'subtract'),
  binary('multiply', (a, b) => a * b, C.cmul, (_a, _x, y) => y, (_a, x) => x, 'same', 'multiply'),
  binary('divide', (a, b) => a / b, C.cdiv, (_a, _x, y) => div(1, y), (ans, _x, y) => neg(div(ans, y)), 'float', 'divide'),
  binary('true_divide', (a, b) => a / b, C.cdiv, (_a, _x, y) => div(1, y), (ans, _x, y) => neg(div(ans, y)), 'float', 'divide'),
  // ∂/∂x = y·x^(y−1) with the exponent 1 where y = 0, so that it is 0 there even at x = 0 (autograd).
  withSmallPowers(binary('power', powC, C.cpow, (_a, x, y) => mul(y, pow(x, where(equal(y, 0), 1, sub(y, 1)))), (ans, x) => mul(safeLog(x), ans), 'same', 'power')),
  extremum('maximum', (a, b) => (a >= b || Number.isNaN(a) ? a : b), 'maximum'),
  extremum('minimum', (a, b) => (a <= b || Number.isNaN(a) ? a : b), 'minimum'),
  extremum('fmax', (a, b) => (Number.isNaN(b) || a >= b ? a : b)),
  extremum('fmin', (a, b) => (Number.isNaN(b) || a <= b ? a : b)),
  binary('logaddexp', logaddexp, null,
    (ans, x) => exp(sub(x, ans)), (ans, _x, y) => exp(sub(y, ans)), 'float', 'logaddexp'),
  binary('logaddexp2', logaddexp2, null,
    (ans, x) => pow(2, sub(x, ans)), (ans, _x, y) => pow(2, sub(y, ans)), 'float', 'logaddexp2'),
  binary('arctan2', Math.atan2, null, (_a, x, y) => div(y, add(square(x), square(y))), (_a, x, y) => div(neg(x), add(square(x), square(y))), 'float'),
  binary('hypot', Math.hypot, null, (ans, x) => div(x, ans), (ans, _x, y) => div(y, ans), 'float'),
  binary('mod', pyMod, null, () => 1, (_a, x, y) => neg(floor(div(x, y)))),
  binary('remainder', pyMod, null, () => 1, (_a, x, y) => neg(floor(div(x, y)))),
  comparison('equal', (a, b) => a === b, (ar, ai, br, bi, o) => { o[0] = +(ar === br && ai === bi); }),
  comparison('not_equal', (a, b) => a !== b, (ar, ai, br, bi, o) => { o[0] = +(ar !== br || ai !== bi); }),
  comparison('less', (a, b) => a < b),
  comparison('less_equal', (a, b) => a <= b),
  comparison('greater', (a, b) => a > b),
  comparison('greater_equal', (a, b) => a >= b),
  comparison('logical_and', (a, b) => !!a && !!b),
  comparison('logical_or', (a, b) => !!a || !!b),
  comparison('logical_xor', (a, b) => !a !== !b),
  { ...elementwise2('floor_divide', floorDiv, null, 'same'), nondiff: true },
);
