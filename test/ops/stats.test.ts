// scipy.stats: densities and distribution functions against closed forms and the relations between families
// (t with df = 1 is Cauchy, chi2 with df = 2 is exponential, Dirichlet with K = 2 is Beta, …); SciPy's defaults,
// supports and invalid parameters; gradients against autograd's formulas and finite differences (first and second
// order, both modes); broadcasting and bad input.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad, makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np, scipy } from '../../core/np.js';
import { checkDerivatives, rng, seedOf } from '../helpers/fd.js';
import { arr, closeRel as close, flat } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const st = (name: string, ...args: unknown[]) => callOp(`scipy.stats.${name}`, args) as NDArray;
const v = (name: string, ...args: unknown[]) => st(name, ...args).toArray() as any;

const SQRT_2PI = Math.sqrt(2 * Math.PI);
const xs = [-3.5, -1, -0.2, 0, 0.7, 2.5];

describe('norm', () => {
  it('pdf, logpdf, cdf, sf and their logs; loc and scale; omitted parameters take SciPy defaults', () => {
    close(v('norm.pdf', 0), 1 / SQRT_2PI);
    close(v('norm.pdf', arr(xs), 0.5, 2), xs.map((x) => Math.exp(-(((x - 0.5) / 2) ** 2) / 2) / (2 * SQRT_2PI)));
    close(v('norm.logpdf', arr(xs), -1, 0.3), xs.map((x) => -(((x + 1) / 0.3) ** 2) / 2 - Math.log(0.3 * SQRT_2PI)));
    close(v('norm.cdf', 0), 0.5);
    close(v('norm.cdf', 1.96), 0.9750021048517795);
    close(v('norm.cdf', 3, 1, 2), v('norm.cdf', 1));
    close(flat(st('norm.cdf', arr(xs))).map((c, i) => c + (v('norm.cdf', -xs[i]) as number)), xs.map(() => 1), 2e-16);
    close(v('norm.sf', arr(xs)), flat(st('norm.cdf', arr(xs.map((x) => -x)))));
    close(v('norm.logcdf', arr(xs), 0.3, 1.5), flat(st('norm.cdf', arr(xs), 0.3, 1.5)).map(Math.log), 1e-14);
    close(v('norm.logsf', arr(xs)), xs.map((x) => Math.log1p(-v('norm.cdf', x))), 1e-14);
    // log Φ(x) ~ −x²/2 − log(−x√(2π)) − 1/x² for x → −∞, where Φ itself underflows
    close(v('norm.logcdf', -1e3), -5e5 - Math.log(1e3 * SQRT_2PI) - 1e-6, 1e-15);
    close(v('norm.logsf', 1e3, 0, 1), v('norm.logcdf', -1e3));
    expect(v('norm.logpdf', 1.5)).toBe(v('norm.logpdf', 1.5, 0, 1));
    close(scipy.stats.norm.logpdf(arr([1, 2]), 1, 2), v('norm.logpdf', arr([1, 2]), 1, 2));
    close(scipy.stats.norm.pdf(0.5), v('norm.pdf', 0.5));
  });

  it('ppf and isf invert cdf and sf', () => {
    for (const p of [1e-300, 1e-8, 0.025, 0.5, 0.9]) {
      close(v('norm.cdf', v('norm.ppf', p, 2, 3), 2, 3), p, 1e-12);
      close(v('norm.sf', v('norm.isf', p, -1, 0.5), -1, 0.5), p, 1e-12);
    }
    close(v('norm.ppf', 0.975), 1.959963984540054);
  });

  it('scale ≤ 0 gives NaN', () => {
    for (const fn of ['pdf', 'logpdf', 'cdf', 'logcdf', 'sf', 'logsf', 'ppf', 'isf']) expect(v(`norm.${fn}`, 0.3, 0, -1), fn).toBeNaN();
  });

  it("gradients are autograd's, in every argument", () => {
    const [x, loc, scale] = [1.3, -0.4, 1.7], z = (x - loc) / scale;
    const g = grad((a: any, b: any, c: any) => st('norm.logpdf', a, b, c), [0, 1, 2])(x, loc, scale);
    close(g, [-z / scale, z / scale, -1 / scale + z * z / scale]);
    const pdf = v('norm.pdf', x, loc, scale), cdf = v('norm.cdf', x, loc, scale);
    close(grad((a: any, b: any, c: any) => st('norm.cdf', a, b, c), [0, 1, 2])(x, loc, scale), [pdf, -pdf, -pdf * z]);
    close(grad((a: any) => st('norm.logcdf', a, loc, scale))(x), pdf / cdf, 1e-14);
    close(grad((a: any) => st('norm.logcdf', a))(-60), 60.01665742024112, 1e-13); // φ/Φ, finite where both underflow
    close(grad((q: any) => st('norm.ppf', q, loc, scale))(0.3), 1 / v('norm.pdf', v('norm.ppf', 0.3, loc, scale), loc, scale), 1e-13);
  });
});

