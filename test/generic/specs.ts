// One spec per catalog op for the generic finite-difference test (fd.test.ts): argument shapes, domains,
// dtypes and attributes. A new op needs only a line here; an op without one fails that test.
import type { Attrs } from '../../core/catalog.js';
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import type { Mode, Rng } from '../helpers/fd.js';

export type Shape = readonly number[];
/** An argument's values: uniform on [lo, hi], or drawn by a function (n values in C order, e.g. an SPD matrix of `shape`). */
export type Domain = readonly [number, number] | ((r: Rng, n: number, shape: Shape) => number[]);
export interface Config { shapes: Shape[]; attrs?: Attrs }

export interface Spec {
  configs: Config[];
  /** Per argument; default [-2, 2]. */
  domains?: (Domain | undefined)[];
  /** Per argument; 'int64' (the domain's values truncated) or 'bool' arguments are constants, the others are differentiated (default float64). */
  dtypes?: (DType | undefined)[];
  /** Run every config again with complex128 arguments (real parts from the domain, imaginary ones in [-0.5, 0.5]), and, for several arguments, with only the first one real. */
  complex?: boolean;
  modes?: Mode[];
  order?: 1 | 2;
  /** The function checked, built from the op's call: a gauge-invariant form of eigenvectors, a Hermitian input. */
  fn?: (op: (...args: any[]) => any) => (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

// Domains.
const R: Domain = [-2, 2], POS: Domain = [0.5, 2], UNIT: Domain = [-0.9, 0.9];
/** ±[lo, hi]: away from zero. */
const away = (lo: number, hi: number): Domain => (r, n) => Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1) * (lo + (hi - lo) * r()));
const NONZERO = away(0.5, 2);
// mod(x, y) = x − y·floor(x/y): x/y stays away from integers, so floor is constant within a finite-difference step.
const MOD_X = away(5.1, 5.9), MOD_Y: Domain = [2, 2.2];

/** Entry (i, j) of each matrix of the stack drawn by `entry`. */
const matrices = (entry: (r: Rng, i: number, j: number) => number): Domain => (r, n, shape) => {
  const [rows, cols] = shape.slice(-2);
  return Array.from({ length: n }, (_, t) => entry(r, Math.floor(t / cols) % rows, t % cols));
};
/** Diagonally dominant: well conditioned, eigenvalues with real part ≥ 1 for up to 3 × 3. */
const DOMINANT = matrices((r, i, j) => (i === j ? 4 : 0) + 2 * r() - 1);
/** diag(1.5, 3, 4.5, …) + E with |E_ij| ≤ 0.15: real, distinct eigenvalues for up to 3 × 3 (Bauer–Fike). */
const SEPARATED = matrices((r, i, j) => (i === j ? 1.5 * (i + 1) : 0) + 0.3 * r() - 0.15);
/** M Mᵀ + n I per n × n matrix. */
const SPD: Domain = (r, n, shape) => {
  const k = shape[shape.length - 1], out: number[] = [];
  for (let b = 0; b < n / (k * k); b++) {
    const m = Array.from({ length: k * k }, () => 2 * r() - 1);
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) out.push((i === j ? k : 0) + m.slice(i * k, i * k + k).reduce((acc, x, l) => acc + x * m[j * k + l], 0));
  }
  return out;
};

// Gauge-invariant and Hermitian forms for the decompositions (README §8 of the conformance vectors).
/* eslint-disable @typescript-eslint/no-explicit-any */
/** conj(v₀ⱼ)/|v₀ⱼ| per column j (shape [..., 1, n]): multiplying a column by it removes its sign or phase. */
const unitPhase = (v: any) => { const v0 = v.get('...', '0:1', ':'); return np.divide(np.conj(v0), np.abs(v0)); };
const eigenGauge = (op: (a: any) => any) => (a: any) => { const [w, v] = op(a); return [w, np.multiply(v, unitPhase(v))]; };
const svdGauge = (op: (a: any) => any) => (a: any) => {
  const out = op(a);
  if (!Array.isArray(out)) return out;
  const [u, s, vh] = out, p = unitPhase(u);
  return [np.multiply(u, p), s, np.multiply(vh, np.swapaxes(np.conj(p), -1, -2))];
};
const hermitianInput = (op: (a: any) => any) => (a: any) => op(np.multiply(np.add(a, np.conj(np.swapaxes(a, -1, -2))), 0.5));
/* eslint-enable @typescript-eslint/no-explicit-any */

