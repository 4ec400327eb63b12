// The C++ addon (native/): elementwise kernels on every ISA level the CPU has, gemm, LAPACK by
// reconstruction, argument validation, and the loader. Addon tests are skipped when it is not built.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BINARY_OPS, nativeAvailable, loadNative, openblasCoretype, UNARY_OPS, type NativeAddon } from '../native/index.js';

const built = nativeAvailable();
const addon = (built ? loadNative() : undefined) as NativeAddon;
const INDEX_URL = new URL('../native/index.ts', import.meta.url).href;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
// The OpenBLAS core type the loader derives from this CPU (undefined off Linux or on old CPUs).
const CORETYPE = (() => {
  try {
    return openblasCoretype(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return undefined;
  }
})();

// Deterministic uniform numbers in [lo, hi).
function rng(seed: number) {
  return (lo = 0, hi = 1) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return lo + ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * (hi - lo));
  };
}

const random = rng(42);
const fill = (n: number, lo = -1, hi = 1) => Float64Array.from({ length: n }, () => random(lo, hi));

function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs = 0, what = '') {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w)) expect.fail(`${what}[${i}]: got ${g}, want ${w}`);
    } else if (!(Math.abs(g - w) <= rel * Math.abs(w) + abs)) {
      expect.fail(`${what}[${i}]: got ${g}, want ${w} (diff ${Math.abs(g - w)})`);
    }
  }
}

// Code of an op, via the addon's own list.
const unaryCode = (name: string) => addon.unaryOps.indexOf(name as never);
const binaryCode = (name: string) => addon.binaryOps.indexOf(name as never);

