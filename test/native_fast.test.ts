// The addon's fast kernels: broadcasting binary ops, fused unary VJPs, sums over an axis, Adam's update, the triad;
// the split over OpenBLAS's threads at its threshold (the same results as one thread), and bad input. Skipped when
// the addon is not built.
import { describe, expect, it } from 'vitest';
import { loadNative, nativeAvailable, VJP_OPS, type NativeAddon } from '../native/index.js';
import { rng } from './helpers/fd.js';

const built = nativeAvailable();
const addon = (built ? loadNative() : undefined) as NativeAddon;
const r = rng(7);
const fill = (n: number, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => lo + (hi - lo) * r());
const code = (list: readonly string[], name: string) => list.indexOf(name);

/** body once on OpenBLAS's threads and once on one thread: both results. */
function bothWays<T>(body: () => T): [T, T] {
  const threads = addon.getThreads();
  const many = body();
  addon.setThreads(1);
  try {
    return [many, body()];
  } finally {
    addon.setThreads(threads);
  }
}

/** |got - want| ≤ rel·(|want| + scale[i]): `scale` bounds the terms of a sum that cancels (1 - y² near |y| = 1). */
function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, what: string, scale?: ArrayLike<number>) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= rel * (Math.abs(want[i]) + Math.abs(scale?.[i] ?? 0))) && !Object.is(got[i], want[i]))
      expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
}

/** Bitwise equality of two arrays (vitest's toEqual is slow on long typed arrays). */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what = '') {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
}

const codeOf = (e: unknown) => (e as { code?: string }).code;
const throwsCode = (f: () => void, c: string, message: RegExp) => {
  try {
    f();
  } catch (e) {
    expect(codeOf(e)).toBe(c);
    expect((e as Error).message).toMatch(message);
    return;
  }
  expect.fail('did not throw');
};

describe.skipIf(!built)('native kernels split across threads', () => {
  const min = () => addon.parallelMin, heavy = () => addon.parallelMin / addon.transcendentalCost;

  it('give one thread\'s results just below and just above the threshold (arithmetic and transcendental)', () => {
    for (const n of [min() - 1, min(), min() + 1, min() + 63]) {
      const a = fill(n), b = fill(n);
      const [many, one] = bothWays(() => { const out = new Float64Array(n); addon.binary(code(addon.binaryOps, 'multiply'), a, b, out); return out; });
      expectSame(many, one);
      expectSame(many, a.map((ai, i) => ai * b[i]));
    }
    for (const n of [heavy() - 1, heavy(), heavy() + 1]) {
      const x = fill(n, -5, 5);
      const [many, one] = bothWays(() => { const out = new Float64Array(n); addon.unary(code(addon.unaryOps, 'sin'), x, out); return out; });
      expectSame(many, one);
      expectClose(many, x.map(Math.sin), 1e-15, 'sin');
    }
  });

  it('tanh keeps the sign of zero and saturates', () => {
    const x = new Float64Array([-0, 0, 1e-300, -30, 30, Infinity, -Infinity, NaN, 0.6249, 0.6251]);
    const out = new Float64Array(x.length);
    addon.unary(code(addon.unaryOps, 'tanh'), x, out);
    expect(Object.is(out[0], -0)).toBe(true);
    expect([...out.slice(1, 8)]).toEqual([0, 1e-300, -1, 1, 1, -1, NaN]);
    expectClose(out.slice(8), [Math.tanh(0.6249), Math.tanh(0.6251)], 1e-15, 'tanh at the branch');
  });
});

