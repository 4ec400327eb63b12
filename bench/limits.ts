// The machine's limits, measured through the addon in the same run as the workloads: the N-API call floor, BLAS
// rates, memory bandwidth, a vectorised transcendental, and the exact gemm calls a workload makes replayed alone.
import type { NativeAddon } from '../native/index.js';
import { time, Timing } from './harness.js';

type Real = Float64Array | Float32Array;
function filled(Type: typeof Float64Array | typeof Float32Array, n: number): Real {
  const x = new Type(n);
  for (let i = 0; i < n; i++) x[i] = Math.random() - 0.5;
  return x;
}

/** C = A·B for n×n matrices: the timing and GFLOP/s. */
export function gemmRate(addon: NativeAddon, n: number, type: 'f64' | 'f32'): { timing: Timing; gflops: number } {
  const T = type === 'f64' ? Float64Array : Float32Array;
  const A = filled(T, n * n) as Float64Array, B = filled(T, n * n) as Float64Array, C = new T(n * n) as Float64Array;
  const timing = time(() => addon.gemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n), { budgetMs: 2000 });
  return { timing, gflops: (2 * n ** 3) / (timing.median * 1e6) };
}

/** STREAM's triad over 2²² doubles (24 bytes moved per element): the timing and GB/s. */
export function triadRate(addon: NativeAddon, parallel: boolean): { timing: Timing; gbs: number } {
  const n = 2 ** 22, a = new Float64Array(n), b = filled(Float64Array, n) as Float64Array, c = filled(Float64Array, n) as Float64Array;
  const timing = time(() => addon.triad(a, b, c, 3, parallel), { budgetMs: 1000 });
  return { timing, gbs: (24 * n) / (timing.median * 1e6) };
}

/** The addon's tanh over 10⁶ doubles, as the engine calls it (split over the threads): the timing and ns per element. */
export function tanhRate(addon: NativeAddon): { timing: Timing; ns: number } {
  const n = 1e6, x = filled(Float64Array, n) as Float64Array, out = new Float64Array(n), code = addon.unaryOps.indexOf('tanh');
  const timing = time(() => addon.unary(code, x, out), { budgetMs: 1000 });
  return { timing, ns: (timing.median * 1e6) / n };
}

interface GemmCall { args: Parameters<NativeAddon['gemm']>; flop: number }

/** The gemm calls `fn` makes (the addon's gemm wrapped for one call), each with fresh operands of its shape. */
export function recordGemms(addon: NativeAddon, fn: () => unknown): GemmCall[] {
  const calls: GemmCall[] = [], gemm = addon.gemm;
  (addon as { gemm: unknown }).gemm = (...args: Parameters<NativeAddon['gemm']>) => {
    const [tA, tB, m, n, k, , A, , lda, , , ldb, , , , ldc, complex] = args;
    const w = complex ? 2 : 1, T = A instanceof Float32Array ? Float32Array : Float64Array;
    const mat = (rows: number, ld: number) => filled(T, Math.max(1, rows * ld * w));
    calls.push({
      args: [tA, tB, m, n, k, 1, mat(tA ? k : m, lda), 0, lda, mat(tB ? n : k, ldb), 0, ldb, 0, new T(Math.max(1, m * ldc * w)), 0, ldc, complex],
      flop: 2 * m * n * k * (complex ? 4 : 1),
    });
    return gemm.apply(addon, args as never);
  };
  try {
    fn();
  } finally {
    (addon as { gemm: unknown }).gemm = gemm;
  }
  return calls;
}

/** Those calls replayed straight through the addon: the time a workload's matrix products take on their own. */
export function replay(addon: NativeAddon, calls: GemmCall[]): { run: () => void; gflop: number } {
  const run = () => { for (const c of calls) addon.gemm(...(c.args as [boolean, boolean, number, number, number, number, Real, number, number, Real, number, number, number, Real, number, number, boolean])); };
  return { run, gflop: calls.reduce((s, c) => s + c.flop, 0) / 1e9 };
}