// Configs.
/** Every shape tuple with every attribute set. */
const each = (shapes: Shape[][], attrs: Attrs[] = [{}]): Config[] => shapes.flatMap((s) => attrs.map((a) => ({ shapes: s, attrs: a })));
/** One config per [shapes, attrs] pair. */
const cases = (...list: [Shape[], Attrs?][]): Config[] => list.map(([shapes, attrs]) => ({ shapes, attrs }));
const UNARY_SHAPES: Shape[][] = [[[]], [[3]], [[2, 3]]];
const BINARY_SHAPES: Shape[][] = [[[], []], [[3], [3]], [[2, 3], [2, 3]], [[2, 3], [3]], [[3], [2, 3]], [[2, 1], [1, 3]], [[], [2, 3]]];
/** A reduction over every kind of axis argument. */
const REDUCE = cases([[[]]], [[[3]]], [[[3]], { axis: 0 }], [[[3]], { axis: 0, keepdims: true }],
  [[[2, 3]]], [[[2, 3]], { axis: 1 }], [[[2, 3]], { axis: [0, 1] }], [[[2, 3]], { axis: -1, keepdims: true }]);

// Specs.
const un = (domain: Domain = R, more: Partial<Spec> = {}): Spec => ({ configs: each(UNARY_SHAPES), domains: [domain], ...more });
const unC = (domain: Domain = R) => un(domain, { complex: true });
const bin = (dx: Domain = R, dy: Domain = R, more: Partial<Spec> = {}): Spec => ({ configs: each(BINARY_SHAPES), domains: [dx, dy], ...more });
const binC = (dx: Domain = R, dy: Domain = R) => bin(dx, dy, { complex: true });
const red = (domain: Domain = R, complex = false): Spec => ({ configs: REDUCE, domains: [domain], complex });
/** Listed configs, real and complex. */
const cx = (...list: [Shape[], Attrs?][]): Spec => ({ configs: cases(...list), complex: true });
/** Listed configs, real and complex, of one matrix argument. */
const mat = (domain: Domain, more: Partial<Spec>, ...list: [Shape[], Attrs?][]): Spec => ({ ...cx(...list), domains: [domain], ...more });

/** A scipy.stats function: x alone, x with the required parameters, then all parameters broadcast. */
const stat = (domains: Domain[], required = 1, dtypes: (DType | undefined)[] = []): Spec => ({
  configs: each([domains.slice(0, required).map((_, i) => (i ? [] : [3])), domains.slice(0, required).map((_, i) => (i ? [3] : [2, 3])),
    domains.map((_, i) => (i === 0 ? [2, 3] : i === 1 ? [3] : []))]),
  domains, dtypes,
});
const simplex = (op: (...a: any[]) => any) => (x: any, alpha: any) => op(np.divide(x, np.sum(x, { axis: 0, keepdims: true })), alpha); // eslint-disable-line @typescript-eslint/no-explicit-any

// Index attributes.
const int64 = (data: number[], shape = [data.length]) => NDArray.fromData(data, shape, 'int64');
const mask = (data: number[], shape = [data.length]) => NDArray.fromData(data, shape, 'bool');
const S = (start: number | null, stop: number | null, step: number | null = null) => ({ slice: [start, stop, step] });

