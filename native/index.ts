// Typed loader for gradd's C++ addon (native/src, built by `npm run build:native`).
//
// Conventions for every export:
// - Arrays are contiguous typed arrays: Float64Array = float64, Float32Array = float32. With the trailing
//   `complex` flag a Float64Array holds complex128 (Float32Array: complex64) as interleaved re,im pairs;
//   lengths then count array entries (2 per element) and offsets/dims count complex elements.
// - Matrices are row-major. gemm takes element offsets and leading dimensions; the LAPACK calls take one
//   whole matrix per array, so batch by passing subarrays (`a.subarray(i * n * n, (i + 1) * n * n)` shares
//   memory, no copy) and loop.
// - Calls are synchronous. Arguments are validated before any memory is touched: a wrong argument count or
//   JS type throws a TypeError with code 'NATIVE_BAD_ARGUMENT'; a number out of range (negative, NaN,
//   fractional, > 2^31-1 for dims, opcode unknown) or a length that disagrees with the dims/offsets throws a
//   RangeError with code 'NATIVE_BAD_LENGTH'. Messages name the function, the argument, what was given and
//   what was expected.
// - Threads: OpenBLAS owns the cores. gemm and LAPACK use its threads; gradd's own kernels (unary, binary,
//   binaryBroadcast, unaryVjp, convert, compare, test, select, copy, clip, extremumVjp, sum, extreme, cumsum, adam) run on the calling thread below `parallelMin` units of work and on
//   OpenBLAS's thread pool above it (through the splitter OpenBLAS uses for its own level-1 routines), so
//   there is one pool and the two never compete. On first load gradd sets OpenBLAS's thread count from
//   GRADD_THREADS, else leaves an explicit OPENBLAS_NUM_THREADS alone, else uses os.availableParallelism().
//   A server running K worker threads that all call BLAS should give each floor(cores / K) threads
//   (setThreads; the count is process-wide).
// - Memory: on load the addon fixes glibc's mmap threshold at 32 MB and its trim threshold at 256 MB, so that
//   large arrays reuse freed heap memory instead of faulting in fresh pages (the process keeps its high-water
//   mark of freed memory). GRADD_MALLOC=system before the first load keeps glibc's defaults.
// - OpenBLAS 0.3.21 (Debian 12) does not recognise recent Intel CPUs (e.g. Sapphire/Emerald Rapids) and
//   falls back to slow Prescott kernels, so unless OPENBLAS_CORETYPE is set the loader sets it from
//   /proc/cpuinfo (AVX-512 -> SkylakeX, AVX2 -> Haswell) before the library is loaded.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export type RealArray = Float64Array | Float32Array;

export const UNARY_OPS = [
  'exp', 'log', 'sin', 'cos', 'tan', 'tanh', 'sinh', 'cosh', 'arcsin', 'arccos', 'arctan', 'sqrt', 'expm1',
  'log1p', 'negative', 'abs', 'square', 'reciprocal', 'sigmoid', 'sign', 'floor', 'ceil', 'trunc', 'log2', 'log10', 'exp2',
] as const;
export const BINARY_OPS = ['add', 'subtract', 'multiply', 'divide', 'power', 'maximum', 'minimum', 'logaddexp', 'logaddexp2'] as const;
/** Comparisons for `compare`. */
export const COMPARE_OPS = [
  'equal', 'not_equal', 'less', 'less_equal', 'greater', 'greater_equal', 'logical_and', 'logical_or', 'logical_xor',
] as const;
/** Tests for `test`. */
export const TEST_OPS = ['isnan', 'isinf', 'isfinite'] as const;
/** Unary ops with a fused VJP kernel (unaryVjp). */
export const VJP_OPS = [
  'exp', 'expm1', 'log', 'log1p', 'sin', 'cos', 'tan', 'arcsin', 'arccos', 'arctan', 'sinh', 'cosh', 'tanh', 'sqrt',
  'square', 'reciprocal', 'abs',
] as const;
export type UnaryOp = (typeof UNARY_OPS)[number];
export type BinaryOp = (typeof BINARY_OPS)[number];
export type VjpOp = (typeof VJP_OPS)[number];
export type CompareOp = (typeof COMPARE_OPS)[number];
export type TestOp = (typeof TEST_OPS)[number];
/** Arrays `convert` reads: float64, float32, int32 and bool storage. */
export type AnyArray = Float64Array | Float32Array | Int32Array | Uint8Array;