describe.skipIf(!built)('binaryBroadcast', () => {
  /** out[r, c] = op(a[r*ar + c*ac], b[r*br + c*bc]) in plain JS. */
  const ref = (f: (x: number, y: number) => number, a: Float64Array, b: Float64Array, rows: number, cols: number, s: number[]) =>
    Float64Array.from({ length: rows * cols }, (_, k) => { const i = Math.floor(k / cols), j = k % cols; return f(a[i * s[0] + j * s[1]], b[i * s[2] + j * s[3]]); });
  const cases = (rows: number, cols: number) => [
    { what: 'row broadcast [m,n]+[n]', a: rows * cols, b: cols, s: [cols, 1, 0, 1] },
    { what: 'column broadcast [m,n]+[m,1]', a: rows * cols, b: rows, s: [cols, 1, 1, 0] },
    { what: 'outer [m,1]+[n]', a: rows, b: cols, s: [1, 0, 0, 1] },
    { what: 'transposed a', a: rows * cols, b: rows * cols, s: [1, rows, cols, 1] },
    { what: 'both transposed', a: rows * cols, b: rows * cols, s: [1, rows, 1, rows] },
    { what: 'strided b', a: rows * cols, b: rows * cols * 2, s: [cols, 1, 2 * cols, 2] },
  ];

  it('matches a JS loop for row, column, outer and strided layouts, across tile edges and the thread threshold', () => {
    const shapes = [[1, 1], [3, 5], [15, 255], [16, 256], [17, 257], [33, Math.ceil(addon.parallelMin / 33) + 1]];
    for (const [rows, cols] of shapes) {
      for (const c of cases(rows, cols)) {
        const a = fill(c.a), b = fill(c.b);
        for (const [name, f] of [['add', (x: number, y: number) => x + y], ['divide', (x: number, y: number) => x / y]] as const) {
          const [many, one] = bothWays(() => {
            const out = new Float64Array(rows * cols);
            addon.binaryBroadcast(code(addon.binaryOps, name), a, b, out, rows, cols, c.s[0], c.s[1], c.s[2], c.s[3]);
            return out;
          });
          expectSame(many, one, `${c.what} ${rows}x${cols}`);
          expectSame(many, ref(f, a, b, rows, cols, c.s), `${c.what} ${rows}x${cols} ${name}`);
        }
      }
    }
  });

  it('works on float32', () => {
    const a = Float32Array.from(fill(12)), b = Float32Array.from(fill(4)), out = new Float32Array(12);
    addon.binaryBroadcast(code(addon.binaryOps, 'multiply'), a, b, out, 3, 4, 4, 1, 0, 1);
    expect([...out]).toEqual([...a].map((v, k) => Math.fround(v * b[k % 4])));
  });

  it('rejects operands too short for their strides, wrong lengths and mixed types before touching memory', () => {
    const a = new Float64Array(6), b = new Float64Array(3), out = new Float64Array(6), add = code(addon.binaryOps, 'add');
    throwsCode(() => addon.binaryBroadcast(add, a, b, out, 2, 3, 3, 1, 1, 1), 'NATIVE_BAD_LENGTH', /b is too short: element \(rows-1, cols-1\) is at 3, length 3/);
    throwsCode(() => addon.binaryBroadcast(add, a, b, out, 2, 3, 4, 1, 0, 1), 'NATIVE_BAD_LENGTH', /a is too short/);
    throwsCode(() => addon.binaryBroadcast(add, a, b, new Float64Array(5), 2, 3, 3, 1, 0, 1), 'NATIVE_BAD_LENGTH', /out must have length 6/);
    throwsCode(() => addon.binaryBroadcast(add, a, new Float32Array(3) as never, out, 2, 3, 3, 1, 0, 1), 'NATIVE_BAD_ARGUMENT', /argument 3 \(b\) must be a Float64Array, got Float32Array/);
    throwsCode(() => addon.binaryBroadcast(add, a, b, out, 2, 3, 3, -1 as never, 0, 1), 'NATIVE_BAD_LENGTH', /aColStride/);
    throwsCode(() => addon.binaryBroadcast(99, a, b, out, 2, 3, 3, 1, 0, 1), 'NATIVE_BAD_LENGTH', /code/);
  });
});

