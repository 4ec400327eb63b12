// scipy.special functions.
import { Attrs, defop, Meta, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { floatDtype, isComplex } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { NDArray } from '../ndarray.js';
import { keepdimsShape, normAxes, reducedShape } from './axes.js';
import { add, exp, log, mul, reshape, sub, sum, where } from './prims.js';

function lseParts(x: Meta, { axis, b = 1, keepdims = false }: Attrs) {
  if (isComplex(x.dtype)) fail('DTYPE_MISMATCH', `scipy.special.logsumexp: complex128 input (shape ${fmtShape(x.shape)}) is not supported`);
  if (typeof b !== 'number') fail('BAD_ATTRIBUTE', `scipy.special.logsumexp: b must be a number (a scalar weight), got ${JSON.stringify(b)}`);
  const axes = normAxes(axis, x.shape.length, 'scipy.special.logsumexp');
  return { axes, b, keepdims: !!keepdims, kept: keepdimsShape(x.shape, axes) };
}

/** b·exp(x − ans): the weights of x in the sum, broadcast back over the reduced axes. */
const weights = (x: Value, ans: Value, a: Attrs) => { const p = lseParts(x, a); return mul(p.b, exp(sub(x, reshape(ans, p.kept)))); };

defop({
  name: 'scipy.special.logsumexp', arity: 1, attrs: ['axis', 'b', 'keepdims'],
  infer: ([x], a) => { const p = lseParts(x, a); return { shape: reducedShape(x.shape, p.axes, p.keepdims), dtype: floatDtype(x.dtype) }; },
  // log Σ b·exp(x − m) + m with m the lane's maximum (0 where that is not finite, as SciPy).
  forward: ([x], a, out: Meta) => {
    const { axes, b } = lseParts(x, a);
    const m = callOp('max', [x], { axis: axes, keepdims: true }) as NDArray;
    const shift = where(callOp('isfinite', [m]) as Value, m, 0);
    return reshape(add(log(sum(mul(b, exp(sub(x, shift))), axes, true)), shift), out.shape) as NDArray;
  },
  vjp: (g, ans, [x], a) => mul(reshape(g, lseParts(x, a).kept), weights(x, ans, a)),
  jvp: (t, ans, [x], a) => { const p = lseParts(x, a); return sum(mul(t, weights(x, ans, a)), p.axes, p.keepdims); },
});
