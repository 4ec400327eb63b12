// np.random: seeded generators on xoshiro256** (Blackman and Vigna), normals by Marsaglia's polar method.
// A seed makes gradd's numbers reproducible, but they are not the numbers NumPy draws for that seed: the streams differ.
// Draws are constants; a traced loc, scale, low or high enters affinely (loc + scale·z), so it keeps its gradient.
import type { Value } from './catalog.js';
import { callOp } from './call.js';
import { checkDType, DType } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { broadcastShapes } from './kernels.js';
import { setItem } from './inplace.js';
import { checkShape, NDArray, sizeOf } from './ndarray.js';
import { Box } from './tracer.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Size = number | readonly number[] | null | undefined;
type Param = number | Value;

const MASK64 = (1n << 64n) - 1n;
const TWO32 = 2 ** 32, TWO53 = 2 ** 53;

function checkSeed(seed: unknown, where: string): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) fail('BAD_ARGUMENT', `${where}: the seed must be a non-negative integer, got ${JSON.stringify(seed)}`);
  return seed;
}

/** Four 64-bit state words from splitmix64 of the seed (or of fresh entropy), as 8 × 32 bits, high word first. */
function initialState(seed: number | undefined): Uint32Array {
  let x = seed === undefined ? crypto.getRandomValues(new BigUint64Array(1))[0] : BigInt(seed);
  const s = new Uint32Array(8);
  for (let i = 0; i < 4; i++) {
    x = (x + 0x9e3779b97f4a7c15n) & MASK64;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    z ^= z >> 31n;
    s[2 * i] = Number(z >> 32n); s[2 * i + 1] = Number(z & 0xffffffffn);
  }
  return s;
}

/** NumPy's (low, high, size) style: positional values, then an optional trailing options object (camelCase keys). */
function params(args: any[], names: string[], where: string): Record<string, any> {
  const last = args[args.length - 1];
  const opts = typeof last === 'object' && last !== null && !Array.isArray(last) && !(last instanceof NDArray) && !(last instanceof Box) ? args.pop() : {};
  if (args.length > names.length) fail('BAD_ARGUMENT', `${where}: too many arguments (its parameters are ${names.join(', ')})`);
  const out: Record<string, any> = { ...opts };
  args.forEach((v, i) => { if (v !== undefined) out[names[i]] = v; });
  return out;
}

const shapeOf = (size: Size, where: string): number[] | undefined =>
  size === undefined || size === null ? undefined : checkShape(typeof size === 'number' ? [size] : [...size], where);

/** The shape of a draw: `size`, else the parameters' broadcast shape; null for one JS number (NumPy's Python scalar). */
function shaped(size: Size, ps: Param[], where: string): number[] | null {
  const arrays = ps.filter((p): p is Value => typeof p !== 'number');
  return shapeOf(size, where) ?? (arrays.length ? [...broadcastShapes(where, ...arrays.map((a) => a.shape))] : null);
}

export class Generator {
  private readonly s: Uint32Array;
  private spare: number | null = null;

  constructor(seed?: number) { this.s = initialState(checkSeed(seed, 'np.random.default_rng')); }

  /** The next 64 bits of xoshiro256**, as [high, low] 32-bit halves. */
  private next(): [number, number] {
    const s = this.s;
    // result = rotl(s1·5, 7)·9
    const m = s[3] * 5, mh = (s[2] * 5 + Math.floor(m / TWO32)) >>> 0, ml = m >>> 0;
    const rh = ((mh << 7) | (ml >>> 25)) >>> 0, rl = ((ml << 7) | (mh >>> 25)) >>> 0;
    const r = rl * 9, oh = (rh * 9 + Math.floor(r / TWO32)) >>> 0, ol = r >>> 0;
    // t = s1 << 17; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 45)
    const th = ((s[2] << 17) | (s[3] >>> 15)) >>> 0, tl = (s[3] << 17) >>> 0;
    s[4] ^= s[0]; s[5] ^= s[1]; s[6] ^= s[2]; s[7] ^= s[3];
    s[2] ^= s[4]; s[3] ^= s[5]; s[0] ^= s[6]; s[1] ^= s[7];
    s[4] ^= th; s[5] ^= tl;
    const h3 = s[6], l3 = s[7]; // rotl by 45 = swap the halves, then rotl by 13
    s[6] = ((l3 << 13) | (h3 >>> 19)) >>> 0; s[7] = ((h3 << 13) | (l3 >>> 19)) >>> 0;
    return [oh, ol];
  }