describe.skipIf(!built)('unaryVjp', () => {
  // f'(x) from x and y = f(x), as the rules in core/ops/unary.ts write them.
  const D: Record<string, { f: (x: number) => number; d: (x: number, y: number) => number; lo: number; hi: number }> = {
    exp: { f: Math.exp, d: (_x, y) => y, lo: -5, hi: 5 },
    expm1: { f: Math.expm1, d: (_x, y) => y + 1, lo: -5, hi: 5 },
    log: { f: Math.log, d: (x) => 1 / x, lo: 0.1, hi: 10 },
    log1p: { f: Math.log1p, d: (x) => 1 / (x + 1), lo: -0.9, hi: 10 },
    sin: { f: Math.sin, d: (x) => Math.cos(x), lo: -5, hi: 5 },
    cos: { f: Math.cos, d: (x) => -Math.sin(x), lo: -5, hi: 5 },
    tan: { f: Math.tan, d: (x) => 1 / Math.cos(x) ** 2, lo: -1.5, hi: 1.5 },
    arcsin: { f: Math.asin, d: (x) => 1 / Math.sqrt(1 - x * x), lo: -0.99, hi: 0.99 },
    arccos: { f: Math.acos, d: (x) => -1 / Math.sqrt(1 - x * x), lo: -0.99, hi: 0.99 },
    arctan: { f: Math.atan, d: (x) => 1 / (1 + x * x), lo: -5, hi: 5 },
    sinh: { f: Math.sinh, d: (x) => Math.cosh(x), lo: -5, hi: 5 },
    cosh: { f: Math.cosh, d: (x) => Math.sinh(x), lo: -5, hi: 5 },
    tanh: { f: Math.tanh, d: (_x, y) => 1 - y * y, lo: -5, hi: 5 },
    sqrt: { f: Math.sqrt, d: (_x, y) => 0.5 / y, lo: 0.1, hi: 10 },
    square: { f: (x) => x * x, d: (x) => 2 * x, lo: -5, hi: 5 },
    reciprocal: { f: (x) => 1 / x, d: (_x, y) => -y * y, lo: 0.1, hi: 10 },
    abs: { f: Math.abs, d: (x, y) => x / (y === 0 ? 1 : y), lo: -5, hi: 5 },
  };

  it('lists the ops gradd expects', () => {
    expect([...addon.vjpOps]).toEqual([...VJP_OPS]);
    expect(Object.keys(D).sort()).toEqual([...VJP_OPS].sort());
  });

  it('is g·f\'(x) for every op, float64 and float32, with a scalar g, in place, on every ISA', () => {
    try {
      for (const isa of addon.supportedIsas) {
        addon.setIsa(isa);
        for (const [name, { f, d, lo, hi }] of Object.entries(D)) {
          for (const n of [1, 9, 1000]) {
            const x = fill(n, lo, hi), y = x.map(f), g = fill(n), out = new Float64Array(n);
            // FMA may round 1 - y² (tanh) or y + 1 (expm1) once instead of twice: allow |g| of cancellation.
            const want = g.map((gi, i) => gi * d(x[i], y[i])), scale = g.map((gi, i) => gi * (1 + y[i] * y[i]));
            addon.unaryVjp(code(addon.vjpOps, name), g, x, y, out);
            expectClose(out, want, 1e-14, `${isa} ${name} n=${n}`, scale);
            addon.unaryVjp(code(addon.vjpOps, name), g.subarray(0, 1), x, y, out);
            expectClose(out, x.map((xi, i) => g[0] * d(xi, y[i])), 1e-14, `${isa} ${name} scalar g`, scale.map((_, i) => g[0] * (1 + y[i] * y[i])));
            addon.unaryVjp(code(addon.vjpOps, name), g, x, y, g);
            expectClose(g, want, 1e-14, `${isa} ${name} in place`, scale);
            const x32 = Float32Array.from(x), y32 = x32.map(f), g32 = Float32Array.from(fill(n)), o32 = new Float32Array(n);
            addon.unaryVjp(code(addon.vjpOps, name), g32, x32, y32, o32);
            expectClose(o32, g32.map((gi, i) => gi * d(x32[i], y32[i])), 2e-6, `${isa} ${name} f32`, g32.map((gi, i) => gi * (1 + y32[i] * y32[i])));
          }
        }
      }
    } finally {
      addon.setIsa(addon.supportedIsas[0]);
    }
  });

  it('rejects mismatched lengths and types', () => {
    const v = new Float64Array(4), tanh = code(addon.vjpOps, 'tanh');
    throwsCode(() => addon.unaryVjp(tanh, v, v, new Float64Array(3), v), 'NATIVE_BAD_LENGTH', /ans must have length 4/);
    throwsCode(() => addon.unaryVjp(tanh, new Float64Array(2), v, v, v), 'NATIVE_BAD_LENGTH', /g must have length 1 \(a scalar\) or out.length = 4, got 2/);
    throwsCode(() => addon.unaryVjp(tanh, v, new Float32Array(4) as never, v, v), 'NATIVE_BAD_ARGUMENT', /x\) must be a Float64Array/);
    throwsCode(() => addon.unaryVjp(VJP_OPS.length, v, v, v, v), 'NATIVE_BAD_LENGTH', /code/);
  });
});

