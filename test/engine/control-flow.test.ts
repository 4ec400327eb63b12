import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { grad } from '../../core/differential.js';

const taylorSine = (x: any) => {
  let ans = x, term = x, i = 0;
  while (Math.abs(term.item?.() ?? term) > 0.001) {
    term = np.divide(np.multiply(np.negative(term), np.square(x)), (2 * i + 3) * (2 * i + 2));
    ans = np.add(ans, term);
    i += 1;
  }
  return ans;
};

describe('JavaScript control flow inside differentiated code', () => {
  it('runs the tutorial\'s Taylor sine with a data-dependent while loop', () => {
    expect(Math.abs(grad(taylorSine)(Math.PI) - Math.cos(Math.PI))).toBeLessThan(1e-3);
  });

  it('works through recursion and closures', () => {
    const rec = (x: any, n: number): any => (n === 0 ? x : rec(np.add(np.sin(x), np.multiply(0.5, x)), n - 1));
    const h = 1e-6, f = (x: number) => rec(x, 4).item();
    expect(Math.abs(grad((x: any) => rec(x, 4))(0.9) - (f(0.9 + h) - f(0.9 - h)) / (2 * h))).toBeLessThan(1e-8);
    const makePoly = (c: number[]) => (x: any) => c.reduce((acc: any, ci, i) => np.add(acc, np.multiply(ci, np.power(x, i))), 0);
    expect(grad(makePoly([1, -2, 0.5, 0.25]))(1.3)).toBeCloseTo(-2 + 1.3 + 0.75 * 1.69, 12);
  });

  it('branches on .item() of a traced value', () => {
    const relu = (x: any) => (x.item() > 0 ? x : np.multiply(x, 0.01));
    expect(grad(relu)(2)).toBe(1);
    expect(grad(relu)(-2)).toBe(0.01);
  });

  it('refuses JS operators and Number() on arrays, naming the fix', () => {
    grad((x: any) => {
      expect(() => x * x).toThrow(/JS operators do not work on arrays/);
      expect(() => x > 0).toThrow(expect.objectContaining({ code: 'TRACED_COERCION' }));
      expect(() => Number(x)).toThrow(/\.item\(\)/);
      return x;
    })(1.0);
    expect(() => (np.array([1]) as any) + 1).toThrow(TypeError);
    expect(`${np.array([1, 2])}`).toContain('array([1,2]');
  });
});