/** x86-64 ISA levels of the elementwise kernels, best first. */
export type Isa = 'avx512f' | 'avx2' | 'sse2';

/** Codes on the TypeError / RangeError the addon throws for invalid arguments. */
export type NativeArgumentErrorCode = 'NATIVE_BAD_ARGUMENT' | 'NATIVE_BAD_LENGTH';

export interface NativeAddon {
  /** Op names for `unary`; an op's index is its code. Equal to UNARY_OPS. */
  readonly unaryOps: readonly UnaryOp[];
  /** Op names for `binary`; an op's index is its code. Equal to BINARY_OPS. */
  readonly binaryOps: readonly BinaryOp[];
  /** Op names for `unaryVjp`; an op's index is its code. Equal to VJP_OPS. */
  readonly vjpOps: readonly VjpOp[];
  /** Op names for `compare`; an op's index is its code. Equal to COMPARE_OPS. */
  readonly compareOps: readonly CompareOp[];
  /** Op names for `test`; an op's index is its code. Equal to TEST_OPS. */
  readonly testOps: readonly TestOp[];
  /** Work from which the elementwise kernels and `sum` split across OpenBLAS's threads, in elements of arithmetic;
   * an element of a transcendental function (SLEEF's, tanh, power) counts `transcendentalCost`. */
  readonly parallelMin: number;
  readonly transcendentalCost: number;
  /** out[i] = op(x[i]). x and out: same type and length; out may be x. SLEEF for the transcendental
   * ops: u35 (<= 3.5 ulp, as NumPy's AVX-512 loops) where SLEEF has it, u10 (<= 1 ulp) for exp, expm1, log1p, log10
   * and exp2;
   * sigmoid = 1 / (1 + exp(-x)). */
  unary<T extends RealArray>(code: number, x: T, out: T): void;
  /** out[i] = op(a[i], b[i]); an operand of length 1 broadcasts as a scalar, otherwise a and b have
   * out's length. Same type for all three; out may be a or b. maximum / minimum propagate NaN; logaddexp(2) use
   * SLEEF's exp, exp2 and log1p (1 ulp). */
  binary<T extends RealArray>(code: number, a: T, b: T, out: T): void;
  /** out[r*cols + c] = op(a[r*aRowStride + c*aColStride], b[r*bRowStride + c*bColStride]) for an out of rows x
   * cols: broadcasting by rows ([m, n] op [n]: bRowStride 0) or columns ([m, n] op [m, 1]: bColStride 0), and
   * strided or transposed operands (strides are non-negative element counts); a and b must hold element
   * (rows-1, cols-1). Same type for all three; out must not overlap a or b except as that same operand with
   * the same layout. */
  binaryBroadcast<T extends RealArray>(code: number, a: T, b: T, out: T, rows: number, cols: number,
    aRowStride: number, aColStride: number, bRowStride: number, bColStride: number): void;
  /** out[i] = g[i] * f'(x[i]) for the op vjpOps[code], given ans = f(x), with f' computed as gradd's rule
   * writes it (tanh: 1 - ans², sin: cos x, …); a length-1 g broadcasts as a scalar. x, ans and out have one
   * length; out may be g. */
  unaryVjp<T extends RealArray>(code: number, g: T, x: T, ans: T, out: T): void;
  /** out[i] = x[i] converted to out's type (float64 to float32 rounds to nearest even); same lengths. */
  convert(x: AnyArray, out: RealArray): void;
  /** out[r*cols + c] = op(a[r*aRowStride + c*aColStride], b[r*bRowStride + c*bColStride]) as 1 or 0, with IEEE
   * comparisons (NaN unordered, unequal to everything; the logical ops test for nonzero, so NaN is true); a and b of
   * one type (Float64Array, Float32Array or Uint8Array); column strides 0 (a broadcast row) or 1; a and b must hold
   * element (rows-1, cols-1). out: a Uint8Array (bool) of rows*cols. */
  compare<T extends RealArray | Uint8Array>(code: number, out: Uint8Array, rows: number, cols: number,
    a: T, aRowStride: number, aColStride: number, b: T, bRowStride: number, bColStride: number): void;
  /** out[i] = 1 where x[i] is NaN (isnan), ±Infinity (isinf) or neither (isfinite), else 0; out: a Uint8Array (bool)
   * of x's length. */
  test(code: number, x: RealArray, out: Uint8Array): void;
  /** out[r*cols + k] = c[…] ? x[…] : y[…] (NumPy's where), each operand read as in `compare`; c: a Uint8Array
   * (nonzero selects x); x, y and out of one type. */
  select<T extends RealArray>(out: T, rows: number, cols: number, c: Uint8Array, cRowStride: number, cColStride: number,
    x: T, xRowStride: number, xColStride: number, y: T, yRowStride: number, yColStride: number): void;
  /** out[r*cols + c] = x[offset + r*rowStride + c*colStride] with signed strides (a reversed view); every element read
   * must lie in x. x and out of one type. */
  copy<T extends RealArray>(x: T, offset: number, rows: number, cols: number, rowStride: number, colStride: number, out: T): void;
  /** out[i] = min(max(x[i], lo), hi), each keeping its first operand on a tie (NumPy's clip: NaN and a -0 at a bound
   * of 0 stay; lo > hi gives hi), lo and hi rounded to x's type; pass ∓Infinity for no bound. x and out of one type and length; out may be x. */
  clip<T extends RealArray>(x: T, lo: number, hi: number, out: T): void;
  /** out[i] = g[i] * (x[i] == ans[i] ? (x[i] == y[i] ? ½ : 1) : 0): the cotangent of x in ans = maximum(x, y) or
   * minimum(x, y), ties sharing it (autograd's balanced_eq). g and y of length 1 are scalars; x, ans and out have
   * one length; all of one type; out may be g. */
  extremumVjp<T extends RealArray>(g: T, x: T, y: T, ans: T, out: T): void;
  /** out[o*inner + i] = Σ_{m < mid} x[(o*mid + m)*inner + i]: x (contiguous, outer*mid*inner long) summed over
   * its middle axis. Totals are sums of 4096-element blocks added in order, whatever the thread count. */
  sum<T extends RealArray>(x: T, outer: number, mid: number, inner: number, out: T): void;
  /** out[o*inner + i] = the maximum (`max`) or minimum over m < mid of x[(o*mid + m)*inner + i]: NaN if the lane has
   * one, else the lane's first extremum (NumPy's: -0 or 0 as it comes first). mid >= 1; the result does not depend
   * on the thread count. */
  extreme<T extends RealArray>(x: T, outer: number, mid: number, inner: number, out: T, max: boolean): void;
  /** out[(o*mid + m)*inner + i] = Σ_{m' <= m} x[(o*mid + m')*inner + i]: running sums over the middle axis, in double
   * (float32 arrays too, as a JS number would), stored in x's type. */
  cumsum<T extends RealArray>(x: T, outer: number, mid: number, inner: number, out: T): void;