describe.skipIf(!built)('sum', () => {
  const naive = (x: ArrayLike<number>, outer: number, mid: number, inner: number) => {
    const out = new Float64Array(outer * inner);
    for (let o = 0; o < outer; o++) for (let m = 0; m < mid; m++) for (let i = 0; i < inner; i++) out[o * inner + i] += x[(o * mid + m) * inner + i];
    return out;
  };

  it('sums over the middle axis: totals, rows, columns, across block edges and the thread threshold', () => {
    const shapes = [[1, 0, 1], [2, 0, 3], [0, 5, 2], [1, 4095, 1], [1, 4097, 1], [3, 4097, 1], [1, 7, 4097], [2, 3, 5], [1, addon.parallelMin + 1, 1], [5, 3, addon.parallelMin / 8]];
    for (const [outer, mid, inner] of shapes) {
      const x = fill(outer * mid * inner);
      const [many, one] = bothWays(() => { const out = new Float64Array(outer * inner); addon.sum(x, outer, mid, inner, out); return out; });
      expectSame(many, one, `${outer}x${mid}x${inner}`);
      expectClose(many, naive(x, outer, mid, inner), 1e-12, `${outer}x${mid}x${inner}`);
    }
  });

  it('sums float32 in float32 lanes, as accurately as pairwise summation', () => {
    const n = 100000, x = Float32Array.from({ length: n }, () => 1 + r()), out = new Float32Array(1);
    addon.sum(x, 1, n, 1, out);
    let want = 0;
    for (const v of x) want += v;
    expect(Math.abs(out[0] - want) / want).toBeLessThan(1e-6);
  });

  it('cumsum runs sums over the middle axis in double, rows and column tiles, on both thread paths', () => {
    for (const [outer, mid, inner] of [[1, 1000, 1], [3, 7, 5000], [2, addon.parallelMin / 2 + 3, 1]]) {
      const x = fill(outer * mid * inner), want = new Float64Array(x.length);
      for (let k = 0; k < x.length; k++) want[k] = x[k] + (Math.floor(k / inner) % mid ? want[k - inner] : 0);
      const [many, one] = bothWays(() => { const out = new Float64Array(x.length); addon.cumsum(x, outer, mid, inner, out); return out; });
      expectSame(many, one, `${outer}x${mid}x${inner}`);
      expectSame(many, want, `${outer}x${mid}x${inner}`);
      const out32 = new Float32Array(x.length), x32 = Float32Array.from(x), want32 = new Float64Array(x.length);
      for (let k = 0; k < x.length; k++) want32[k] = x32[k] + (Math.floor(k / inner) % mid ? want32[k - inner] : 0);
      addon.cumsum(x32, outer, mid, inner, out32);
      expectSame(out32, Float32Array.from(want32), `float32 ${outer}x${mid}x${inner}`);
    }
    throwsCode(() => addon.cumsum(new Float64Array(6), 2, 3, 1, new Float64Array(5)), 'NATIVE_BAD_LENGTH', /out must have length 6/);
    throwsCode(() => addon.cumsum(new Float64Array(6), 2, 2, 1, new Float64Array(6)), 'NATIVE_BAD_LENGTH', /x must have length outer\*mid\*inner/);
  });

  it('rejects a length that disagrees with the dims', () => {
    throwsCode(() => addon.sum(new Float64Array(5), 2, 3, 1, new Float64Array(2)), 'NATIVE_BAD_LENGTH', /x must have length outer\*mid\*inner = 2\*3\*1, got 5/);
    throwsCode(() => addon.sum(new Float64Array(6), 2, 3, 1, new Float64Array(3)), 'NATIVE_BAD_LENGTH', /out must have length 2/);
    throwsCode(() => addon.sum(new Float64Array(6), 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, new Float64Array(3)), 'NATIVE_BAD_LENGTH', /x must have length/);
  });
});