describe('t', () => {
  it('df = 1 is Cauchy, df = 2 has a closed-form CDF, large df tends to the normal', () => {
    close(v('t.pdf', arr(xs), 1), xs.map((x) => 1 / (Math.PI * (1 + x * x))), 1e-14);
    close(v('t.cdf', arr(xs), 1), xs.map((x) => 0.5 + Math.atan(x) / Math.PI), 1e-14);
    close(v('t.cdf', arr(xs), 2), xs.map((x) => 0.5 + x / (2 * Math.sqrt(2 + x * x))), 1e-14);
    close(v('t.pdf', arr(xs), 2), xs.map((x) => (2 + x * x) ** -1.5), 1e-14);
    close(v('t.logpdf', arr(xs), 1e9), flat(st('norm.logpdf', arr(xs))), 1e-8);
    close(v('t.cdf', 1.2, 1e9), v('norm.cdf', 1.2), 1e-9);
  });

  it('symmetry, loc/scale, sf and the logs', () => {
    for (const x of [0.3, 2, 15]) close(v('t.cdf', -x, 3.5) + v('t.cdf', x, 3.5), 1, 2e-16);
    close(v('t.cdf', 0, 7.7), 0.5);
    close(v('t.pdf', 2.5, 4, 1, 3), v('t.pdf', 0.5, 4) / 3);
    close(v('t.sf', arr(xs), 3), flat(st('t.cdf', arr(xs.map((x) => -x)), 3)), 1e-15);
    close(v('t.logsf', 40, 3), Math.log(v('t.cdf', -40, 3)), 1e-14);
    close(v('t.logcdf', arr(xs), 3, 0.5, 2), flat(st('t.cdf', arr(xs), 3, 0.5, 2)).map(Math.log), 1e-14);
    expect(v('t.pdf', 1, -2)).toBeNaN();
    expect(v('t.cdf', 1, 3, 0, 0)).toBeNaN();
  });

  it("gradients: autograd's in x, df, loc and scale; cdf differentiable in x, loc and scale but not df", () => {
    const [x, df, loc, scale] = [0.8, 3.5, 0.2, 1.4], y = (x - loc) / scale;
    const g = grad((a: any, b: any, c: any, d: any) => st('t.logpdf', a, b, c, d), [0, 1, 2, 3])(x, df, loc, scale) as number[];
    const dx = (-y * (1 + df)) / (y * y + df) / scale;
    const psi = (u: number) => callOp('scipy.special.digamma', [u]) as NDArray;
    const ddf = 0.5 * ((y * y * (df + 1)) / (df * (y * y + df)) - Math.log(y * y / df + 1) - 1 / df - (psi(df / 2).item() as number) + (psi((df + 1) / 2).item() as number));
    const d2 = (x - loc) ** 2, dscale = -(df * (scale * scale - d2)) / (scale * (df * scale * scale + d2));
    close(g, [dx, ddf, -dx, dscale], 1e-13);
    const pdf = v('t.pdf', x, df, loc, scale);
    close(grad((a: any, c: any, d: any) => st('t.cdf', a, df, c, d), [0, 1, 2])(x, loc, scale), [pdf, -pdf, -pdf * y], 1e-13);
    expect(() => grad((b: any) => st('t.cdf', x, b))(df)).toThrow(expect.objectContaining({ code: 'NOT_DIFFERENTIABLE' }));
  });
});