export const SPECS: Record<string, Spec> = {
  // unary
  negative: unC(), exp: unC(), exp2: unC(), expm1: unC(),
  log: unC(POS), log2: unC(POS), log10: unC(POS), log1p: unC([-0.5, 2]),
  sin: unC(), cos: unC(), tan: unC([-1.2, 1.2]),
  arcsin: unC(UNIT), arccos: unC(UNIT), arctan: unC(),
  sinh: unC(), cosh: unC(), tanh: unC(),
  arcsinh: unC(), arccosh: unC([1.2, 3]), arctanh: unC(UNIT),
  sqrt: unC(POS), square: unC(), reciprocal: unC(NONZERO),
  rad2deg: un(), degrees: un(), deg2rad: un(), radians: un(),
  fabs: un(NONZERO), abs: unC(NONZERO), angle: unC(NONZERO),
  real: unC(), imag: unC(), conj: unC(), copy: unC(), conjugate: unC(), absolute: unC(NONZERO), sinc: unC(),
  astype: { configs: each(UNARY_SHAPES, [{ dtype: 'float64' }, { dtype: 'complex128' }]), complex: true },
  sign: unC(), floor: un(), ceil: un(), trunc: un(), fix: un(), rint: un(), round: { configs: each(UNARY_SHAPES, [{}, { decimals: 1 }]) },
  isfinite: unC(), isnan: unC(), isinf: unC(), signbit: un(), logical_not: unC(),

  // binary
  add: binC(), subtract: binC(), multiply: binC(), divide: binC(R, NONZERO), true_divide: binC(R, NONZERO),
  power: binC(POS, R),
  maximum: bin(), minimum: bin(), fmax: bin(), fmin: bin(),
  logaddexp: bin(), logaddexp2: bin(),
  arctan2: bin(NONZERO, R), hypot: bin(NONZERO, NONZERO),
  mod: bin(MOD_X, MOD_Y), remainder: bin(MOD_X, MOD_Y),
  equal: binC(), not_equal: binC(), less: bin(), less_equal: bin(), greater: bin(), greater_equal: bin(),
  logical_and: bin(), logical_or: bin(), logical_xor: bin(), floor_divide: bin(R, NONZERO),

  // reductions
  sum: red(R, true), mean: red(R, true), prod: red(NONZERO, true),
  max: red(), min: red(), amax: red(), amin: red(),
  var: { configs: [...REDUCE, ...cases([[[3]], { ddof: 1 }], [[[2, 3]], { axis: 1, ddof: 1 }])], complex: true },
  // std is not differentiable where the variance is 0, so never over a single element.
  std: cx([[[3]]], [[[3]], { ddof: 1 }], [[[2, 3]]], [[[2, 3]], { axis: 1 }], [[[2, 3]], { axis: 0, keepdims: true }], [[[2, 3]], { axis: [0, 1], ddof: 1 }]),
  cumsum: cx([[[3]]], [[[2, 3]]], [[[2, 3]], { axis: 1 }], [[[2, 3]], { axis: 0 }]),
  diff: cx([[[4]]], [[[4]], { n: 2 }], [[[2, 3]], { axis: 0 }], [[[2, 4]], { n: 2, axis: -1 }], [[[3]], { prepend: -1.5 }], [[[3]], { append: 1 }]),
  gradient: cx([[[4]]], [[[3, 4]]], [[[3, 4]], { axis: 1 }]),
  trace: cx([[[3, 3]]], [[[2, 3]], { offset: 1 }], [[[2, 3, 3]], { axis1: 1, axis2: 2 }]),
  all: red(), any: red(), count_nonzero: red(),
  argmax: { configs: REDUCE.filter((c) => !Array.isArray(c.attrs?.axis)) }, argmin: { configs: REDUCE.filter((c) => !Array.isArray(c.attrs?.axis)) },
  'scipy.special.logsumexp': { configs: [...REDUCE, ...cases([[[2, 3]], { axis: 1, b: 0.5 }], [[[3]], { b: 2, keepdims: true }])] },

  // shapes
  reshape: cx([[[]], { shape: [1, 1] }], [[[3]], { shape: [3, 1] }], [[[2, 3]], { shape: [3, 2] }], [[[2, 3]], { shape: [-1] }]),
  transpose: cx([[[3]]], [[[2, 3]]], [[[2, 3]], { axes: [1, 0] }], [[[2, 3, 4]], { axes: [2, 0, 1] }]),
  broadcast_to: { configs: each([[[]], [[3]], [[2, 1]]], [{ shape: [2, 3] }]), complex: true },
  where: {
    configs: each([[[], [], []], [[3], [3], [3]], [[2, 3], [2, 3], [2, 3]], [[2, 3], [3], [2, 3]], [[2, 3], [2, 3], []], [[3], [2, 3], [2, 1]]]),
    dtypes: ['bool'],
    complex: true,
  },
  ravel: unC(), atleast_1d: unC(), atleast_2d: unC(), atleast_3d: unC(),
  expand_dims: cx([[[]], { axis: 0 }], [[[3]], { axis: 0 }], [[[3]], { axis: -1 }], [[[2, 3]], { axis: [0, 2] }]),
  squeeze: cx([[[1]]], [[[1, 3, 1]]], [[[1, 3, 1]], { axis: 0 }], [[[1, 3, 1]], { axis: [0, 2] }]),
  swapaxes: cx([[[2, 3]], { axis1: 0, axis2: 1 }], [[[2, 3, 4]], { axis1: 0, axis2: -1 }]),
  moveaxis: cx([[[2, 3, 4]], { source: 0, destination: -1 }], [[[2, 3, 4]], { source: [0, 1], destination: [2, 0] }]),
  rollaxis: cx([[[2, 3, 4]], { axis: 2, start: 0 }], [[[2, 3, 4]], { axis: 0, start: 2 }]),
  flip: cx([[[3]]], [[[2, 3]], { axis: 1 }], [[[2, 3]], { axis: [0, 1] }]),
  fliplr: cx([[[2, 3]]]), flipud: cx([[[3]]], [[[2, 3]]]),
  rot90: cx([[[2, 3]]], [[[2, 3]], { k: 2 }], [[[2, 3]], { k: -1 }], [[[2, 3, 4]], { k: 1, axes: [1, 2] }]),
  roll: cx([[[3]], { shift: 1 }], [[[2, 3]], { shift: -1, axis: 1 }], [[[2, 3]], { shift: 2 }]),
  repeat: cx([[[]], { repeats: 3 }], [[[3]], { repeats: 2 }], [[[2, 3]], { repeats: 2, axis: 0 }], [[[2, 3]], { repeats: 3 }]),
  tile: cx([[[]], { reps: 3 }], [[[3]], { reps: 2 }], [[[3]], { reps: [2, 2] }], [[[2, 3]], { reps: [2, 1] }]),
  diagonal: cx([[[3, 3]]], [[[3, 3]], { offset: -1 }], [[[2, 3]], { offset: 1 }], [[[2, 3, 4]], { axis1: 0, axis2: 2 }]),
  diag: cx([[[3]]], [[[3]], { k: 1 }], [[[3, 3]]], [[[2, 3]], { k: -1 }]),
  triu: cx([[[3, 3]]], [[[3, 3]], { k: 1 }], [[[2, 3]], { k: -1 }], [[[2, 3, 3]]]),
  tril: cx([[[3, 3]]], [[[3, 3]], { k: 1 }], [[[2, 3]], { k: -1 }], [[[2, 3, 3]]]),
  pad: cx([[[3]], { pad_width: [[1, 2]] }], [[[2, 3]], { pad_width: 1 }], [[[2, 3]], { pad_width: [[0, 1], [2, 0]] }],
    [[[3]], { pad_width: 2, mode: 'edge' }], [[[4]], { pad_width: [2, 3], mode: 'reflect' }], [[[2, 3]], { pad_width: 1, mode: 'wrap' }],
    [[[3]], { pad_width: 2, mode: 'symmetric' }]),
  sort: { configs: cases([[[5]]], [[[2, 3]]], [[[2, 3]], { axis: 0 }], [[[2, 3]], { axis: null }]) },
  partition: { configs: cases([[[5]], { kth: 2 }], [[[2, 4]], { kth: 1 }]) },
  clip: { configs: cases([[[]], { a_min: -0.5, a_max: 0.8 }], [[[3]], { a_min: -0.5, a_max: 0.8 }], [[[2, 3]], { a_min: null, a_max: 1 }], [[[2, 3]], { a_min: 0 }]) },
  full: cx([[[]], { shape: [2, 3] }], [[[3]], { shape: [2, 3] }]),
  linspace: cx([[[], []], { num: 5 }], [[[3], [3]], { num: 4 }], [[[], [2]], { num: 3, endpoint: false }]),
  split: cx([[[6]], { indices_or_sections: 3 }], [[[4, 3]], { indices_or_sections: [1, 3], axis: 0 }], [[[2, 6]], { indices_or_sections: 2, axis: 1 }]),
  array_split: cx([[[5]], { indices_or_sections: 3 }], [[[2, 5]], { indices_or_sections: 2, axis: 1 }]),
  vsplit: cx([[[4, 3]], { indices_or_sections: 2 }]), hsplit: cx([[[4]], { indices_or_sections: 2 }], [[[2, 4]], { indices_or_sections: [1] }]),
  dsplit: cx([[[2, 2, 4]], { indices_or_sections: 2 }]),
  concatenate: cx([[[2, 3], [1, 3], [3, 3]], { axis: 0 }], [[[2, 1], [2, 3]], { axis: 1 }], [[[3], [2]]], [[[2, 2], [3]], { axis: null }]),
  append: cx([[[3], [2]]], [[[2, 3], [1, 3]], { axis: 0 }], [[[2, 3], []]]),
  stack: cx([[[3], [3]]], [[[2, 3], [2, 3], [2, 3]], { axis: 1 }], [[[], []]], [[[3], [3]], { axis: -1 }]),
  array: cx([[[3], [3]]], [[[], [], []]]),
  vstack: cx([[[3], [3]]], [[[2, 3], [1, 3]]], [[[], []]]),
  hstack: cx([[[3], [2]]], [[[2, 3], [2, 1]]], [[[], []]]),
  dstack: cx([[[3], [3]]], [[[2, 3], [2, 3]]]),
  column_stack: cx([[[3], [3]]], [[[3, 2], [3]]]),

  // indexing
  getitem: cx([[[3]], { index: [1] }], [[[3]], { index: [S(1, 3)] }], [[[2, 3]], { index: [1, S(null, null, -1)] }],
    [[[2, 3]], { index: [null, S(null, null), 1] }], [[[2, 3]], { index: ['...', 0] }], [[[2, 3]], { index: ['1:', '::2'] }],
    [[[3]], { index: [int64([0, 2, 2])] }], [[[2, 3]], { index: [mask([1, 0, 1, 1, 0, 0], [2, 3])] }],
    [[[2, 3]], { index: [S(1, null), int64([0, 2])] }], [[[3, 4]], { index: [int64([0, 1, 2, 0]), int64([3, 3, 0, 3])] }], [[[]], { index: [] }]),
  index_add: cx([[[3], []], { index: [1] }], [[[2, 3], [3]], { index: [0] }], [[[3], [3]], { index: [int64([0, 2, 2])] }],
    [[[2, 3], [2, 2]], { index: [S(null, null), S(1, 3)] }]),
  index_update: cx([[[3], []], { index: [1] }], [[[2, 3], [3]], { index: [0] }], [[[3], [3]], { index: [int64([0, 2, 2])] }],
    [[[2, 3], [2, 2]], { index: [S(null, null), S(1, 3)] }]),
  take: cx([[[3]], { indices: [0, 2, 2] }], [[[2, 3]], { indices: [1, 0], axis: 1 }], [[[2, 3]], { indices: [[5, 0], [1, 1]] }]),

  // products
  dot: cx([[[3], [3]]], [[[2, 3], [3]]], [[[3], [3, 2]]], [[[2, 3], [3, 4]]], [[[], [2, 3]]], [[[2, 3, 4], [4, 2]]]),
  matmul: cx([[[3], [3]]], [[[2, 3], [3, 4]]], [[[2, 2, 3], [3, 4]]], [[[3], [3, 2]]], [[[2, 3], [3]]], [[[2, 1, 2, 3], [3, 3, 2]]]),
  tensordot: cx([[[2, 3], [3, 4]], { axes: 1 }], [[[2, 3, 4], [3, 4, 2]], { axes: 2 }], [[[2, 3], [3, 2]], { axes: [[0, 1], [1, 0]] }], [[[2], [3]], { axes: 0 }]),
  inner: cx([[[3], [3]]], [[[2, 3], [4, 3]]], [[[], [2, 3]]]),
  outer: cx([[[3], [2]]], [[[2, 2], [3]]]),
  kron: cx([[[2], [3]]], [[[2, 2], [2, 3]]]),
  vdot: cx([[[3], [3]]], [[[2, 3], [2, 3]]]),
  cross: cx([[[3], [3]]], [[[2, 3], [2, 3]]], [[[2], [2]]], [[[2, 3], [3]]], [[[3, 2], [3, 2]], { axisa: 0, axisb: 0, axisc: 0 }], [[[2, 3], [2, 2]]]),
  einsum: cx([[[2, 3], [3, 4]], { subscripts: 'ij,jk->ik' }], [[[3], [3]], { subscripts: 'i,i->' }], [[[2, 3]], { subscripts: 'ij->ji' }],
    [[[2, 3], [2, 3]], { subscripts: 'ij,ij->i' }], [[[2, 2, 3], [2, 3, 4]], { subscripts: '...ij,...jk->...ik' }],
    [[[2, 3], [3, 4]], { subscripts: 'ij,jk' }], [[[2, 3], [3], [2]], { subscripts: 'ij,j,i->' }]),

  // fft
  'fft.fft': cx([[[4]]], [[[2, 4]], { axis: 0 }], [[[5]], { n: 8 }], [[[4]], { n: 3 }], [[[4]], { norm: 'ortho' }], [[[3]], { norm: 'forward' }]),
  'fft.ifft': cx([[[4]]], [[[2, 4]], { axis: 0 }], [[[5]], { n: 8 }], [[[4]], { n: 3 }], [[[4]], { norm: 'ortho' }], [[[3]], { norm: 'forward' }]),
  'fft.fft2': cx([[[2, 4]]], [[[2, 3, 4]], { axes: [0, 2] }], [[[2, 4]], { s: [3, 3] }], [[[3, 2]], { norm: 'ortho' }]),
  'fft.ifft2': cx([[[2, 4]]], [[[2, 3, 4]], { axes: [0, 2] }], [[[2, 4]], { s: [3, 3] }], [[[3, 2]], { norm: 'ortho' }]),
  'fft.fftn': cx([[[2, 3, 4]]], [[[2, 3, 4]], { axes: [1] }], [[[2, 3]], { s: [4, 2] }], [[[3]], { norm: 'forward' }]),
  'fft.ifftn': cx([[[2, 3, 4]]], [[[2, 3, 4]], { axes: [1] }], [[[2, 3]], { s: [4, 2] }], [[[3]], { norm: 'forward' }]),
  'fft.rfft': { configs: cases([[[4]]], [[[5]]], [[[2, 6]], { axis: 0 }], [[[4]], { n: 6 }], [[[4]], { norm: 'ortho' }], [[[4]], { norm: 'forward' }]) },
  'fft.irfft': cx([[[3]]], [[[2, 3]], { axis: -1 }], [[[3]], { n: 5 }], [[[3, 2]], { axis: 0 }], [[[3]], { norm: 'ortho' }], [[[3]], { norm: 'forward' }]),
  'fft.rfft2': { configs: cases([[[2, 4]]], [[[3, 4, 2]], { axes: [0, 1] }], [[[2, 4]], { s: [2, 6] }], [[[2, 4]], { norm: 'ortho' }]) },
  'fft.irfft2': cx([[[2, 3]]], [[[2, 3, 2]], { axes: [0, 1] }], [[[2, 3]], { s: [2, 5] }], [[[2, 3]], { norm: 'ortho' }]),
  'fft.rfftn': { configs: cases([[[2, 3, 4]]], [[[2, 4]], { axes: [0] }], [[[2, 4]], { s: [3, 4] }]) },
  'fft.irfftn': cx([[[2, 2, 3]]], [[[3, 2]], { axes: [0] }], [[[2, 3]], { s: [3, 4] }]),
  'fft.fftshift': cx([[[4]]], [[[5]]], [[[2, 3]], { axes: 1 }], [[[2, 3]], { axes: [0, 1] }]),
  'fft.ifftshift': cx([[[4]]], [[[5]]], [[[2, 3]], { axes: 1 }], [[[2, 3]], { axes: [0, 1] }]),
  'fft.truncate_pad': cx([[[4]], { shape: [6] }], [[[4]], { shape: [2] }], [[[2, 3]], { shape: [3, 2] }]),

  // linalg
  'linalg.inv': mat(DOMINANT, {}, [[[3, 3]]], [[[2, 2, 2]]]),
  'linalg.det': mat(DOMINANT, {}, [[[3, 3]]], [[[2, 2, 2]]], [[[1, 1]]]),
  'linalg.slogdet': mat(DOMINANT, {}, [[[3, 3]]], [[[2, 2, 2]]]),
  'linalg.solve': { ...cx([[[3, 3], [3]]], [[[3, 3], [3, 2]]], [[[2, 3, 3], [2, 3, 1]]]), domains: [DOMINANT] },
  'linalg.cholesky': mat(SPD, { fn: hermitianInput }, [[[3, 3]]], [[[2, 3, 3]]]),
  'linalg.eigh': mat(R, { fn: eigenGauge }, [[[3, 3]]], [[[2, 3, 3]]], [[[3, 3]], { UPLO: 'U' }]),
  'linalg.eig': mat(SEPARATED, { fn: eigenGauge }, [[[3, 3]]], [[[2, 2, 2]]]),
  // full_matrices only where it changes nothing: U's extra columns are any basis of a complement.
  'linalg.svd': mat(R, { fn: svdGauge }, [[[3, 2]], { full_matrices: false }], [[[2, 3]], { full_matrices: false }], [[[3, 3]]],
    [[[2, 2, 3]], { full_matrices: false }], [[[3, 2]], { compute_uv: false }]),
  'linalg.pinv': cx([[[3, 2]]], [[[2, 3]]], [[[3, 3]]]),
  'linalg.norm': cx([[[]]], [[[3]]], [[[3]], { ord: 1 }], [[[3]], { ord: 3 }], [[[3]], { ord: Infinity }], [[[2, 3]]], [[[2, 3]], { ord: 'fro' }],
    [[[2, 3]], { ord: 'nuc' }], [[[2, 3]], { ord: 2 }], [[[2, 3]], { ord: -2 }], [[[2, 3]], { ord: 1 }], [[[2, 3]], { ord: -Infinity }],
    [[[2, 3]], { axis: 1 }], [[[2, 3, 2]], { axis: [0, 2], ord: 'fro' }]),

  // scipy.linalg
  'scipy.linalg.solve_triangular': { ...cx([[[3, 3], [3]], { lower: true }], [[[3, 3], [3, 2]]], [[[3, 3], [3]], { trans: 'T' }],
    [[[3, 3], [3, 2]], { trans: 'C', lower: true }], [[[3, 3], [3]], { unit_diagonal: true }]), domains: [DOMINANT] },
  'scipy.linalg.solve_banded': { ...cx([[[3, 4], [4]], { l_and_u: [1, 1] }], [[[2, 4], [4, 2]], { l_and_u: [0, 1] }]),
    domains: [matrices((r, i) => (i === 1 ? 4 : 0) + 2 * r() - 1)] }, // row u is the main diagonal
  'scipy.linalg.solve_sylvester': { ...cx([[[3, 3], [2, 2], [3, 2]]], [[[2, 2], [2, 2], [2, 2]]]), domains: [DOMINANT, DOMINANT] },
  'scipy.linalg.sqrtm': mat(DOMINANT, {}, [[[3, 3]]], [[[2, 2]]]),

  // misc: nan_to_num, real_if_close, and functions without gradient
  nan_to_num: unC(), real_if_close: unC(),
  argsort: { configs: cases([[[5]]], [[[2, 3]], { axis: 0 }], [[[2, 3]], { axis: null }]) },
  argpartition: { configs: cases([[[5]], { kth: 2 }], [[[2, 4]], { kth: 1, axis: 0 }]) },
  searchsorted: { configs: cases([[[4], [3]]], [[[4], [2, 2]], { side: 'right' }]) },
  unique: { configs: cases([[[5]]], [[[2, 3]], { return_index: true, return_inverse: true, return_counts: true }]), complex: true },
  nonzero: cx([[[3]]], [[[2, 3]]]), flatnonzero: unC(), argwhere: unC(),
  isclose: binC(), allclose: binC(), array_equal: cx([[[3], [3]]], [[[2, 3], [3]]]), array_equiv: cx([[[3], [3]]], [[[2, 3], [3]]]),
  isposinf: un(), isneginf: un(), iscomplex: unC(), isreal: unC(),

  // scipy.signal
  'scipy.signal.convolve': cx([[[5], [3]]], [[[3], [5]], { mode: 'valid' }], [[[4, 5], [2, 3]], { mode: 'valid' }], [[[3, 3], [2, 2]]],
    [[[3], [5]], { mode: 'same' }], [[[5], [2]], { mode: 'same' }], [[[2, 4], [3, 2]], { axes: [[1], [0]], dot_axes: [[0], [1]] }],
    [[[2, 3], [4, 2, 2]], { axes: [[1], [1]], mode: 'valid' }]),

  // scipy.special (orders and incomplete-function parameters are int64 constants: they are not differentiable)
  'scipy.special.gamma': un([0.3, 4]), 'scipy.special.gammaln': un([0.3, 5]), 'scipy.special.rgamma': un([0.3, 4]),
  'scipy.special.gammasgn': un(), 'scipy.special.digamma': un([0.3, 4]), 'scipy.special.psi': un([0.3, 4]),
  'scipy.special.polygamma': bin([0, 3], [0.5, 3], { dtypes: ['int64'] }),
  'scipy.special.multigammaln': { configs: each(UNARY_SHAPES, [{ d: 1 }, { d: 3 }]), domains: [[1.5, 4]] },
  'scipy.special.beta': bin([0.5, 3], [0.5, 3]), 'scipy.special.betaln': bin([0.5, 3], [0.5, 3]),
  'scipy.special.betainc': { configs: each([[[], [], []], [[3], [3], [3]], [[2, 3], [3], [2, 1]]]), dtypes: ['int64', 'int64'], domains: [[1, 4], [1, 4], [0.1, 0.9]] },
  'scipy.special.gammainc': bin([1, 4], [0.2, 3], { dtypes: ['int64'] }), 'scipy.special.gammaincc': bin([1, 4], [0.2, 3], { dtypes: ['int64'] }),
  'scipy.special.stdtr': bin([1, 6], R, { dtypes: ['int64'] }),
  'scipy.special.xlogy': bin(R, POS), 'scipy.special.xlog1py': bin(R, [-0.5, 2]),
  'scipy.special.erf': un(), 'scipy.special.erfc': un(), 'scipy.special.erfcx': un(),
  'scipy.special.erfinv': un(UNIT), 'scipy.special.erfcinv': un([0.1, 1.9]),
  'scipy.special.ndtr': un(), 'scipy.special.log_ndtr': un([-3, 3]), 'scipy.special.ndtri': un([0.05, 0.95]),
  'scipy.special.expit': un(), 'scipy.special.logit': un([0.1, 0.9]),
  'scipy.special.j0': un([0.5, 5]), 'scipy.special.j1': un([0.5, 5]), 'scipy.special.y0': un([0.5, 5]), 'scipy.special.y1': un([0.5, 5]),
  'scipy.special.jn': bin([0, 4], [0.5, 5], { dtypes: ['int64'] }), 'scipy.special.yn': bin([0, 4], [0.5, 5], { dtypes: ['int64'] }),
  'scipy.special.i0': un(), 'scipy.special.i1': un(),
  'scipy.special.iv': bin([0, 3], R, { dtypes: ['int64'] }), 'scipy.special.ive': bin([0, 3], NONZERO, { dtypes: ['int64'] }),

  // scipy.stats: x, then the parameters, then loc and scale (optional)
  'scipy.stats.norm.pdf': stat([R, R, POS]), 'scipy.stats.norm.logpdf': stat([R, R, POS]),
  'scipy.stats.norm.cdf': stat([R, R, POS]), 'scipy.stats.norm.logcdf': stat([R, R, POS]),
  'scipy.stats.norm.sf': stat([R, R, POS]), 'scipy.stats.norm.logsf': stat([R, R, POS]),
  'scipy.stats.norm.ppf': stat([[0.05, 0.95], R, POS]), 'scipy.stats.norm.isf': stat([[0.05, 0.95], R, POS]),
  'scipy.stats.t.pdf': stat([R, [1, 5], R, POS], 2), 'scipy.stats.t.logpdf': stat([R, [1, 5], R, POS], 2),
  'scipy.stats.t.cdf': stat([R, [1, 6], R, POS], 2, [undefined, 'int64']), 'scipy.stats.t.logcdf': stat([R, [1, 6], R, POS], 2, [undefined, 'int64']),
  'scipy.stats.t.sf': stat([R, [1, 6], R, POS], 2, [undefined, 'int64']), 'scipy.stats.t.logsf': stat([R, [1, 6], R, POS], 2, [undefined, 'int64']),
  'scipy.stats.beta.pdf': stat([[0.2, 0.8], [0.5, 3], [0.5, 3], [-0.05, 0.05], [0.95, 1.05]], 3),
  'scipy.stats.beta.logpdf': stat([[0.2, 0.8], [0.5, 3], [0.5, 3], [-0.05, 0.05], [0.95, 1.05]], 3),
  'scipy.stats.beta.cdf': stat([[0.2, 0.8], [1, 4], [1, 4], [-0.05, 0.05], [0.95, 1.05]], 3, [undefined, 'int64', 'int64']),
  'scipy.stats.gamma.pdf': stat([[0.5, 4], [0.5, 4], [-0.2, 0.2], POS], 2), 'scipy.stats.gamma.logpdf': stat([[0.5, 4], [0.5, 4], [-0.2, 0.2], POS], 2),
  'scipy.stats.gamma.cdf': stat([[0.5, 4], [1, 4], [-0.2, 0.2], POS], 2, [undefined, 'int64']),
  'scipy.stats.chi2.pdf': stat([[0.5, 4], [1, 5], [-0.2, 0.2], POS], 2), 'scipy.stats.chi2.logpdf': stat([[0.5, 4], [1, 5], [-0.2, 0.2], POS], 2),
  'scipy.stats.chi2.cdf': stat([[0.5, 4], [1, 6], [-0.2, 0.2], POS], 2, [undefined, 'int64']),
  'scipy.stats.poisson.pmf': stat([[0, 6], [0.5, 4], [0, 2]], 2, ['int64', undefined, 'int64']),
  'scipy.stats.poisson.logpmf': stat([[0, 6], [0.5, 4], [0, 2]], 2, ['int64', undefined, 'int64']),
  'scipy.stats.poisson.cdf': stat([[0, 6], [0.5, 4], [0, 2]], 2, ['int64', undefined, 'int64']),
  // x is moved within the simplex (normalised), where SciPy accepts it
  'scipy.stats.dirichlet.pdf': { configs: each([[[3], [3]], [[4, 2], [4]]]), domains: [[0.2, 1], [0.5, 3]], fn: simplex },
  'scipy.stats.dirichlet.logpdf': { configs: each([[[3], [3]], [[4, 2], [4]]]), domains: [[0.2, 1], [0.5, 3]], fn: simplex },
  'scipy.stats.multivariate_normal.pdf': { configs: each([[[3], [3], [3, 3]], [[4, 2], [2], [2, 2]], [[2], [2]], [[3]]]), domains: [R, R, SPD] },
  'scipy.stats.multivariate_normal.logpdf': { configs: each([[[3], [3], [3, 3]], [[4, 2], [2], [2, 2]], [[2], [2]], [[3]]]), domains: [R, R, SPD] },
  'scipy.stats.multivariate_normal.entropy': { configs: each([[[2], [2, 2]], [[3], [3, 3]]]), domains: [R, SPD] },
};