// Runs body once per ISA level this CPU has, restoring the best afterwards.
function forEachIsa(body: (isa: string) => void) {
  try {
    for (const isa of addon.supportedIsas) {
      addon.setIsa(isa);
      body(isa);
    }
  } finally {
    addon.setIsa(addon.supportedIsas[0]);
  }
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
// Reference and input domain per op; f32 domains keep results normal floats.
const UNARY: Record<string, { f: (x: number) => number; lo: number; hi: number; lo32?: number; hi32?: number }> = {
  exp: { f: Math.exp, lo: -700, hi: 700, lo32: -80, hi32: 80 },
  log: { f: Math.log, lo: 1e-300, hi: 1e300, lo32: 1e-30, hi32: 1e30 },
  sin: { f: Math.sin, lo: -100, hi: 100 },
  cos: { f: Math.cos, lo: -100, hi: 100 },
  tan: { f: Math.tan, lo: -10, hi: 10 },
  tanh: { f: Math.tanh, lo: -20, hi: 20 },
  sinh: { f: Math.sinh, lo: -700, hi: 700, lo32: -80, hi32: 80 },
  cosh: { f: Math.cosh, lo: -700, hi: 700, lo32: -80, hi32: 80 },
  arcsin: { f: Math.asin, lo: -1, hi: 1 },
  arccos: { f: Math.acos, lo: -1, hi: 1 },
  arctan: { f: Math.atan, lo: -1e3, hi: 1e3 },
  sqrt: { f: Math.sqrt, lo: 0, hi: 1e10 },
  expm1: { f: Math.expm1, lo: -50, hi: 50 },
  log1p: { f: Math.log1p, lo: -0.999, hi: 1e6 },
  negative: { f: (x) => -x, lo: -1e6, hi: 1e6 },
  abs: { f: Math.abs, lo: -1e6, hi: 1e6 },
  square: { f: (x) => x * x, lo: -1e6, hi: 1e6 },
  reciprocal: { f: (x) => 1 / x, lo: -1e6, hi: 1e6 },
  sigmoid: { f: sigmoid, lo: -40, hi: 40 },
  sign: { f: Math.sign, lo: -1e6, hi: 1e6 },
  floor: { f: Math.floor, lo: -1e6, hi: 1e6 },
  ceil: { f: Math.ceil, lo: -1e6, hi: 1e6 },
  trunc: { f: Math.trunc, lo: -1e6, hi: 1e6 },
  log2: { f: Math.log2, lo: 1e-300, hi: 1e300, lo32: 1e-30, hi32: 1e30 },
  log10: { f: Math.log10, lo: 1e-300, hi: 1e300, lo32: 1e-30, hi32: 1e30 },
  exp2: { f: (x) => 2 ** x, lo: -1000, hi: 1000, lo32: -120, hi32: 120 },
};
const LENGTHS = [1, 7, 1000, 100003];

describe.skipIf(!built)('native elementwise', () => {
  it('lists the ops gradd expects, with its ISA levels best first', () => {
    expect([...addon.unaryOps]).toEqual([...UNARY_OPS]);
    expect([...addon.binaryOps]).toEqual([...BINARY_OPS]);
    expect(addon.supportedIsas.at(-1)).toBe('sse2');
    expect(addon.getIsa()).toBe(addon.supportedIsas[0]);
  });

  it('unary float64 ops match Math.* within 1e-15 (relative) on every ISA and length', () => {
    forEachIsa((isa) => {
      for (const [name, { f, lo, hi }] of Object.entries(UNARY)) {
        for (const n of LENGTHS) {
          const x = fill(n, lo, hi);
          if (n > 3) x.set([0, lo === 0 ? 1e-300 : -0, name === 'log' ? 1 : 1e-10]); // edge values
          const out = new Float64Array(n);
          addon.unary(unaryCode(name), x, out);
          expectClose(out, x.map(f), 1e-15, 1e-300, `${isa} ${name} f64 n=${n}`);
        }
      }
    });
  });

  it('unary float32 ops match Math.* within 1e-6 (relative) on every ISA and length', () => {
    forEachIsa((isa) => {
      for (const [name, { f, lo, hi, lo32 = lo, hi32 = hi }] of Object.entries(UNARY)) {
        for (const n of LENGTHS) {
          const x = Float32Array.from(fill(n, lo32, hi32));
          const out = new Float32Array(n);
          addon.unary(unaryCode(name), x, out);
          expectClose(out, x.map((v) => Math.fround(f(v))), 1e-6, 1e-38, `${isa} ${name} f32 n=${n}`);
        }
      }
    });
  });

  it('unary handles IEEE special values and works in place', () => {
    const x = new Float64Array([Infinity, -Infinity, NaN, 0, -1]);
    const out = new Float64Array(5);
    addon.unary(unaryCode('exp'), x, out);
    expect([...out]).toEqual([Infinity, 0, NaN, 1, Math.exp(-1)]);
    addon.unary(unaryCode('log'), x, out);
    expect([...out]).toEqual([Infinity, NaN, NaN, -Infinity, NaN]);
    addon.unary(unaryCode('sigmoid'), x, out);
    expect([...out].slice(0, 4)).toEqual([1, 0, NaN, 0.5]);
    const edges = Float64Array.of(-0, 0, NaN, Infinity, -Infinity, -0.5, 0.5, 2.5, -2.5, 1e300, 4503599627370497), e = new Float64Array(edges.length);
    for (const [name, f] of [['sign', Math.sign], ['floor', Math.floor], ['ceil', Math.ceil], ['trunc', Math.trunc]] as const) {
      addon.unary(unaryCode(name), edges, e);
      edges.forEach((v, i) => expect(Object.is(e[i], f(v)), `${name}(${v}) = ${e[i]}`).toBe(true));
    }
    const y = fill(1001);
    const want = y.map(Math.tanh);
    addon.unary(unaryCode('tanh'), y, y);
    expectClose(y, want, 1e-15, 0, 'in place');
  });

  it('binary ops match JS, with scalar broadcasting, for float64 and float32 on every ISA', () => {
    const ties = Float64Array.of(Infinity, -Infinity, 3, Infinity, NaN), other = Float64Array.of(Infinity, -Infinity, 3, -Infinity, 1), lae = new Float64Array(5);
    addon.binary(binaryCode('logaddexp'), ties, other, lae);
    expect([...lae]).toEqual([Infinity, -Infinity, 3 + Math.LN2, Infinity, NaN]);
    const ref: Record<string, (a: number, b: number) => number> = {
      add: (a, b) => a + b,
      subtract: (a, b) => a - b,
      multiply: (a, b) => a * b,
      divide: (a, b) => a / b,
      power: Math.pow,
      maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
      minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
      logaddexp: (a, b) => (a === b ? a + Math.LN2 : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)))),
      logaddexp2: (a, b) => (a === b ? a + 1 : Math.max(a, b) + Math.log1p(2 ** -Math.abs(a - b)) / Math.LN2),
    };
    forEachIsa((isa) => {
      for (const [name, f] of Object.entries(ref)) {
        const positive = name === 'power', transcendental = positive || name.startsWith('logaddexp');
        for (const n of LENGTHS) {
          for (const [la, lb] of [[n, n], [1, n], [n, 1], [1, 1]]) {
            const a = fill(la, positive ? 0.1 : -10, 10), b = fill(lb, positive ? -3 : -10, positive ? 3 : 10);
            if (la > 2 && !positive) a[1] = NaN;
            const at = (v: ArrayLike<number>, i: number) => v[v.length === 1 ? 0 : i];
            const len = Math.max(la, lb);
            const out = new Float64Array(len);
            addon.binary(binaryCode(name), a, b, out);
            const want = Float64Array.from({ length: len }, (_, i) => f(at(a, i), at(b, i)));
            // logaddexp of operands up to 10 whose terms nearly cancel: the rounding of max(a, b) bounds the error.
            expectClose(out, want, transcendental ? 1e-15 : 0, name.startsWith('logaddexp') ? 1e-14 : 0, `${isa} ${name} f64 ${la}x${lb}`);

            const a32 = Float32Array.from(a), b32 = Float32Array.from(b), out32 = new Float32Array(len);
            addon.binary(binaryCode(name), a32, b32, out32);
            const want32 = want.map((_, i) => Math.fround(f(at(a32, i), at(b32, i))));
            expectClose(out32, want32, transcendental ? 1e-6 : 0, name.startsWith('logaddexp') ? 1e-5 : 0, `${isa} ${name} f32 ${la}x${lb}`);
          }
        }
      }
    });
  });

  it('binary writes in place over an operand', () => {
    const a = fill(100), b = fill(100);
    const want = a.map((v, i) => v * b[i]);
    addon.binary(binaryCode('multiply'), a, b, a);
    expect(a).toEqual(want);
  });

  it('streams results from 4 MB to memory with the same values, on outputs at any alignment, on every ISA', () => {
    // Memory-bound results from 4 MB skip the cache; the lanes before the first vector boundary of an unaligned
    // output take another path. Just below and above the size, each result is compared with exact JS arithmetic.
    const check = (got: ArrayLike<number>, want: (i: number) => number, what: string) => {
      for (let i = 0; i < got.length; i++) if (!Object.is(got[i], want(i))) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want(i)}`);
    };
    const a64 = fill(2 ** 20 + 13), b64 = fill(2 ** 20 + 13);
    forEachIsa((isa) => {
      for (const [Type, round, stream] of [[Float64Array, (v: number) => v, 2 ** 19], [Float32Array, Math.fround, 2 ** 20]] as const) {
        for (const n of [stream - 1, stream, stream + 13]) {
          const a = Type.from(a64.subarray(0, n)), b = Type.from(b64.subarray(0, n)), rows = 8, cols = n >> 3;
          for (const shift of [0, 1, 3]) {
            const what = `${isa} ${Type.name} n=${n} shift=${shift}`, out = () => new Type(n + shift).subarray(shift);
            const mul = out(), scaled = out(), sq = out(), vjp = out(), rowAdd = out().subarray(0, rows * cols);
            addon.binary(binaryCode('multiply'), a, b, mul);
            addon.binary(binaryCode('multiply'), a, Type.of(0.75), scaled);
            addon.unary(unaryCode('square'), a, sq);
            addon.unaryVjp(addon.vjpOps.indexOf('exp'), b, a, a, vjp); // g·ans
            addon.binaryBroadcast(binaryCode('add'), a, b, rowAdd, rows, cols, cols, 1, 0, 1);
            check(mul, (i) => round(a[i] * b[i]), `multiply ${what}`);
            check(scaled, (i) => round(a[i] * 0.75), `multiply by a scalar ${what}`);
            check(sq, (i) => round(a[i] * a[i]), `square ${what}`);
            check(vjp, (i) => mul[i], `exp's VJP ${what}`);
            check(rowAdd, (i) => round(a[i] + b[i % cols]), `row-broadcast add ${what}`);
          }
        }
      }
    });
  });
});