describe('beta, gamma, chi2', () => {
  const us = [0.05, 0.3, 0.5, 0.77, 0.99];

  it('beta: closed forms, the support, loc/scale', () => {
    close(v('beta.pdf', arr(us), 2, 3), us.map((x) => 12 * x * (1 - x) ** 2), 1e-14);
    close(v('beta.cdf', arr(us), 2, 3), us.map((x) => 6 * x ** 2 - 8 * x ** 3 + 3 * x ** 4), 1e-13);
    close(v('beta.pdf', arr(us), 1, 1), us.map(() => 1));
    close(v('beta.logpdf', arr(us), 0.5, 0.5), us.map((x) => -Math.log(Math.PI * Math.sqrt(x * (1 - x)))), 1e-14);
    close(v('beta.pdf', arr([-0.5, 0, 1, 1.5]), 2, 3), [0, 0, 0, 0]);
    close(v('beta.logpdf', arr([-0.5, 1.5]), 2, 3), [-Infinity, -Infinity]);
    close(v('beta.cdf', arr([-0.5, 1.5]), 2, 3), [0, 1]);
    close(v('beta.pdf', 0, 1, 3), 3);
    close(v('beta.pdf', 7, 2, 3, 5, 4), v('beta.pdf', 0.5, 2, 3) / 4);
    expect(v('beta.pdf', 0.5, -1, 3)).toBeNaN();
  });

  it('gamma: a = 1 is exponential; the pdf at integer a; the support', () => {
    const ts = [0, 0.1, 1, 4.5, 30];
    close(v('gamma.pdf', arr(ts), 1), ts.map((x) => Math.exp(-x)));
    close(v('gamma.cdf', arr(ts), 1), ts.map((x) => -Math.expm1(-x)), 1e-14);
    close(v('gamma.pdf', arr(ts), 3), ts.map((x) => (x * x * Math.exp(-x)) / 2), 1e-14);
    close(v('gamma.pdf', arr([-1, -1e-9]), 2.5), [0, 0]);
    close(v('gamma.cdf', -1, 2.5), 0);
    close(v('gamma.logpdf', 5, 2.5, 1, 2), v('gamma.logpdf', 2, 2.5) - Math.log(2), 1e-14);
  });

  it('chi2: df = 2 is exponential with scale 2; non-integer df is right (autograd returns 0 there)', () => {
    const ts = [0, 0.3, 2, 9];
    close(v('chi2.pdf', arr(ts), 2), ts.map((x) => Math.exp(-x / 2) / 2));
    close(v('chi2.cdf', arr(ts), 2), ts.map((x) => -Math.expm1(-x / 2)), 1e-14);
    const gamma125 = 0.9064024770554771; // Γ(5/4)
    close(v('chi2.pdf', arr([0.3, 2, 9]), 2.5), [0.3, 2, 9].map((x) => (x ** 0.25 * Math.exp(-x / 2)) / (2 ** 1.25 * gamma125)), 1e-14);
    close(grad((x: any) => st('chi2.logpdf', x, 2.5))(3), (2.5 / 2 - 1) / 3 - 0.5, 1e-14);
    close(v('chi2.logpdf', arr(ts), 3.3), flat(st('gamma.logpdf', arr(ts), 1.65, 0, 2)), 1e-14);
  });

  it("gradients are autograd's", () => {
    const [x, a, b] = [0.35, 2.2, 3.1];
    const psi = (u: number) => (callOp('scipy.special.digamma', [u]) as NDArray).item() as number;
    close(grad((p: any, q: any, r: any) => st('beta.logpdf', p, q, r), [0, 1, 2])(x, a, b),
      [(1 + a * (x - 1) + x * (b - 2)) / (x * (x - 1)), Math.log(x) - psi(a) + psi(a + b), Math.log1p(-x) - psi(b) + psi(a + b)], 1e-13);
    close(grad((p: any) => st('beta.cdf', p, a, b))(x), v('beta.pdf', x, a, b), 1e-13);
    close(grad((p: any, q: any) => st('gamma.logpdf', p, q), [0, 1])(x * 4, a), [(a - x * 4 - 1) / (x * 4), Math.log(x * 4) - psi(a)], 1e-13);
    close(grad((p: any) => st('gamma.cdf', p, a))(1.5), v('gamma.pdf', 1.5, a), 1e-13);
    close(grad((p: any) => st('chi2.cdf', p, 3))(1.5), v('chi2.pdf', 1.5, 3), 1e-13);
  });

  it('outside the support the gradient is 0, not NaN, also summed over a broadcast parameter', () => {
    const g = grad((loc: any) => np.sum(st('beta.logpdf', arr([-0.5, 0.3, 1.5]), 2, 3, loc)))(0) as number;
    close(g, -(grad((x: any) => st('beta.logpdf', x, 2, 3))(0.3) as number), 1e-14);
    const h = grad((b: any) => np.sum(st('gamma.pdf', arr([-2, 1]), b)))(2.5) as number;
    expect(Number.isFinite(h)).toBe(true);
  });
});