  /** A uniform integer in [0, 2^53). */
  private bits53(): number { const [h, l] = this.next(); return h * 2 ** 21 + (l >>> 11); }
  /** A uniform double in [0, 1). */
  private uniform01(): number { return this.bits53() / TWO53; }
  /** A uniform integer in [0, n), n ≤ 2^53, without modulo bias. */
  private below(n: number): number {
    const limit = TWO53 - (TWO53 % n);
    for (;;) { const u = this.bits53(); if (u < limit) return u % n; }
  }
  private gauss(): number {
    if (this.spare !== null) { const z = this.spare; this.spare = null; return z; }
    for (;;) {
      const u = 2 * this.uniform01() - 1, v = 2 * this.uniform01() - 1, r = u * u + v * v;
      if (r > 0 && r < 1) { const f = Math.sqrt((-2 * Math.log(r)) / r); this.spare = v * f; return u * f; }
    }
  }

  private fill(shape: number[], draw: () => number, dtype: DType = 'float64'): NDArray {
    const a = NDArray.zeros(shape, dtype);
    for (let i = 0; i < a.size; i++) a.data[i] = draw();
    return a;
  }

  /** loc + scale·draw: a number, or an array of `shape` (the parameters, maybe arrays or traced, broadcast against it). */
  private affine(shape: number[] | null, draw: () => number, loc: Param, scale: Param): any {
    if (!shape) return (loc as number) + (scale as number) * draw();
    if (typeof loc === 'number' && typeof scale === 'number') return this.fill(shape, () => loc + scale * draw());
    return callOp('add', [loc, callOp('multiply', [scale, this.fill(shape, draw)])]);
  }

  /** Uniform on [0, 1). */
  random(size?: Size): any { return this.affine(shaped(size, [], 'random'), () => this.uniform01(), 0, 1); }
  /** Uniform on [0, 1) of shape (d0, d1, …). */
  rand(...shape: number[]): any { return this.random(shape.length ? shape : undefined); }
  /** Standard normal. */
  standardNormal(size?: Size): any { return this.affine(shaped(size, [], 'standardNormal'), () => this.gauss(), 0, 1); }
  /** Standard normal of shape (d0, d1, …). */
  randn(...shape: number[]): any { return this.standardNormal(shape.length ? shape : undefined); }

  uniform(...args: any[]): any {
    const { low = 0, high = 1, size } = params(args, ['low', 'high', 'size'], 'uniform');
    const width = typeof low === 'number' && typeof high === 'number' ? high - low : callOp('subtract', [high, low]) as Value;
    return this.affine(shaped(size, [low, high], 'uniform'), () => this.uniform01(), low, width);
  }

  normal(...args: any[]): any {
    const { loc = 0, scale = 1, size } = params(args, ['loc', 'scale', 'size'], 'normal');
    return this.affine(shaped(size, [loc, scale], 'normal'), () => this.gauss(), loc, scale);
  }