  /** ISA levels this CPU runs, best first; the best is active after load. */
  readonly supportedIsas: readonly Isa[];
  getIsa(): Isa;
  /** Selects a supported ISA level for unary/binary (process-wide), e.g. to test the fallbacks. */
  setIsa(isa: Isa): void;

  /** C[offC..] = alpha * op(A[offA..]) * op(B[offB..]) + beta * C[offC..], row-major (cblas ?gemm). op(A) is
   * m x k (A is m x k, or k x m when transA), op(B) is k x n, C is m x n. Offsets and leading dimensions
   * count elements; lda >= max(1, columns of A as stored), likewise ldb, ldc. A, B, C: same typed-array type;
   * `complex` selects zgemm/cgemm (alpha, beta real). C must not overlap A or B. */
  gemm<T extends RealArray>(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    alpha: number, A: T, offA: number, lda: number,
    B: T, offB: number, ldb: number,
    beta: number, C: T, offC: number, ldc: number,
    complex?: boolean,
  ): void;

  /** OpenBLAS's thread count (process-wide), 1..1024. */
  setThreads(n: number): void;
  getThreads(): number;
  /** openblas_get_config() and openblas_get_corename() (the kernel set in use, e.g. 'SkylakeX'). */
  blasConfig(): { config: string; corename: string };