describe('poisson', () => {
  const factorial = (n: number) => { let p = 1; for (let k = 2; k <= n; k++) p *= k; return p; };
  const ks = [0, 1, 2, 5, 12];

  it('pmf, logpmf, cdf; non-integer and negative k; loc; integer k arrays', () => {
    const mu = 3.7;
    close(v('poisson.pmf', arr(ks), mu), ks.map((k) => (mu ** k * Math.exp(-mu)) / factorial(k)), 1e-14);
    close(v('poisson.logpmf', NDArray.fromData(ks, [5], 'int64'), mu), ks.map((k) => k * Math.log(mu) - mu - Math.log(factorial(k))), 1e-14);
    close(v('poisson.cdf', arr(ks), mu), ks.map((k) => [...Array(k + 1).keys()].reduce((s, j) => s + (mu ** j * Math.exp(-mu)) / factorial(j), 0)), 1e-13);
    close(v('poisson.cdf', 2.7, mu), v('poisson.cdf', 2, mu));
    close(v('poisson.pmf', arr([1.5, -1]), mu), [0, 0]);
    close(v('poisson.cdf', -0.5, mu), 0);
    close(v('poisson.pmf', 4, mu, 2), v('poisson.pmf', 2, mu));
    close(v('poisson.pmf', arr([0, 2]), 0), [1, 0]);
    expect(v('poisson.pmf', 1, -1)).toBeNaN();
  });

  it("gradients in mu are autograd's; k has none", () => {
    const mu = 2.3;
    close(grad((m: any) => st('poisson.logpmf', 4, m))(mu), 4 / mu - 1, 1e-14);
    close(grad((m: any) => st('poisson.pmf', 4, m))(mu), v('poisson.pmf', 4, mu) * (4 / mu - 1), 1e-14);
    close(grad((m: any) => st('poisson.cdf', 3.5, m))(mu), -v('poisson.pmf', 3, mu), 1e-13);
    close(grad((m: any) => st('poisson.logpmf', 2.5, m))(mu), 0);
    expect(() => grad((k: any) => st('poisson.logpmf', k, mu))(2)).toThrow(expect.objectContaining({ code: 'NOT_DIFFERENTIABLE' }));
  });
});

describe('dirichlet', () => {
  it('with K = 2 it is the Beta distribution; K − 1 components; a batch of points', () => {
    for (const x of [0.1, 0.45, 0.8]) {
      close(v('dirichlet.pdf', arr([x, 1 - x]), arr([2.5, 1.5])), v('beta.pdf', x, 2.5, 1.5), 1e-13);
      close(v('dirichlet.logpdf', arr([x]), arr([2.5, 1.5])), v('beta.logpdf', x, 2.5, 1.5), 1e-13);
    }
    const pts = arr([[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]]), alpha = arr([1.5, 2, 3]);
    expect(st('dirichlet.logpdf', pts, alpha).shape).toEqual([2]);
    close(v('dirichlet.logpdf', pts, alpha), [0, 1].map((j) => v('dirichlet.logpdf', arr([0.2, 0.3, 0.5].map((_, i) => [[0.2, 0.5], [0.3, 0.1], [0.5, 0.4]][i][j])), alpha)));
    // the uniform distribution on the simplex has density Γ(K) = 2
    close(v('dirichlet.pdf', arr([0.2, 0.3, 0.5]), arr([1, 1, 1])), 2, 1e-14);
  });

  it("gradients are autograd's", () => {
    const x = arr([0.2, 0.3, 0.5]), alpha = arr([1.5, 2, 3]);
    const psi = (u: unknown) => callOp('scipy.special.digamma', [u]) as NDArray;
    const [gx, ga] = grad((p: any, q: any) => st('dirichlet.logpdf', p, q), [0, 1])(x, alpha) as NDArray[];
    close(gx, [0.5 / 0.2, 1 / 0.3, 2 / 0.5], 1e-14);
    close(ga, [0, 1, 2].map((i) => (psi(6.5).item() as number) - (psi([1.5, 2, 3][i]).item() as number) + Math.log([0.2, 0.3, 0.5][i])), 1e-13);
  });

  it('rejects what SciPy rejects', () => {
    const bad = (x: unknown, a: unknown) => () => st('dirichlet.logpdf', arr(x), arr(a));
    expect(bad([0.2, 0.3, 0.4], [1, 2, 3])).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/simplex/) }));
    expect(bad([0.2, 0.3, 0.5], [1, 0, 3])).toThrow(/alpha must be greater than 0/);
    expect(bad([0, 0.5, 0.5], [0.5, 2, 3])).toThrow(/greater than zero where its alpha is less than one/);
    expect(bad([0.2, 0.3, 0.5, 0], [1, 2])).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(bad([0.2, 0.8], [[1, 2]])).toThrow(/alpha must be one-dimensional/);
  });
});

