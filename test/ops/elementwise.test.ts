// Elementwise kernels at the edges NumPy defines: precision near 0, branch-cut sides, overflow, special values.
// Expected values are NumPy 2.4's, or mpmath's (30 digits) where NumPy's own complex log1p/expm1 lose digits.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad, makeJvp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';

const z = (re: number, im: number) => NDArray.fromData([re, im], [], 'complex128');
const c1 = (op: string, re: number, im: number) => (callOp(op, [z(re, im)]) as NDArray).item() as { re: number; im: number };
const r2 = (op: string, a: number, b: number) => (callOp(op, [NDArray.scalar(a), NDArray.scalar(b)]) as NDArray).item() as number;
const close = (got: number, want: number, rtol = 1e-14) => expect(Math.abs(got - want)).toBeLessThanOrEqual(rtol * Math.abs(want));

describe('complex elementwise functions', () => {
  it('keep full relative precision near 0', () => {
    close(c1('expm1', 1e-12, 0).re, 1.0000000000005e-12);
    close(c1('expm1', 0, 1e-8).re, -5.0000000000000002e-17);
    close(c1('log1p', 1e-12, 0).re, 9.999999999995e-13);
    close(c1('log', 1, 1e-8).re, 5e-17);
    close(c1('arcsinh', 1e-12, 0).re, 1e-12);
    close(c1('arctanh', 1e-12, 0).re, 1e-12);
    close(c1('arcsin', 0, 1e-8).im, 1e-8);
    close(c1('arctan', 0, 1e-12).im, 1e-12);
    const a = c1('arccos', 1, 1e-8);
    close(a.re, 9.999999991666667e-5, 1e-12);
    close(a.im, -1.0000000008333334e-4, 1e-12);
  });

  it('take the branch-cut side of the sign of zero, as NumPy', () => {
    const t = c1('arctanh', 1.1, 0), u = c1('arctan', 0, -1.1);
    close(t.re, 1.522261218861711);
    expect(t.im).toBe(Math.PI / 2);
    expect(u.re).toBe(Math.PI / 2);
    close(u.im, -1.522261218861711);
    const s = c1('arcsin', 1e8, 0);
    close(s.re, Math.PI / 2);
    close(s.im, 19.11382792451231);
  });

  it('give 0, not NaN, where an exact zero meets an overflow', () => {
    expect(c1('sin', 0, 1000)).toEqual({ re: 0, im: Infinity });
    expect(c1('cosh', 1000, 0)).toEqual({ re: Infinity, im: 0 });
  });

  it('divide by zero and raise zero to powers as NumPy', () => {
    expect((callOp('divide', [z(0.5, 1.2), z(0, 0)]) as NDArray).item()).toEqual({ re: Infinity, im: Infinity });
    const p = (a: NDArray, b: NDArray) => (callOp('power', [a, b]) as NDArray).item() as { re: number; im: number };
    expect(p(z(0, 0), z(-1.5, 0))).toEqual({ re: NaN, im: NaN });
    expect(p(z(0, 0), z(0.5, -0.7))).toEqual({ re: 0, im: 0 });
    expect(p(z(0, -0.7), z(2, 0)).re).toBe(-0.48999999999999994); // by multiplication: exactly (−0.7i)·(−0.7i)
  });
});

describe('real binary functions', () => {
  it('follow C pow and NumPy logaddexp at special values', () => {
    expect(r2('power', 1, Infinity)).toBe(1);
    expect(r2('power', -1, -Infinity)).toBe(1);
    expect(r2('logaddexp', Infinity, Infinity)).toBe(Infinity);
    expect(r2('logaddexp2', Infinity, Infinity)).toBe(Infinity);
    close(r2('logaddexp2', 0, -60), 1.2513384780527022e-18);
  });

  it('floor_divide and mod agree as NumPy divmod', () => {
    expect(r2('floor_divide', 1, 0.1)).toBe(9);
    expect(r2('floor_divide', Infinity, 0.5)).toBeNaN();
    expect(Object.is(r2('floor_divide', 0, -0.5), -0)).toBe(true);
    expect(Object.is(r2('mod', -1, 0.5), 0)).toBe(true);
    expect(Object.is(r2('mod', 0.5, -0.5), -0)).toBe(true);
  });

  it('differentiate x ** 0 to 0 at x = 0, as autograd', () => {
    expect(grad((x: number) => np.power(x, 0))(0)).toBe(0);
    expect((makeJvp((x: number) => np.power(x, 0))(0)(1)[1] as NDArray).item()).toBe(0);
  });
});