// Naive row-major reference: C = alpha op(A) op(B) + beta C on the strided layout, complex when w = 2.
function gemmRef(
  tA: boolean, tB: boolean, m: number, n: number, k: number, alpha: number,
  A: ArrayLike<number>, offA: number, lda: number, B: ArrayLike<number>, offB: number, ldb: number,
  beta: number, C: ArrayLike<number>, offC: number, ldc: number, w: 1 | 2,
): number[] {
  const out = Array.from(C);
  const a = (i: number, p: number) => (tA ? offA + p * lda + i : offA + i * lda + p) * w;
  const b = (p: number, j: number) => (tB ? offB + j * ldb + p : offB + p * ldb + j) * w;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let re = 0, im = 0;
      for (let p = 0; p < k; p++) {
        const ai = a(i, p), bi = b(p, j);
        if (w === 1) re += A[ai] * B[bi];
        else {
          re += A[ai] * B[bi] - A[ai + 1] * B[bi + 1];
          im += A[ai] * B[bi + 1] + A[ai + 1] * B[bi];
        }
      }
      const c = (offC + i * ldc + j) * w;
      out[c] = alpha * re + beta * C[c];
      if (w === 2) out[c + 1] = alpha * im + beta * C[c + 1];
    }
  }
  return out;
}