  /** Does nothing: the floor cost of an N-API call. */
  noop(): void;
  /** Validates that x is a Float64Array and returns: the floor cost of a call taking an array. */
  noopArray(x: Float64Array): void;
  /** autograd's Adam step over one length of arrays: m = (1-b1)g + b1 m; v = (1-b2)g² + b2 v (in place);
   * out = x - stepSize (m/c1) / (sqrt(v/c2) + eps) (out defaults to x), with c1 = 1 - b1^(t+1), c2 = 1 - b2^(t+1)
   * at step t. Rounds as the same loop in JavaScript. */
  adam(x: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, stepSize: number, b1: number, b2: number,
    eps: number, c1: number, c2: number, out?: Float64Array): void;
  /** STREAM's triad a[i] = b[i] + s * c[i] (same lengths), on the calling thread or on OpenBLAS's threads:
   * the memory bandwidth limit. */
  triad(a: Float64Array, b: Float64Array, c: Float64Array, s: number, parallel: boolean): void;

  // LAPACK (row-major LAPACKE), one matrix per call. All return LAPACK's info: 0 ok; > 0 numerical failure
  // (singular, not positive definite, no convergence); < 0 argument -info rejected by LAPACKE, which is how
  // its NaN check reports a NaN in an input matrix, or -1010/-1011 out of memory. Inputs are never modified;
  // an out array may be the input array. "Real" arrays (eigenvalues, singular values) have the precision of
  // the input: Float64Array for float64 / complex128.

  /** outX (n x nrhs) = A^-1 B (?gesv on copies). A: n x n, B: n x nrhs. */
  solve<T extends RealArray>(A: T, B: T, n: number, nrhs: number, outX: T, complex?: boolean): number;
  /** out = A^-1 (?getrf + ?getri). */
  inv<T extends RealArray>(A: T, n: number, out: T, complex?: boolean): number;
  /** ?getrf: outLU = L (unit diagonal, strictly below) and U (on and above); outPiv (length n) holds
   * LAPACK's 1-based swaps: row i was swapped with row outPiv[i] - 1, in order i = 0..n-1.
   * det(A) = prod(diag U) * (-1)^#{i : outPiv[i] != i + 1}. */
  lu<T extends RealArray>(A: T, n: number, outLU: T, outPiv: Int32Array, complex?: boolean): number;
  /** out = L, lower triangular with A = L L^H, from A's lower triangle (?potrf 'L'); the upper is zeroed. */
  cholesky<T extends RealArray>(A: T, n: number, out: T, complex?: boolean): number;
  /** Symmetric / Hermitian eigendecomposition from A's lower triangle (?syevd / ?heevd, UPLO 'L'):
   * outW (length n) ascending eigenvalues, outV (n x n) eigenvectors as columns. */
  eigh<T extends RealArray>(A: T, n: number, outW: T, outV: T, complex?: boolean): number;
  /** Thin SVD by ?gesdd (full_matrices=false), k = min(m, n): A (m x n) = outU (m x k) diag(outS) outVt
   * (k x n), outS descending. */
  svd<T extends RealArray>(A: T, m: number, n: number, outU: T, outS: T, outVt: T, complex?: boolean): number;
  /** General eigendecomposition by ?geev (right eigenvectors, unit 2-norm columns of outVr): eigenvalues
   * outWr[j] + i*outWi[j]. Real A: outVr is real in LAPACK's packing: for a conjugate pair (outWi[j] > 0,
   * outWi[j+1] = -outWi[j]) the vectors are outVr[:, j] +- i*outVr[:, j+1], otherwise outVr[:, j] is real.
   * Complex A: outVr is complex (n x n). */
  eig<T extends RealArray>(A: T, n: number, outWr: T, outWi: T, outVr: T, complex?: boolean): number;