describe.skipIf(!built)('adam and triad', () => {
  it('adam updates x, m, v exactly as the JavaScript loop, on the pool and on one thread', () => {
    const n = addon.parallelMin + 5, g = fill(n), x0 = fill(n);
    const [b1, b2, eps, step, t] = [0.9, 0.999, 1e-8, 1e-3, 3];
    const c1 = 1 - b1 ** (t + 1), c2 = 1 - b2 ** (t + 1);
    const x = x0.slice(), m = fill(n, 0, 0.1), v = fill(n, 0, 0.1), m0 = m.slice(), v0 = v.slice();
    for (let j = 0; j < n; j++) {
      m0[j] = (1 - b1) * g[j] + b1 * m0[j];
      v0[j] = (1 - b2) * g[j] ** 2 + b2 * v0[j];
      x0[j] = x0[j] - (step * (m0[j] / c1)) / (Math.sqrt(v0[j] / c2) + eps);
    }
    const [many, one] = bothWays(() => {
      const [xs, ms, vs] = [x.slice(), m.slice(), v.slice()];
      addon.adam(xs, g, ms, vs, step, b1, b2, eps, c1, c2);
      return [xs, ms, vs];
    });
    many.forEach((a, k) => { expectSame(a, one[k]); expectSame(a, [x0, m0, v0][k]); });
    throwsCode(() => addon.adam(x, g.subarray(1), m, v, step, b1, b2, eps, c1, c2), 'NATIVE_BAD_LENGTH', /g must have length/);
  });

  it('triad is b + s·c', () => {
    const b = fill(1000), c = fill(1000), a = new Float64Array(1000);
    addon.triad(a, b, c, 3, true);
    expect(a).toEqual(b.map((v, i) => v + 3 * c[i]));
    throwsCode(() => addon.triad(a, b, c.subarray(1), 3, false), 'NATIVE_BAD_LENGTH', /c must have length 1000/);
  });
});