describe.skipIf(!built)('native gemm', () => {
  const cases: Array<{ type: 'f64' | 'f32'; complex: boolean }> = [
    { type: 'f64', complex: false },
    { type: 'f32', complex: false },
    { type: 'f64', complex: true },
    { type: 'f32', complex: true },
  ];
  for (const { type, complex } of cases) {
    it(`matches a naive triple loop: ${type}${complex ? ' complex' : ''}, transposes, offsets, padded leading dims`, () => {
      const w = complex ? 2 : 1;
      const make = (len: number) => (type === 'f64' ? fill(len * w) : Float32Array.from(fill(len * w)));
      for (const [m, n, k] of [[1, 1, 1], [3, 5, 4], [17, 9, 33], [64, 48, 80]]) {
        for (const tA of [false, true]) {
          for (const tB of [false, true]) {
            const [rA, cA] = tA ? [k, m] : [m, k], [rB, cB] = tB ? [n, k] : [k, n];
            const lda = cA + 2, ldb = cB + 1, ldc = n + 3, offA = 5, offB = 3, offC = 7;
            const A = make(offA + rA * lda), B = make(offB + rB * ldb), C = make(offC + m * ldc + 2);
            const want = gemmRef(tA, tB, m, n, k, 0.75, A, offA, lda, B, offB, ldb, -0.5, C, offC, ldc, w);
            addon.gemm(tA, tB, m, n, k, 0.75, A, offA, lda, B, offB, ldb, -0.5, C, offC, ldc, complex);
            expectClose(C, want, type === 'f64' ? 1e-12 : 1e-4, type === 'f64' ? 1e-12 : 1e-4, `${m}x${n}x${k} ${tA} ${tB}`);
          }
        }
      }
    });
  }

  it('handles empty dimensions: m = 0 leaves C alone, k = 0 scales C by beta', () => {
    const C = new Float64Array([1, 2, 3, 4]);
    addon.gemm(false, false, 0, 2, 2, 1, new Float64Array(0), 0, 2, new Float64Array(4), 0, 2, 0, C, 0, 2);
    expect([...C]).toEqual([1, 2, 3, 4]);
    addon.gemm(false, false, 2, 2, 0, 1, new Float64Array(0), 0, 1, new Float64Array(0), 0, 2, 2, C, 0, 2);
    expect([...C]).toEqual([2, 4, 6, 8]);
  });

  it('exposes OpenBLAS threads and config', () => {
    const before = addon.getThreads();
    addon.setThreads(1);
    expect(addon.getThreads()).toBe(1);
    addon.setThreads(before);
    const { config, corename } = addon.blasConfig();
    expect(config).toMatch(/OpenBLAS/);
    expect(corename.length).toBeGreaterThan(0);
  });

});

// ---- small dense helpers for reconstruction checks (row-major; complex = interleaved) ----
type Mat = { re: Float64Array; im: Float64Array; rows: number; cols: number };
const mat = (rows: number, cols: number): Mat => ({ re: new Float64Array(rows * cols), im: new Float64Array(rows * cols), rows, cols });
function fromArray(a: ArrayLike<number>, rows: number, cols: number, complex: boolean): Mat {
  const M = mat(rows, cols);
  for (let i = 0; i < rows * cols; i++) {
    M.re[i] = complex ? a[2 * i] : a[i];
    M.im[i] = complex ? a[2 * i + 1] : 0;
  }
  return M;
}
function toArray(M: Mat, complex: boolean): Float64Array {
  if (!complex) return M.re.slice();
  const out = new Float64Array(2 * M.re.length);
  M.re.forEach((v, i) => ((out[2 * i] = v), (out[2 * i + 1] = M.im[i])));
  return out;
}
function mul(A: Mat, B: Mat): Mat {
  const C = mat(A.rows, B.cols);
  for (let i = 0; i < A.rows; i++)
    for (let p = 0; p < A.cols; p++)
      for (let j = 0; j < B.cols; j++) {
        const a = i * A.cols + p, b = p * B.cols + j, c = i * C.cols + j;
        C.re[c] += A.re[a] * B.re[b] - A.im[a] * B.im[b];
        C.im[c] += A.re[a] * B.im[b] + A.im[a] * B.re[b];
      }
  return C;
}
function adjoint(A: Mat): Mat {
  const T = mat(A.cols, A.rows);
  for (let i = 0; i < A.rows; i++)
    for (let j = 0; j < A.cols; j++) {
      T.re[j * A.rows + i] = A.re[i * A.cols + j];
      T.im[j * A.rows + i] = -A.im[i * A.cols + j];
    }
  return T;
}
function diag(d: ArrayLike<number>): Mat {
  const D = mat(d.length, d.length);
  for (let i = 0; i < d.length; i++) D.re[i * d.length + i] = d[i];
  return D;
}
const eye = (n: number) => diag(new Float64Array(n).fill(1));
function expectMatClose(A: Mat, B: Mat, tol: number, what: string) {
  expectClose(A.re, B.re, 0, tol, `${what} (re)`);
  expectClose(A.im, B.im, 0, tol, `${what} (im)`);
}
// Random n x n with a dominant diagonal (well conditioned), Hermitian positive definite variant, and m x n.
function randomMat(rows: number, cols: number, complex: boolean): Mat {
  return fromArray(fill(rows * cols * (complex ? 2 : 1)), rows, cols, complex);
}
function wellConditioned(n: number, complex: boolean): Mat {
  const A = randomMat(n, n, complex);
  for (let i = 0; i < n; i++) A.re[i * n + i] += n;
  return A;
}
function hermitianPd(n: number, complex: boolean): Mat {
  const M = randomMat(n, n, complex);
  const A = mul(M, adjoint(M));
  for (let i = 0; i < n; i++) A.re[i * n + i] += n;
  return A;
}