  // More LAPACK (lapack_extra.cc), same conventions.

  /** outX (n x nrhs) = op(A)^-1 B (?trtrs) from A's lower or upper triangle; trans 0: A, 1: A^T, 2: A^H;
   * unitDiagonal: A's diagonal is taken as ones. info > 0: A[info-1, info-1] is zero. */
  solveTriangular<T extends RealArray>(A: T, B: T, n: number, nrhs: number, lower: boolean, trans: 0 | 1 | 2,
    unitDiagonal: boolean, outX: T, complex?: boolean): number;
  /** outX (n x nrhs) = A^-1 B (?gbsv) for the band matrix A in SciPy's layout: AB is (kl+ku+1) x n with
   * AB[ku + i - j, j] = A[i, j]. */
  solveBanded<T extends RealArray>(AB: T, B: T, n: number, kl: number, ku: number, nrhs: number, outX: T, complex?: boolean): number;
  /** Full SVD by ?gesdd (full_matrices=true): A (m x n) = outU (m x m) diag(outS) outVt (n x n)[:min(m,n)]. */
  svdFull<T extends RealArray>(A: T, m: number, n: number, outU: T, outS: T, outVt: T, complex?: boolean): number;
  /** out = the principal square root of A (Schur decomposition by ?gees, then the recursive triangular root
   * with ?trsyl). info > 0: the Schur decomposition did not converge; info = n + 1 (real A only): A has a
   * negative real eigenvalue, so its root is complex (out untouched; call again with A as complex). */
  sqrtm<T extends RealArray>(A: T, n: number, out: T, complex?: boolean): number;
  /** outX (m x n) solves A X + X B = Q, A m x m, B n x n (Bartels-Stewart: ?gees, ?trsyl). info > 0: a
   * Schur decomposition did not converge. */
  sylvester<T extends RealArray>(A: T, B: T, Q: T, m: number, n: number, outX: T, complex?: boolean): number;
}

export type NativeLoadErrorCode = 'NATIVE_MISSING' | 'NATIVE_LOAD_FAILED';

/** Thrown by loadNative: NATIVE_MISSING when no built addon was found, NATIVE_LOAD_FAILED when one was
 * found but could not be loaded (dlopen error, e.g. a missing shared library, or a stale build). */