  /** Integers in [low, high), or [0, low) without high. */
  randint(...args: any[]): any {
    const { low, high, size, dtype = 'int64' } = params(args, ['low', 'high', 'size', 'dtype'], 'randint');
    const [lo, hi] = high === undefined || high === null ? [0, low] : [low, high];
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi <= lo || hi - lo > TWO53)
      fail('BAD_ARGUMENT', `randint: low and high must be integers with low < high, got ${JSON.stringify([low, high])}`);
    const shape = shapeOf(size, 'randint'), draw = () => lo + this.below(hi - lo);
    return shape ? this.fill(shape, draw, checkDType(dtype, 'randint')) : draw();
  }

  /** Generator.integers: randint with an optional inclusive endpoint. */
  integers(...args: any[]): any {
    const { low, high, size, dtype = 'int64', endpoint = false } = params(args, ['low', 'high', 'size', 'dtype', 'endpoint'], 'integers');
    const [lo, hi] = high === undefined || high === null ? [0, low] : [low, high];
    return this.randint(lo, endpoint ? hi + 1 : hi, size, dtype);
  }

  /** Samples of a 1-d array (or of arange(a) for a number), with or without replacement, uniformly or by p. */
  choice(...args: any[]): any {
    const { a, size, replace = true, p = null } = params(args, ['a', 'size', 'replace', 'p'], 'choice');
    const pool = typeof a === 'number' ? NDArray.fromData(Array.from({ length: a }, (_, i) => i), [a], 'int64') : a;
    if (!(pool instanceof NDArray || pool instanceof Box) || pool.shape.length !== 1 || !pool.size) fail('BAD_ARGUMENT', 'choice: a must be a positive integer or a non-empty 1-d array');
    const n = pool.shape[0], shape = shapeOf(size, 'choice') ?? [], k = sizeOf(shape);
    const w = p === null ? null : Array.from((p instanceof NDArray ? p : NDArray.fromData(p, [p.length])).values());
    if (w && (w.length !== n || w.some((v) => !(v >= 0)) || Math.abs(w.reduce((s, v) => s + v, 0) - 1) > 1e-8))
      fail('BAD_ARGUMENT', `choice: p must hold ${n} non-negative probabilities summing to 1`);
    if (!replace && k > n) fail('BAD_ARGUMENT', `choice: cannot take ${k} samples without replacement from ${n}`);
    const picks = replace ? Array.from({ length: k }, () => (w ? this.byWeight(w) : this.below(n))) : this.distinct(n, k, w);
    const out = callOp('take', [pool], { indices: NDArray.fromData(picks, shape, 'int64') });
    return size === undefined || size === null ? (out as Value).item() : out;
  }

  private byWeight(w: number[]): number {
    let u = this.uniform01() * w.reduce((s, v) => s + v, 0), i = 0;
    while (i < w.length - 1 && (u -= w[i]) >= 0) i++;
    return i;
  }

  /** k distinct indices of n: a partial Fisher–Yates shuffle, or successive draws by weight without the ones taken. */
  private distinct(n: number, k: number, w: number[] | null): number[] {
    if (w) {
      const left = [...w];
      return Array.from({ length: k }, () => { const i = this.byWeight(left); left[i] = 0; return i; });
    }
    const idx = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) { const j = i + this.below(n - i); [idx[i], idx[j]] = [idx[j], idx[i]]; }
    return idx.slice(0, k);
  }

  /** A shuffled copy of x along its first axis, or a permutation of arange(x) for a number. */
  permutation(x: number | Value): any {
    if (typeof x === 'number') return NDArray.fromData(this.distinct(x, x, null), [x], 'int64');
    if (!x.shape.length) fail('SHAPE_MISMATCH', 'permutation: x must be at least 1-d');
    return callOp('getitem', [x], { index: [NDArray.fromData(this.distinct(x.shape[0], x.shape[0], null), [x.shape[0]], 'int64')] });
  }

  /** Shuffles x in place along its first axis. */
  shuffle(x: Value): void {
    if (!(x instanceof NDArray || x instanceof Box) || !x.shape.length) fail('BAD_ARGUMENT', `shuffle: x must be an array of at least one dimension, got ${x instanceof NDArray ? fmtShape(x.shape) : typeof x}`);
    setItem(x, [], this.permutation(x));
  }
}

let global = new Generator();

/** np.random: the module functions draw from one global generator, which seed() resets. */
export const random = {
  seed: (seed?: number) => { global = new Generator(checkSeed(seed, 'np.random.seed')); },
  defaultRng: (seed?: number) => new Generator(seed),
  Generator,
  ...Object.fromEntries(['random', 'rand', 'randn', 'standardNormal', 'uniform', 'normal', 'randint', 'integers', 'choice', 'permutation', 'shuffle']
    .map((m) => [m, (...a: any[]) => (global as any)[m](...a)])),
} as const;