describe.skipIf(!built)('native LAPACK (reconstruction)', () => {
  for (const complex of [false, true]) {
    const w = complex ? 2 : 1;
    const label = complex ? 'complex128' : 'float64';

    it(`solve: A X = B (${label})`, () => {
      const n = 6, nrhs = 3;
      const A = wellConditioned(n, complex), B = randomMat(n, nrhs, complex);
      const a = toArray(A, complex), b = toArray(B, complex), x = new Float64Array(n * nrhs * w);
      expect(addon.solve(a, b, n, nrhs, x, complex)).toBe(0);
      expectMatClose(mul(A, fromArray(x, n, nrhs, complex)), B, 1e-12, 'A X');
      expect(a).toEqual(toArray(A, complex)); // inputs untouched
    });

    it(`inv: A inv(A) = I, and a singular A reports info > 0 (${label})`, () => {
      const n = 7;
      const A = wellConditioned(n, complex);
      const out = new Float64Array(n * n * w);
      expect(addon.inv(toArray(A, complex), n, out, complex)).toBe(0);
      expectMatClose(mul(A, fromArray(out, n, n, complex)), eye(n), 1e-12, 'A inv(A)');
      const singular = new Float64Array(4 * w).fill(1);
      expect(addon.inv(singular, 2, new Float64Array(4 * w), complex)).toBeGreaterThan(0);
    });

    it(`lu: P A = L U from the pivots (${label})`, () => {
      const n = 5;
      const A = randomMat(n, n, complex);
      const lu = new Float64Array(n * n * w), piv = new Int32Array(n);
      expect(addon.lu(toArray(A, complex), n, lu, piv, complex)).toBe(0);
      const F = fromArray(lu, n, n, complex), L = mat(n, n), U = mat(n, n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const T = j < i ? L : U, at = i * n + j;
          T.re[at] = F.re[at];
          T.im[at] = F.im[at];
        }
      for (let i = 0; i < n; i++) L.re[i * n + i] = 1;
      const PA = fromArray(toArray(A, complex), n, n, complex);
      piv.forEach((p, i) => {
        for (const part of [PA.re, PA.im]) {
          const row = part.slice(i * n, i * n + n);
          part.copyWithin(i * n, (p - 1) * n, p * n);
          part.set(row, (p - 1) * n);
        }
      });
      expectMatClose(mul(L, U), PA, 1e-12, 'L U');
    });

    it(`cholesky: L L^H = A, upper zeroed, not-PD reports info > 0 (${label})`, () => {
      const n = 6;
      const A = hermitianPd(n, complex);
      const out = new Float64Array(n * n * w).fill(9);
      expect(addon.cholesky(toArray(A, complex), n, out, complex)).toBe(0);
      const L = fromArray(out, n, n, complex);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) expect(L.re[i * n + j] + L.im[i * n + j]).toBe(0);
      expectMatClose(mul(L, adjoint(L)), A, 1e-12, 'L L^H');
      const notPd = toArray(diag([1, -1]), complex);
      expect(addon.cholesky(notPd, 2, new Float64Array(4 * w), complex)).toBeGreaterThan(0);
    });

    it(`eigh: V diag(w) V^H = A, eigenvalues ascending (${label})`, () => {
      const n = 8;
      const A = hermitianPd(n, complex);
      const W = new Float64Array(n), V = new Float64Array(n * n * w);
      expect(addon.eigh(toArray(A, complex), n, W, V, complex)).toBe(0);
      const Vm = fromArray(V, n, n, complex);
      expectMatClose(mul(mul(Vm, diag(W)), adjoint(Vm)), A, 1e-12, 'V W V^H');
      for (let i = 1; i < n; i++) expect(W[i]).toBeGreaterThanOrEqual(W[i - 1]);
    });

    for (const [m, n] of [[7, 4], [3, 6]]) {
      it(`svd: U diag(S) Vt = A for ${m}x${n} (${label})`, () => {
        const k = Math.min(m, n);
        const A = randomMat(m, n, complex);
        const U = new Float64Array(m * k * w), S = new Float64Array(k), Vt = new Float64Array(k * n * w);
        expect(addon.svd(toArray(A, complex), m, n, U, S, Vt, complex)).toBe(0);
        const US = mul(fromArray(U, m, k, complex), diag(S));
        expectMatClose(mul(US, fromArray(Vt, k, n, complex)), A, 1e-12, 'U S Vt');
        for (let i = 1; i < k; i++) expect(S[i]).toBeLessThanOrEqual(S[i - 1]);
      });
    }

    it(`eig: A v = lambda v for every eigenpair (${label})`, () => {
      const n = 6;
      const A = randomMat(n, n, complex);
      const wr = new Float64Array(n), wi = new Float64Array(n), vr = new Float64Array(n * n * w);
      expect(addon.eig(toArray(A, complex), n, wr, wi, vr, complex)).toBe(0);
      const V = mat(n, n); // unpack LAPACK's real packing into complex columns
      for (let j = 0; j < n; j++)
        for (let i = 0; i < n; i++) {
          const at = i * n + j;
          if (complex) [V.re[at], V.im[at]] = [vr[2 * at], vr[2 * at + 1]];
          else if (wi[j] === 0) V.re[at] = vr[at];
          else {
            const first = wi[j] > 0 ? j : j - 1, sign = wi[j] > 0 ? 1 : -1;
            [V.re[at], V.im[at]] = [vr[i * n + first], sign * vr[i * n + first + 1]];
          }
        }
      const lambda = mat(n, n);
      for (let i = 0; i < n; i++) [lambda.re[i * n + i], lambda.im[i * n + i]] = [wr[i], wi[i]];
      expectMatClose(mul(A, V), mul(V, lambda), 1e-12, 'A V = V Lambda');
      if (!complex) expect(wi.some((v) => v !== 0)).toBe(true); // the packing was exercised
    });
  }

  it('works in float32 and with an out array that is the input', () => {
    const n = 5;
    const A = wellConditioned(n, false);
    const a32 = Float32Array.from(A.re), x = new Float32Array(n), b = Float32Array.from(fill(n));
    expect(addon.solve(a32, b, n, 1, x)).toBe(0);
    const ax = mul(A, fromArray(x, n, 1, false));
    expectClose(ax.re, b, 0, 1e-5, 'A x (f32)');
    const a = toArray(A, false);
    expect(addon.inv(a, n, a)).toBe(0);
    expectMatClose(mul(A, fromArray(a, n, n, false)), eye(n), 1e-12, 'inv in place');
  });

  it('reports a NaN input through LAPACKE info < 0 instead of computing', () => {
    expect(addon.inv(new Float64Array([1, NaN, 3, 4]), 2, new Float64Array(4))).toBeLessThan(0);
  });

  it('accepts empty matrices', () => {
    const e = new Float64Array(0);
    expect(addon.solve(e, e, 0, 0, e)).toBe(0);
    expect(addon.svd(e, 0, 3, e, e, e)).toBe(0);
  });
});

