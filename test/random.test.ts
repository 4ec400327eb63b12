// np.random: the xoshiro256** stream against its reference recurrence, reproducibility, ranges, and moments
// within statistical bounds (five standard errors, n = 1e5).
import { describe, expect, it } from 'vitest';
import { grad } from '../core/differential.js';
import { NDArray } from '../core/ndarray.js';
import { np } from '../core/np.js';
import { Generator } from '../core/random.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const N = 100_000;
const values = (x: NDArray) => Array.from(x.values());
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const variance = (v: number[]) => { const m = mean(v); return v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length; };

describe('the generator', () => {
  it('is xoshiro256**: from the state (1, 2, 3, 4) it gives the reference outputs', () => {
    // From the recurrence result = rotl(s1·5, 7)·9; t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45).
    const g: any = new Generator(0);
    g.s.set([0, 1, 0, 2, 0, 3, 0, 4]);
    const out = Array.from({ length: 4 }, () => { const [h, l] = g.next(); return (BigInt(h) << 32n) | BigInt(l); });
    expect(out).toEqual([11520n, 0n, 1509978240n, 1215971899390074240n]);
  });

  it('repeats its stream for a seed, differs across seeds, and seed() resets the module functions', () => {
    np.random.seed(42);
    const first = values(np.random.rand(5));
    np.random.seed(42);
    expect(values(np.random.rand(5))).toEqual(first);
    expect(values(np.random.defaultRng(42).random(5))).toEqual(first);
    expect(values(np.random.defaultRng(43).random(5))).not.toEqual(first);
    const g = np.random.defaultRng(7), h = np.random.defaultRng(7);
    expect([g.normal(1, 2, 3).toArray(), g.randint(0, 10, 4).toArray(), g.choice(5, 2).toArray()])
      .toEqual([h.normal(1, 2, 3).toArray(), h.randint(0, 10, 4).toArray(), h.choice(5, 2).toArray()]);
  });

  it('gives a number without a size, as NumPy gives a Python scalar, and arrays shaped by size', () => {
    const g = np.random.defaultRng(1);
    expect([typeof g.random(), typeof g.normal(), typeof g.randint(3), typeof np.random.rand()]).toEqual(['number', 'number', 'number', 'number']);
    expect([g.rand(2, 3).shape, g.randn(4).shape, g.uniform(0, 1, [2, 2]).shape, g.normal({ size: 3 }).shape]).toEqual([[2, 3], [4], [2, 2], [3]]);
    expect(g.normal(np.zeros([2, 3]), 1).shape).toEqual([2, 3]);
  });

  it('refuses bad seeds and bounds', () => {
    expect(() => np.random.seed(-1)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => np.random.defaultRng(0.5)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => np.random.randint(5, 5)).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => np.random.choice(3, 4, { replace: false })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
    expect(() => np.random.choice(3, 1, { p: [0.5, 0.6, 0] })).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT' }));
  });
});

describe('distributions', () => {
  const g = np.random.defaultRng(2024);

  it('uniform: in [low, high), mean (low + high)/2 and variance (high − low)²/12', () => {
    const u = values(g.uniform(-1, 3, N));
    expect(Math.min(...u) >= -1 && Math.max(...u) < 3).toBe(true);
    expect(Math.abs(mean(u) - 1)).toBeLessThan(5 * Math.sqrt(16 / 12 / N));
    expect(Math.abs(variance(u) - 16 / 12)).toBeLessThan(5 * Math.sqrt((16 ** 2 / 180) / N)); // Var of (x − μ)² is (b − a)⁴/180
  });

  it('normal: mean loc, variance scale², and the right tails', () => {
    const z = values(g.normal(2, 3, N));
    expect(Math.abs(mean(z) - 2)).toBeLessThan(5 * 3 / Math.sqrt(N));
    expect(Math.abs(variance(z) - 9)).toBeLessThan(5 * 9 * Math.sqrt(2 / N));
    const beyond = z.filter((x) => Math.abs(x - 2) > 3 * 1.959964).length / N; // P(|Z| > 1.96) = 0.05
    expect(Math.abs(beyond - 0.05)).toBeLessThan(5 * Math.sqrt(0.05 * 0.95 / N));
  });

  it('randint and integers: every value in range, each about equally often', () => {
    const r = values(g.randint(3, 8, N));
    const counts = [3, 4, 5, 6, 7].map((k) => r.filter((x) => x === k).length);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(N);
    for (const c of counts) expect(Math.abs(c / N - 0.2)).toBeLessThan(5 * Math.sqrt(0.2 * 0.8 / N));
    expect(g.randint(3, 8, 4).dtype).toBe('int64');
    expect(new Set(values(g.integers(1, 2, 1000, { endpoint: true })))).toEqual(new Set([1, 2]));
  });

  it('choice: by weights, and without replacement distinct', () => {
    const c = values(g.choice(np.array([10, 20, 30]), N, { p: [0.2, 0, 0.8] }));
    expect(c.filter((x) => x === 20).length).toBe(0);
    expect(Math.abs(c.filter((x) => x === 30).length / N - 0.8)).toBeLessThan(5 * Math.sqrt(0.8 * 0.2 / N));
    const d = values(g.choice(10, 10, { replace: false }));
    expect([...d].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(values(g.choice(20, 5, { replace: false, p: Array(20).fill(0.05) }))).size).toBe(5);
  });

  it('permutation and shuffle permute along the first axis; shuffle works in place', () => {
    expect(values(g.permutation(6)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const rows = g.permutation(np.array([[1, 2], [3, 4], [5, 6]])).toArray() as number[][];
    expect(rows.map((r) => r[1] - r[0])).toEqual([1, 1, 1]);
    const x = np.arange(8, { dtype: 'float64' });
    g.shuffle(x);
    expect(values(x).sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('keeps the gradient of a traced loc and scale (the reparameterization loc + scale·z)', () => {
    const z = np.random.defaultRng(5).standardNormal(4);
    const [gl, gs] = grad((loc: any, scale: any) => np.sum(np.random.defaultRng(5).normal(loc, scale, 4)), [0, 1])(0.3, 2);
    expect([gl, gs]).toEqual([4, values(z).reduce((s, x) => s + x, 0)]);
  });
});