export class NativeLoadError extends Error {
  override readonly name = 'NativeLoadError';
  constructor(readonly code: NativeLoadErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const BUILD_HINT =
  'Build it with `npm run build:native` (needs the Debian packages libopenblas-dev liblapacke-dev libsleef-dev ' +
  'cmake g++: `apt-get install -y libopenblas-dev liblapacke-dev libsleef-dev cmake g++`). If npm was run with ' +
  '--ignore-scripts, run `npm rebuild gradd` or `npm run build:native`.';

const FUNCTIONS = [
  'unary', 'binary', 'binaryBroadcast', 'unaryVjp', 'convert', 'compare', 'test', 'select', 'copy', 'clip', 'extremumVjp', 'sum', 'extreme', 'cumsum', 'adam', 'triad', 'getIsa', 'setIsa', 'gemm', 'setThreads',
  'getThreads', 'blasConfig', 'noop', 'noopArray',
  'solve', 'inv', 'lu', 'cholesky', 'eigh', 'svd', 'eig', 'solveTriangular', 'solveBanded', 'svdFull', 'sqrtm',
  'sylvester',
] as const;

/** Where the .node may be: GRADD_NATIVE_PATH alone if set; else next to this file (source tree:
 * native/index.ts) or, from the compiled dist/native/index.js, in the package's native/build. */
export function nativeCandidates(): string[] {
  const override = process.env.GRADD_NATIVE_PATH;
  if (override) return [resolve(override)];
  return [
    new URL('./build/Release/gradd_native.node', import.meta.url),
    new URL('../../native/build/Release/gradd_native.node', import.meta.url),
  ].map((url) => fileURLToPath(url));
}

/** OpenBLAS core type for this CPU, from /proc/cpuinfo flags, or undefined to let OpenBLAS decide. */
export function openblasCoretype(cpuinfo: string): string | undefined {
  const line = cpuinfo.split('\n').find((l) => l.startsWith('flags'));
  const flags = new Set(line?.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  if (['avx512f', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => flags.has(f))) return 'SkylakeX';
  if (flags.has('avx2')) return 'Haswell';
  return undefined;
}

function setCoretype(): void {
  if (process.env.OPENBLAS_CORETYPE) return;
  let cpuinfo: string;
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return; // not Linux: leave OpenBLAS's own detection
  }
  const coretype = openblasCoretype(cpuinfo);
  if (coretype) process.env.OPENBLAS_CORETYPE = coretype; // read by OpenBLAS when it is loaded
}

function defaultThreads(): number | undefined {
  const gradd = process.env.GRADD_THREADS;
  if (gradd) {
    const n = Number(gradd);
    if (Number.isInteger(n) && n >= 1) return n;
    process.emitWarning(`GRADD_THREADS must be a positive integer, got '${gradd}'; ignoring it`);
  }
  return process.env.OPENBLAS_NUM_THREADS ? undefined : availableParallelism();
}

function load(): NativeAddon {
  const candidates = nativeCandidates();
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new NativeLoadError('NATIVE_MISSING', `gradd's native addon is not built (looked in ${candidates.join(', ')}). ${BUILD_HINT}`);
  }
  setCoretype();
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (cause) {
    throw new NativeLoadError(
      'NATIVE_LOAD_FAILED',
      `gradd's native addon at ${path} failed to load: ${(cause as Error).message}. ` +
        'It needs the shared libraries of the Debian packages libopenblas0 liblapacke libsleef3. ' + BUILD_HINT,
      { cause },
    );
  }
  const stale =
    FUNCTIONS.filter((f) => typeof addon[f] !== 'function').join(', ') ||
    (String(addon.unaryOps) !== String(UNARY_OPS) || String(addon.binaryOps) !== String(BINARY_OPS) ||
    String(addon.vjpOps) !== String(VJP_OPS) || String(addon.compareOps) !== String(COMPARE_OPS) ||
    String(addon.testOps) !== String(TEST_OPS) ? 'op lists' : '');
  if (stale) {
    throw new NativeLoadError('NATIVE_LOAD_FAILED', `gradd's native addon at ${path} is stale (differs in: ${stale}). ${BUILD_HINT}`);
  }
  const threads = defaultThreads();
  if (threads !== undefined) addon.setThreads(Math.min(threads, 1024));
  return addon;
}

let cached: { addon: NativeAddon } | { error: unknown } | undefined;

/** The addon, loaded once per process (per worker thread). Throws NativeLoadError when unavailable. */
export function loadNative(): NativeAddon {
  if (!cached) {
    try {
      cached = { addon: load() };
    } catch (error) {
      cached = { error };
    }
  }
  if ('error' in cached) throw cached.error;
  return cached.addon;
}

/** Whether loadNative() succeeds; never throws. */
export function nativeAvailable(): boolean {
  try {
    loadNative();
    return true;
  } catch {
    return false;
  }
}