describe.skipIf(!built)('native argument validation', () => {
  const f64 = (n: number) => new Float64Array(n);
  const detached = () => {
    const buffer = new ArrayBuffer(80);
    const view = new Float64Array(buffer);
    structuredClone(buffer, { transfer: [buffer] });
    return view;
  };
  const gemmArgs = (over: Record<number, unknown> = {}) => {
    const args: unknown[] = [false, false, 2, 3, 4, 1, f64(8), 0, 4, f64(12), 0, 3, 0, f64(6), 0, 3];
    for (const [i, v] of Object.entries(over)) args[Number(i)] = v;
    return args;
  };
  const call = (fn: keyof NativeAddon, ...args: unknown[]) => () => (addon[fn] as (...a: unknown[]) => unknown)(...args);
  const TYPE = [TypeError, 'NATIVE_BAD_ARGUMENT'] as const;
  const RANGE = [RangeError, 'NATIVE_BAD_LENGTH'] as const;

  const battery: Array<[string, () => unknown, readonly [ErrorConstructor, string]]> = [
    ['unary: missing args', call('unary', 0, f64(3)), TYPE],
    ['unary: too many args', call('unary', 0, f64(3), f64(3), f64(3)), TYPE],
    ['unary: x is a plain Array', call('unary', 0, [1, 2, 3], f64(3)), TYPE],
    ['unary: x is an Int32Array', call('unary', 0, new Int32Array(3), f64(3)), TYPE],
    ['unary: out has the other float type', call('unary', 0, f64(3), new Float32Array(3)), TYPE],
    ['unary: code is a string', call('unary', '0', f64(3), f64(3)), TYPE],
    ['unary: code NaN', call('unary', NaN, f64(3), f64(3)), RANGE],
    ['unary: code negative', call('unary', -1, f64(3), f64(3)), RANGE],
    ['unary: code fractional', call('unary', 1.5, f64(3), f64(3)), RANGE],
    ['unary: code past the op list', call('unary', 999, f64(3), f64(3)), RANGE],
    ['unary: out too short', call('unary', 0, f64(5), f64(4)), RANGE],
    ['unary: out too long', call('unary', 0, f64(5), f64(6)), RANGE],
    ['unary: detached x', call('unary', 0, detached(), f64(10)), RANGE],
    ['binary: lengths disagree', call('binary', 0, f64(3), f64(2), f64(3)), RANGE],
    ['binary: out shorter than operands', call('binary', 0, f64(3), f64(3), f64(2)), RANGE],
    ['binary: mixed types', call('binary', 0, f64(3), new Float32Array(3), f64(3)), TYPE],
    ['binary: code Infinity', call('binary', Infinity, f64(3), f64(3), f64(3)), RANGE],
    ['gemm: missing args', call('gemm', false, false, 2, 3), TYPE],
    ['gemm: transA not boolean', call('gemm', ...gemmArgs({ 0: 0 })), TYPE],
    ['gemm: alpha a string', call('gemm', ...gemmArgs({ 5: '1' })), TYPE],
    ['gemm: B of another type', call('gemm', ...gemmArgs({ 9: new Float32Array(12) })), TYPE],
    ['gemm: C not an array', call('gemm', ...gemmArgs({ 13: null })), TYPE],
    ['gemm: complex flag not boolean', call('gemm', ...gemmArgs(), 1), TYPE],
    ['gemm: A too short', call('gemm', ...gemmArgs({ 6: f64(7) })), RANGE],
    ['gemm: C too short', call('gemm', ...gemmArgs({ 13: f64(5) })), RANGE],
    ['gemm: lda < cols', call('gemm', ...gemmArgs({ 8: 3 })), RANGE],
    ['gemm: ldc < n', call('gemm', ...gemmArgs({ 15: 2 })), RANGE],
    ['gemm: ldb 0 with n 0', call('gemm', ...gemmArgs({ 3: 0, 11: 0, 15: 1 })), RANGE],
    ['gemm: offA past the end', call('gemm', ...gemmArgs({ 7: 1 })), RANGE],
    ['gemm: offC far past the end', call('gemm', ...gemmArgs({ 14: 2 ** 52 })), RANGE],
    ['gemm: offset beyond 2^53', call('gemm', ...gemmArgs({ 14: 2 ** 60 })), RANGE],
    ['gemm: m negative', call('gemm', ...gemmArgs({ 2: -1 })), RANGE],
    ['gemm: m NaN', call('gemm', ...gemmArgs({ 2: NaN })), RANGE],
    ['gemm: m 2^40', call('gemm', ...gemmArgs({ 2: 2 ** 40 })), RANGE],
    ['gemm: lda 2^31', call('gemm', ...gemmArgs({ 8: 2 ** 31 })), RANGE],
    ['gemm: m*n overflowing 32 bits', call('gemm', ...gemmArgs({ 2: 2 ** 31 - 1, 3: 2 ** 31 - 1, 15: 2 ** 31 - 1 })), RANGE],
    ['gemm: complex needs twice the entries', call('gemm', ...gemmArgs(), true), RANGE],
    ['solve: A one short', call('solve', f64(8), f64(3), 3, 1, f64(3)), RANGE],
    ['solve: outX wrong length', call('solve', f64(9), f64(3), 3, 1, f64(4)), RANGE],
    ['solve: complex with real-sized arrays', call('solve', f64(9), f64(3), 3, 1, f64(3), true), RANGE],
    ['inv: n huge', call('inv', f64(4), 2 ** 31, f64(4)), RANGE],
    ['inv: n*n beyond the array', call('inv', f64(4), 2 ** 31 - 1, f64(4)), RANGE],
    ['inv: missing out', call('inv', f64(4), 2), TYPE],
    ['lu: outPiv a Float64Array', call('lu', f64(4), 2, f64(4), f64(2)), TYPE],
    ['lu: outPiv too short', call('lu', f64(4), 2, f64(4), new Int32Array(1)), RANGE],
    ['cholesky: A a Float32Array, out Float64Array', call('cholesky', new Float32Array(4), 2, f64(4)), TYPE],
    ['eigh: outW wrong length', call('eigh', f64(4), 2, f64(3), f64(4)), RANGE],
    ['svd: outS wrong length', call('svd', f64(6), 2, 3, f64(4), f64(3), f64(6)), RANGE],
    ['svd: outVt wrong length', call('svd', f64(6), 2, 3, f64(4), f64(2), f64(4)), RANGE],
    ['eig: outWi missing', call('eig', f64(4), 2, f64(2)), TYPE],
    ['eig: n fractional', call('eig', f64(4), 1.5, f64(2), f64(2), f64(4)), RANGE],
    ['setThreads: 0', call('setThreads', 0), RANGE],
    ['setThreads: a string', call('setThreads', '2'), TYPE],
    ['setIsa: unknown', call('setIsa', 'avx9000'), RANGE],
    ['setIsa: not a string', call('setIsa', 5), TYPE],
    ['noopArray: Float32Array', call('noopArray', new Float32Array(1)), TYPE],
    ['getThreads: extra argument', call('getThreads', 1), TYPE],
  ];

  it.each(battery)('%s', (_, thunk, [ctor, code]) => {
    let error: unknown;
    try {
      thunk();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ctor);
    expect((error as { code?: string }).code).toBe(code);
    expect((error as Error).message).toMatch(/^\w+: /); // names the function
  });

  it('names the argument, what was given and what was expected', () => {
    expect(call('gemm', ...gemmArgs({ 6: f64(7) }))).toThrow(/^gemm: A is too short: needs 8 elements .* got length 7$/);
    expect(call('unary', 0, [1], f64(1))).toThrow('unary: argument 2 (x) must be a Float64Array or Float32Array, got Array');
    expect(call('gemm', ...gemmArgs({ 2: 2 ** 40 }))).toThrow('gemm: argument 3 (m) must be an integer in [0, 2147483647], got 1099511627776');
    expect(call('lu', f64(4), 2, f64(4), f64(2))).toThrow('lu: argument 4 (outPiv) must be a Int32Array, got Float64Array');
  });

  it('still computes after the battery (the process survived)', () => {
    const x = new Float64Array([0, 1]), out = new Float64Array(2);
    addon.unary(unaryCode('exp'), x, out);
    expect([...out]).toEqual([1, Math.E]);
    const C = f64(1);
    addon.gemm(false, false, 1, 1, 1, 1, new Float64Array([3]), 0, 1, new Float64Array([4]), 0, 1, 0, C, 0, 1);
    expect(C[0]).toBe(12);
  });
});