describe.skipIf(!built)('convert, compare, select, extremumVjp (mixed types)', () => {
  const specials = [NaN, -0, 0, Infinity, -Infinity, 1, -1, 0.5];
  /** Values with every special value and repeats (so that comparisons and ties hit equal elements). */
  const mixed = (n: number) => Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? specials[i % specials.length] : Math.round(4 * r()) / 4 - 0.5));
  const CMP: Record<string, (x: number, y: number) => boolean> = {
    equal: (x, y) => x === y, not_equal: (x, y) => x !== y, less: (x, y) => x < y, less_equal: (x, y) => x <= y,
    greater: (x, y) => x > y, greater_equal: (x, y) => x >= y,
    // C's truth: nonzero, NaN included.
    logical_and: (x, y) => x !== 0 && y !== 0, logical_or: (x, y) => x !== 0 || y !== 0, logical_xor: (x, y) => (x !== 0) !== (y !== 0),
  };

  it('lists the comparisons gradd expects', () => {
    expect([...addon.compareOps]).toEqual(Object.keys(CMP));
  });

  it('convert: bool, int32, float32 and float64 into float64 and float32 (rounding to nearest), at the thread threshold', () => {
    const n = addon.parallelMin + 3, x = mixed(n);
    const sources = [Uint8Array.from(x, (v) => (v > 0 ? 1 : 0)), Int32Array.from(x, (v, i) => (Number.isFinite(v) ? v * 4 : 0) + i * 40000), Float32Array.from(x), x];
    for (const src of sources) {
      const [many, one] = bothWays(() => { const out = new Float64Array(n); addon.convert(src, out); return out; });
      expectSame(many, one, src.constructor.name);
      expectSame(many, Float64Array.from(src), `${src.constructor.name} to float64`);
      const f = new Float32Array(n);
      addon.convert(src, f);
      expectSame(f, Float32Array.from(src), `${src.constructor.name} to float32`);
    }
    const third = Float64Array.of(1 / 3, 1e300, -1e-50, 16777217), f = new Float32Array(4);
    addon.convert(third, f);
    expectSame(f, [Math.fround(1 / 3), Infinity, -0, 16777216]);
  });

  it('compare: every op on NaN, ±0 and ±Infinity, contiguous, broadcast and scalar operands, float32 and bytes, across the thread threshold', () => {
    for (const [rows, cols] of [[1, 300], [3, 7], [2, addon.parallelMin / 2 + 1]]) {
      const a = mixed(rows * cols), row = mixed(cols), col = mixed(rows), one = Float64Array.of(0.25);
      const layouts = [
        { what: 'same shape', b: mixed(rows * cols), s: [cols, 1, cols, 1] }, { what: 'row broadcast', b: row, s: [cols, 1, 0, 1] },
        { what: 'column broadcast', b: col, s: [cols, 1, 1, 0] }, { what: 'scalar', b: one, s: [cols, 1, 0, 0] },
      ];
      for (const { what, b, s } of layouts)
        for (const [name, f] of Object.entries(CMP)) {
          const want = Uint8Array.from({ length: rows * cols }, (_, k) => +f(a[Math.floor(k / cols) * s[0] + (k % cols) * s[1]], b[Math.floor(k / cols) * s[2] + (k % cols) * s[3]]));
          const [many, single] = bothWays(() => { const out = new Uint8Array(rows * cols); addon.compare(code(addon.compareOps, name), out, rows, cols, a, s[0], s[1], b, s[2], s[3]); return out; });
          expectSame(many, single, `${what} ${name}`);
          expectSame(many, want, `${what} ${name} ${rows}x${cols}`);
          const out32 = new Uint8Array(rows * cols);
          addon.compare(code(addon.compareOps, name), out32, rows, cols, Float32Array.from(a), s[0], s[1], Float32Array.from(b), s[2], s[3]);
          expectSame(out32, want, `${what} ${name} float32`);
          const [a8, b8] = [a, b].map((v) => Uint8Array.from(v, (e) => (e > 0 ? 1 : e < 0 ? 2 : 0))), out8 = new Uint8Array(rows * cols);
          addon.compare(code(addon.compareOps, name), out8, rows, cols, a8, s[0], s[1], b8, s[2], s[3]);
          expectSame(out8, Uint8Array.from({ length: rows * cols }, (_, k) => +f(a8[Math.floor(k / cols) * s[0] + (k % cols) * s[1]], b8[Math.floor(k / cols) * s[2] + (k % cols) * s[3]])), `${what} ${name} bytes`);
        }
    }
  });

  it('test: isnan, isinf and isfinite on every special value, float64 and float32, across the thread threshold', () => {
    const n = addon.parallelMin + 9, x = mixed(n);
    const refs = { isnan: Number.isNaN, isinf: (v: number) => v === Infinity || v === -Infinity, isfinite: Number.isFinite };
    expect([...addon.testOps]).toEqual(Object.keys(refs));
    for (const [name, f] of Object.entries(refs)) {
      const want = Uint8Array.from(x, (v) => +f(v));
      const [many, one] = bothWays(() => { const out = new Uint8Array(n); addon.test(code(addon.testOps, name), x, out); return out; });
      expectSame(many, one, name);
      expectSame(many, want, name);
      const out32 = new Uint8Array(n);
      addon.test(code(addon.testOps, name), Float32Array.from(x), out32);
      expectSame(out32, want, `${name} float32`);
    }
    throwsCode(() => addon.test(0, x, new Uint8Array(n - 1)), 'NATIVE_BAD_LENGTH', /out must have length/);
    throwsCode(() => addon.test(3, x, new Uint8Array(n)), 'NATIVE_BAD_LENGTH', /code/);
  });

  it('select: c ? x : y for each operand contiguous or a scalar, broadcast rows, float32', () => {
    const rows = 4, cols = 90, n = rows * cols, x = fill(n), y = fill(n), c = Uint8Array.from({ length: n }, () => (r() < 0.5 ? 0 : 2));
    const pick = (arr: ArrayLike<number>, k: number, s: number[]) => arr[Math.floor(k / cols) * s[0] + (k % cols) * s[1]];
    const forms = { full: [cols, 1], scalar: [0, 0], row: [0, 1] };
    for (const [cw, cs] of Object.entries(forms))
      for (const [xw, xs] of Object.entries(forms))
        for (const [yw, ys] of Object.entries(forms)) {
          const out = new Float64Array(n);
          addon.select(out, rows, cols, c, cs[0], cs[1], x, xs[0], xs[1], y, ys[0], ys[1]);
          expectSame(out, Float64Array.from({ length: n }, (_, k) => (pick(c, k, cs) ? pick(x, k, xs) : pick(y, k, ys))), `c ${cw}, x ${xw}, y ${yw}`);
        }
    const out32 = new Float32Array(n);
    addon.select(out32, 1, n, c, 0, 1, Float32Array.from(x), 0, 1, Float32Array.of(-0), 0, 0);
    expectSame(out32, Float32Array.from(x, (v, k) => (c[k] ? v : -0)));
  });

  it('extremumVjp: g where x is the result, half at ties, 0 elsewhere (NaN included), scalar g and y, float32', () => {
    const n = addon.parallelMin + 5, x = mixed(n), y = mixed(n), ans = x.map((v, i) => (v >= y[i] || Number.isNaN(v) ? v : y[i])), g = fill(n);
    const want = (gv: (i: number) => number, yv: (i: number) => number, an: ArrayLike<number>) =>
      Float64Array.from({ length: n }, (_, i) => gv(i) * (x[i] === an[i] ? (x[i] === yv(i) ? 0.5 : 1) : 0));
    const [many, one] = bothWays(() => { const out = new Float64Array(n); addon.extremumVjp(g, x, y, ans, out); return out; });
    expectSame(many, one);
    expectSame(many, want((i) => g[i], (i) => y[i], ans));
    const ans0 = x.map((v) => (v >= 0 || Number.isNaN(v) ? v : 0)), out = new Float64Array(n);
    addon.extremumVjp(Float64Array.of(2), x, Float64Array.of(0), ans0, out);
    expectSame(out, want(() => 2, () => 0, ans0));
    const out32 = new Float32Array(n);
    addon.extremumVjp(Float32Array.from(g), Float32Array.from(x), Float32Array.from(y), Float32Array.from(ans), out32);
    expectSame(out32, Float32Array.from(want((i) => Math.fround(g[i]), (i) => y[i], ans)));
  });

  it('copy: a view with signed strides (reversed rows, columns or both), float32, across the thread threshold', () => {
    const rows = 3, cols = addon.parallelMin / 2, x = fill(rows * cols + 5);
    for (const [off, rs, cs] of [[rows * cols - 1, -cols, -1], [cols - 1, cols, -1], [(rows - 1) * cols + 2, -cols, 1], [4, 0, 1]]) {
      const want = Float64Array.from({ length: rows * cols }, (_, k) => x[off + Math.floor(k / cols) * rs + (k % cols) * cs]);
      const [many, one] = bothWays(() => { const out = new Float64Array(rows * cols); addon.copy(x, off, rows, cols, rs, cs, out); return out; });
      expectSame(many, one, `${off} ${rs} ${cs}`);
      expectSame(many, want, `${off} ${rs} ${cs}`);
      const out32 = new Float32Array(rows * cols);
      addon.copy(Float32Array.from(x), off, rows, cols, rs, cs, out32);
      expectSame(out32, Float32Array.from(want), `float32 ${off} ${rs} ${cs}`);
    }
    const y = new Float64Array(12), o = new Float64Array(6);
    throwsCode(() => addon.copy(y, 11, 2, 3, -3, 1, o), 'NATIVE_BAD_LENGTH', /the view reads x from 8 to 13, outside its length 12/);
    throwsCode(() => addon.copy(y, 1, 2, 3, -3, -1, o), 'NATIVE_BAD_LENGTH', /from -4 to 1/);
    throwsCode(() => addon.copy(y, 0, 2, 3, 1.5, 1, o), 'NATIVE_BAD_LENGTH', /rowStride must be an integer/);
    throwsCode(() => addon.copy(y, 0, 2, 3, 3, 1, new Float64Array(5)), 'NATIVE_BAD_LENGTH', /out must have length 6/);
  });

  it('reject wrong types, lengths and strides before touching memory', () => {
    const a = new Float64Array(6), out = new Uint8Array(6);
    throwsCode(() => addon.convert(new Int16Array(6) as never, a), 'NATIVE_BAD_ARGUMENT', /convert: argument 1 \(x\) must be a Float64Array, Float32Array, Int32Array or Uint8Array/);
    throwsCode(() => addon.convert(a, new Int32Array(6) as never), 'NATIVE_BAD_ARGUMENT', /argument 2 \(out\) must be a Float64Array or Float32Array/);
    throwsCode(() => addon.convert(a, new Float64Array(5)), 'NATIVE_BAD_LENGTH', /out must have length 6/);
    throwsCode(() => addon.compare(0, out, 2, 3, a, 3, 1, new Float64Array(2), 0, 1), 'NATIVE_BAD_LENGTH', /b is too short: element \(rows-1, cols-1\) is at 2, length 2/);
    throwsCode(() => addon.compare(0, out, 2, 3, a, 3, 2, a, 3, 1), 'NATIVE_BAD_LENGTH', /aColStride/);
    throwsCode(() => addon.compare(0, out, 2, 3, a, 3, 1, new Float32Array(6) as never, 3, 1), 'NATIVE_BAD_ARGUMENT', /\(b\) must be a Float64Array, got Float32Array/);
    throwsCode(() => addon.compare(9, out, 2, 3, a, 3, 1, a, 3, 1), 'NATIVE_BAD_LENGTH', /code/);
    throwsCode(() => addon.compare(0, new Float64Array(6) as never, 2, 3, a, 3, 1, a, 3, 1), 'NATIVE_BAD_ARGUMENT', /\(out\) must be a Uint8Array/);
    throwsCode(() => addon.select(a, 2, 3, new Uint8Array(5), 3, 1, a, 3, 1, a, 3, 1), 'NATIVE_BAD_LENGTH', /c is too short/);
    throwsCode(() => addon.select(a, 2, 3, new Float64Array(6) as never, 3, 1, a, 3, 1, a, 3, 1), 'NATIVE_BAD_ARGUMENT', /\(c\) must be a Uint8Array/);
    throwsCode(() => addon.extremumVjp(a, a, new Float64Array(2), a, a), 'NATIVE_BAD_LENGTH', /y must have length 1 \(a scalar\) or out.length = 6, got 2/);
    throwsCode(() => addon.extremumVjp(a, new Float64Array(5), a, a, a), 'NATIVE_BAD_LENGTH', /x must have length 6/);
  });
});