describe('multivariate_normal', () => {
  const mean = arr([0.5, -1, 2]);
  const cov = arr([[2, 0.3, 0.1], [0.3, 1, -0.2], [0.1, -0.2, 1.5]]);
  const x = arr([0.1, 0.2, 1.3]);

  it('a diagonal covariance is a product of normals; scalar and vector covariances; a batch of points', () => {
    const sd = [1.5, 0.7, 2], pt = [0.3, -0.4, 1.1], m = [0, 0.2, -1];
    const sum = pt.reduce((s, xi, i) => s + (v('norm.logpdf', xi, m[i], sd[i]) as number), 0);
    close(v('multivariate_normal.logpdf', arr(pt), arr(m), arr([[2.25, 0, 0], [0, 0.49, 0], [0, 0, 4]])), sum, 1e-14);
    close(v('multivariate_normal.logpdf', arr(pt), arr(m), arr(sd.map((s) => s * s))), sum, 1e-14);
    close(v('multivariate_normal.logpdf', arr(pt), arr(m), 2.25), pt.reduce((s, xi, i) => s + (v('norm.logpdf', xi, m[i], 1.5) as number), 0), 1e-14);
    close(v('multivariate_normal.logpdf', arr(pt), arr(m)), pt.reduce((s, xi, i) => s + (v('norm.logpdf', xi, m[i]) as number), 0), 1e-14);
    const batch = st('multivariate_normal.logpdf', arr([[0.1, 0.2, 1.3], [1, 1, 1]]), mean, cov);
    expect(batch.shape).toEqual([2]);
    close(batch, [v('multivariate_normal.logpdf', x, mean, cov), v('multivariate_normal.logpdf', arr([1, 1, 1]), mean, cov)], 1e-14);
    close(v('multivariate_normal.pdf', x, mean, cov), Math.exp(v('multivariate_normal.logpdf', x, mean, cov)), 1e-14);
  });

  it("SciPy's shapes: 1-d points for d = 1, squeezed results", () => {
    close(v('multivariate_normal.logpdf', arr([0.5, 1, 2])), [0.5, 1, 2].map((t) => v('norm.logpdf', t)), 1e-14);
    expect(st('multivariate_normal.logpdf', arr([[0.1, 0.2, 1.3]]), mean, cov).shape).toEqual([]);
    expect(st('multivariate_normal.logpdf', np.zeros([2, 1, 3]), mean, cov).shape).toEqual([2]);
  });

  it('entropy is log det(2πe Σ)/2', () => {
    const det = 2 * (1.5 - 0.04) - 0.3 * (0.45 + 0.02) + 0.1 * (-0.06 - 0.1);
    close(v('multivariate_normal.entropy', mean, cov), 0.5 * Math.log((2 * Math.PI * Math.E) ** 3 * det), 1e-14);
    close(v('multivariate_normal.entropy'), 0.5 * Math.log(2 * Math.PI * Math.E), 1e-15);
  });

  it("gradients are autograd's symmetric forms", () => {
    const g = arr(0.7);
    const [vjp] = makeVjp((a: any, b: any, c: any) => st('multivariate_normal.logpdf', a, b, c), [0, 1, 2])(x, mean, cov);
    const [gx, gm, gc] = vjp(g) as NDArray[];
    const J = callOp('linalg.inv', [cov]) as NDArray, s = np.matmul(J, np.subtract(x, mean)) as NDArray;
    close(gx, np.multiply(-0.7, s), 1e-13);
    close(gm, np.multiply(0.7, s), 1e-13);
    close(gc, np.multiply(0.35, np.subtract(np.outer(s, s), J)), 1e-13);
    const ge = grad((c: any) => st('multivariate_normal.entropy', mean, c))(cov);
    close(ge, np.multiply(0.5, np.transpose(J)), 1e-13);
    close(grad((m: any) => st('multivariate_normal.entropy', m, cov))(mean), [0, 0, 0]);
  });

  it('rejects a covariance that is not positive definite and shapes that do not fit', () => {
    expect(() => st('multivariate_normal.logpdf', x, mean, arr([[1, 2, 0], [2, 1, 0], [0, 0, 1]]))).toThrow(expect.objectContaining({ code: 'LINALG_ERROR' }));
    expect(() => st('multivariate_normal.logpdf', arr([1, 2]), mean, cov)).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(() => st('multivariate_normal.logpdf', x, mean, arr([[1, 0], [0, 1]]))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});

describe('all distributions', () => {
  it('match finite differences, first and second order, forward and reverse', () => {
    const r = rng(seedOf('stats'));
    const u = (lo: number, hi: number, n = 3) => NDArray.fromData(Array.from({ length: n }, () => lo + (hi - lo) * r()), [n]);
    const spd = arr([[2, 0.3], [0.3, 1]]);
    const cases: [string, (...a: any[]) => any, NDArray[]][] = [
      ['norm.logcdf', (a, b, c) => st('norm.logcdf', a, b, c), [u(-4, 2), u(-1, 1), u(0.5, 2)]],
      ['norm.isf', (a, b, c) => st('norm.isf', a, b, c), [u(0.05, 0.95), u(-1, 1), u(0.5, 2)]],
      ['t.logpdf', (a, b, c, d) => st('t.logpdf', a, b, c, d), [u(-2, 2), u(1, 5), u(-1, 1), u(0.5, 2)]],
      ['t.logcdf', (a, c, d) => st('t.logcdf', a, 3, c, d), [u(-2, 2), u(-1, 1), u(0.5, 2)]],
      ['beta.pdf', (a, b, c) => st('beta.pdf', a, b, c), [u(0.2, 0.8), u(0.5, 3), u(0.5, 3)]],
      ['gamma.logpdf', (a, b, c, d) => st('gamma.logpdf', a, b, c, d), [u(1, 4), u(0.5, 4), u(-0.3, 0.3), u(0.5, 2)]],
      ['chi2.cdf', (a) => st('chi2.cdf', a, 3), [u(0.5, 4)]],
      ['poisson.pmf', (m) => st('poisson.pmf', arr([0, 2, 5]), m), [u(0.5, 4)]],
      ['dirichlet.logpdf', (p, q) => st('dirichlet.logpdf', np.divide(p, np.sum(p)), q), [u(0.2, 1), u(0.5, 3)]],
      ['multivariate_normal.logpdf', (a, b, c) => st('multivariate_normal.logpdf', a, b, c), [u(-1, 1, 2), u(-1, 1, 2), spd]],
      ['multivariate_normal.entropy', (c) => st('multivariate_normal.entropy', arr([0, 0]), c), [spd]],
    ];
    for (const [name, fn, args] of cases) {
      try { checkDerivatives(fn, args, r); } catch (e) { throw new Error(`${name}: ${(e as Error).message}`); }
    }
  });

  it('forward mode agrees with reverse mode', () => {
    const [vjp] = makeVjp((a: any, b: any) => st('t.pdf', a, b, 0.3, 1.2), [0, 1])(arr([0.5, -1]), arr([2.5, 4]));
    const [gx, gdf] = vjp(arr([1, 1])) as NDArray[];
    const [, t] = makeJvp((a: any, b: any) => st('t.pdf', a, b, 0.3, 1.2), [0, 1])(arr([0.5, -1]), arr([2.5, 4]))([arr([1, 0]), arr([0, 1])]);
    close(t, [flat(gx)[0], flat(gdf)[1]], 1e-14);
  });

  it('broadcast their arguments and reject complex input and too few or too many arguments', () => {
    expect(st('norm.logpdf', np.zeros([2, 1]), arr([0, 1, 2]), 1).shape).toEqual([2, 3]);
    expect(st('gamma.cdf', arr([1, 2]), arr([[1], [2], [3]])).shape).toEqual([3, 2]);
    expect(st('norm.pdf', np.array([0.5], { dtype: 'float32' })).dtype).toBe('float32');
    expect(() => st('norm.pdf', arr([{ re: 1, im: 0 }]))).toThrow(expect.objectContaining({ code: 'DTYPE_MISMATCH' }));
    expect(() => st('t.pdf', 0.5)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => st('norm.pdf', 0.5, 0, 1, 2)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => st('norm.pdf', arr([1, 2]), arr([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
  });
});