// Runs `code` (an ES module importing the loader as `native`) in a fresh node with tsx; returns its stdout JSON.
function child(code: string, env: Record<string, string | undefined>) {
  const source = `import * as native from ${JSON.stringify(INDEX_URL)};\n${code}`;
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  expect(result.status, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}
const TRY_LOAD = `try { native.loadNative(); console.log(JSON.stringify({ ok: true })); }
catch (e) { console.log(JSON.stringify({ name: e.name, code: e.code, message: e.message, available: native.nativeAvailable() })); }`;

describe('native loader', () => {
  it('explains how to build the addon when it is missing', () => {
    const out = child(TRY_LOAD, { GRADD_NATIVE_PATH: '/nonexistent/x.node' });
    expect(out).toMatchObject({ name: 'NativeLoadError', code: 'NATIVE_MISSING', available: false });
    expect(out.message).toContain('/nonexistent/x.node');
    expect(out.message).toContain('npm run build:native');
    expect(out.message).toContain('apt-get install -y libopenblas-dev liblapacke-dev libsleef-dev');
    expect(out.message).toContain('--ignore-scripts');
  });

  it('passes on the dlopen error when the file exists but cannot load', () => {
    const bad = join(mkdtempSync(join(tmpdir(), 'gradd-')), 'bad.node');
    writeFileSync(bad, 'not an ELF file');
    const out = child(TRY_LOAD, { GRADD_NATIVE_PATH: bad });
    expect(out).toMatchObject({ code: 'NATIVE_LOAD_FAILED', available: false });
    expect(out.message).toContain(bad);
    expect(out.message).toMatch(/invalid ELF header|file too short/);
  });

  it.skipIf(!built)('sets OpenBLAS threads from GRADD_THREADS', () => {
    const out = child('console.log(JSON.stringify(native.loadNative().getThreads()));', { GRADD_THREADS: '1' });
    expect(out).toBe(1);
  });

  it.skipIf(!built || !CORETYPE)('sets OPENBLAS_CORETYPE from /proc/cpuinfo before OpenBLAS loads', () => {
    const code = 'const a = native.loadNative(); console.log(JSON.stringify([process.env.OPENBLAS_CORETYPE, a.blasConfig().corename]));';
    const [env, corename] = child(code, { OPENBLAS_CORETYPE: undefined });
    expect(env).toBe(CORETYPE);
    expect(corename.toLowerCase()).toBe(CORETYPE!.toLowerCase());
  });

  it('maps /proc/cpuinfo flags to an OpenBLAS core type', () => {
    expect(openblasCoretype('flags\t\t: fpu avx2 avx512f avx512dq avx512bw avx512vl\n')).toBe('SkylakeX');
    expect(openblasCoretype('flags\t\t: fpu avx avx2 fma avx512f\n')).toBe('Haswell');
    expect(openblasCoretype('flags\t\t: fpu sse2\n')).toBeUndefined();
    expect(openblasCoretype('')).toBeUndefined();
  });
});
