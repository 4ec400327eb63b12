// NumPy functions outside the big families: nan_to_num and real_if_close (differentiable), and the functions that
// autograd declares without gradient (argsort, nonzero, isclose, searchsorted, unique, …): traced inputs pass through.
import { Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { DType, isComplex } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, map1, mapC1, strided2 } from '../kernels.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { sameShape } from '../tracer.js';
import { intList, normAxis } from './axes.js';
import { where } from './prims.js';
import { argsortAlong } from './shape.js';

/** A value-dependent op's argument as the concrete array it must be: a traced graph knows only shapes and dtypes. */
function concrete(x: Meta, name: string): NDArray {
  if (!(x instanceof NDArray))
    fail('NOT_IMPLEMENTED', `${name}: the result's shape or dtype depends on the values, so ${name} has no static rule for a traced graph; it works on arrays`);
  return x;
}

const flat = (x: NDArray) => new NDArray(x.values(), [x.size], x.dtype);
const isNaNPair = (re: number, im: number) => Number.isNaN(re) || Number.isNaN(im);
/** NumPy's sort order: by real part, then imaginary part, NaN last. */
const order1 = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);
const order = (ar: number, ai: number, br: number, bi: number) => order1(ar, br) || order1(ai, bi);
/** Element i of storage v as (re, im). */
const pair = (v: ArrayLike<number>, i: number, cx: boolean): [number, number] => (cx ? [v[2 * i], v[2 * i + 1]] : [v[i], 0]);

// ---- nan_to_num, real_if_close ------------------------------------------------------------------------------

function replacement({ nan = 0, posinf = null, neginf = null }: Attrs, dtype: DType): (v: number) => number {
  for (const [k, v] of Object.entries({ nan, posinf, neginf }))
    if (typeof v !== 'number' && (k === 'nan' || v !== null)) fail('BAD_ATTRIBUTE', `nan_to_num: ${k} must be a number${k === 'nan' ? '' : ' or null'}, got ${JSON.stringify(v)}`);
  const big = dtype === 'float32' ? 3.4028234663852886e38 : Number.MAX_VALUE;
  return (v) => (Number.isNaN(v) ? nan : v === Infinity ? posinf ?? big : v === -Infinity ? neginf ?? -big : v);
}

/** NumPy's test: every |imag| < tol, where a tol above 1 counts machine epsilons. */
function closeToReal(x: NDArray, tol: number): boolean {
  const t = tol > 1 ? tol * Number.EPSILON : tol, v = x.values();
  for (let i = 1; i < v.length; i += 2) if (!(Math.abs(v[i]) < t)) return false;
  return true;
}

const finite = (x: Value) => callOp('isfinite', [x]) as Value;

defop(
  {
    name: 'nan_to_num', arity: 1, attrs: ['copy', 'nan', 'posinf', 'neginf'],
    infer: ([x], a) => { replacement(a, x.dtype); return { shape: x.shape, dtype: x.dtype }; },
    forward: ([x], a) => {
      const f = replacement(a, x.dtype);
      return isComplex(x.dtype) ? mapC1(x, x.dtype, (re, im, o) => { o[0] = f(re); o[1] = f(im); }) : map1(x, x.dtype, f);
    },
    vjp: (g, _ans, [x]) => where(finite(x), g, 0),
    jvp: (t, _ans, [x]) => where(finite(x), t, 0),
    doc: "NaN → nan, ±inf → posinf / neginf (default: the dtype's largest finite values); the gradient is 0 at non-finite inputs. The result is always a new array (copy is accepted)",
  },
  {
    name: 'real_if_close', arity: 1, attrs: ['tol'], valueDependent: true,
    infer: ([x], { tol = 100 }) => {
      if (typeof tol !== 'number') fail('BAD_ATTRIBUTE', `real_if_close: tol must be a number, got ${JSON.stringify(tol)}`);
      return { shape: x.shape, dtype: isComplex(x.dtype) && closeToReal(concrete(x, 'real_if_close'), tol) ? 'float64' : x.dtype };
    },
    forward: ([x], _a, out: Meta) => (out.dtype === x.dtype ? x : callOp('real', [x]) as NDArray),
    // autograd's match_complex: the driver takes the real part of a tangent for a real result and makes a
    // cotangent complex for a complex input.
    vjp: (g) => g,
    jvp: (t) => t,
    doc: 'complex input whose imaginary parts are all below tol (in machine epsilons when tol > 1) becomes its real part',
  },
);

// ---- Without gradient: sorting and searching ------------------------------------------------------------------

/** The axis of argsort: null flattens, and a 0-d array counts as 1-d (NumPy). */
const sortAxis = (x: Meta, { axis = -1 }: Attrs, name: string) => (axis === null || !x.shape.length ? null : normAxis(axis, x.shape.length, name));

const argsorting = (name: string, attrs: string[], check: (n: number, a: Attrs) => void = () => {}): OpDef => ({
  name, arity: 1, attrs, nondiff: true,
  infer: ([x], a) => {
    const d = sortAxis(x, a, name);
    check(d === null ? sizeOf(x.shape) : x.shape[d], a);
    return { shape: d === null ? [sizeOf(x.shape)] : x.shape, dtype: 'int64' };
  },
  forward: ([x], a, out: Meta) => {
    const d = sortAxis(x, a, name);
    return new NDArray(argsortAlong(d === null ? flat(x) : x, d ?? 0), out.shape, 'int64');
  },
});

/** The permutation `sorter` of searchsorted, checked against an array of n elements. */
function sorterOf(sorter: unknown, n: number): ArrayLike<number> {
  const s = sorter instanceof NDArray ? (sorter.dtype === 'int64' || sorter.dtype === 'int32' ? sorter.values() : []) : intList(sorter, 'searchsorted', 'sorter');
  if (s.length !== n || Array.prototype.some.call(s, (i: number) => i < 0 || i >= n))
    fail('BAD_ATTRIBUTE', `searchsorted: sorter must hold ${n} integer indices into a (a permutation that sorts it)`);
  return s;
}

/** How many elements of the sorted a come before v: those < v ('left') or ≤ v ('right'), in NumPy's order. */
function searchKernel(a: NDArray, v: NDArray, right: boolean, sorter: ArrayLike<number> | null): NDArray {
  const av = a.values(), vv = v.values(), ca = isComplex(a.dtype), cv = isComplex(v.dtype), n = a.size, out = new Float64Array(v.size);
  for (let k = 0; k < v.size; k++) {
    const [re, im] = pair(vv, k, cv);
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1, [br, bi] = pair(av, sorter ? sorter[mid] : mid, ca), c = order(br, bi, re, im);
      if (c < 0 || (right && c === 0)) lo = mid + 1; else hi = mid;
    }
    out[k] = lo;
  }
  return new NDArray(out, v.shape, 'int64');
}

/** unique's groups of equal values: for each, the first position (C order) and the count; each element's group. */
function uniqueGroups(x: NDArray, equalNan: boolean) {
  const pos = argsortAlong(flat(x), 0), v = x.values(), cx = isComplex(x.dtype);
  const first: number[] = [], counts: number[] = [], inverse = new Float64Array(x.size);
  for (let k = 0; k < pos.length; k++) {
    const [re, im] = pair(v, pos[k], cx), prev = k ? pair(v, pos[k - 1], cx) : null;
    const same = prev && ((prev[0] === re && prev[1] === im) || (equalNan && isNaNPair(re, im) && isNaNPair(prev[0], prev[1])));
    if (same) counts[counts.length - 1]++; else { first.push(pos[k]); counts.push(1); }
    inverse[pos[k]] = first.length - 1;
  }
  return { first, counts, inverse };
}

const UNIQUE_FLAGS = ['return_index', 'return_inverse', 'return_counts'] as const;

defop(
  argsorting('argsort', ['axis', 'kind']),
  argsorting('argpartition', ['kth', 'axis', 'kind'], (n, { kth }) => {
    for (const k of intList(kth, 'argpartition', 'kth')) if (k < -n || k >= n) fail('INDEX_OUT_OF_RANGE', `argpartition: kth ${k} is out of bounds for an axis of size ${n}`);
  }),
  {
    name: 'searchsorted', arity: 2, attrs: ['side', 'sorter'], nondiff: true,
    infer: ([a, v], { side = 'left', sorter = null }) => {
      if (a.shape.length !== 1) fail('SHAPE_MISMATCH', `searchsorted: a must be 1-d, got shape ${fmtShape(a.shape)}`);
      if (side !== 'left' && side !== 'right') fail('BAD_ATTRIBUTE', `searchsorted: side must be 'left' or 'right', got ${JSON.stringify(side)}`);
      if (sorter !== null) sorterOf(sorter, a.shape[0]);
      return { shape: v.shape, dtype: 'int64' };
    },
    forward: ([a, v], { side = 'left', sorter = null }) => searchKernel(a, v, side === 'right', sorter === null ? null : sorterOf(sorter, a.size)),
  },
  {
    name: 'unique', arity: 1, attrs: [...UNIQUE_FLAGS, 'equal_nan'], nondiff: true, valueDependent: true,
    infer: ([x], a) => {
      const k = uniqueGroups(concrete(x, 'unique'), a.equal_nan ?? true).first.length;
      const metas: Meta[] = [{ shape: [k], dtype: x.dtype }];
      for (const f of UNIQUE_FLAGS) if (a[f]) metas.push({ shape: f === 'return_inverse' ? x.shape : [k], dtype: 'int64' });
      return metas.length === 1 ? metas[0] : metas;
    },
    forward: ([x], a) => {
      const { first, counts, inverse } = uniqueGroups(x, a.equal_nan ?? true);
      const values = callOp('take', [x], { indices: NDArray.fromData(first, [first.length], 'int64') }) as NDArray;
      const extra = { return_index: NDArray.fromData(first, [first.length], 'int64'), return_inverse: new NDArray(inverse, x.shape, 'int64'), return_counts: NDArray.fromData(counts, [counts.length], 'int64') };
      const outs = [values, ...UNIQUE_FLAGS.filter((f) => a[f]).map((f) => extra[f])];
      return outs.length === 1 ? values : outs;
    },
    doc: 'the sorted distinct values of the flattened array, then the arrays the return_* flags ask for (a list); NaNs count as one value unless equal_nan is false',
  },
);

// ---- Without gradient: where the non-zeros are -------------------------------------------------------------------

/** Flat C-order positions of the non-zero elements (NaN counts as non-zero). */
function hits(x: NDArray): number[] {
  const v = x.values(), cx = isComplex(x.dtype), out: number[] = [];
  for (let i = 0; i < x.size; i++) if (cx ? v[2 * i] !== 0 || v[2 * i + 1] !== 0 : v[i] !== 0) out.push(i);
  return out;
}
/** The index along axis d of each flat position. */
const along = (pos: number[], shape: readonly number[], d: number) => {
  const inner = sizeOf(shape.slice(d + 1));
  return pos.map((p) => Math.floor(p / inner) % shape[d]);
};

defop(
  {
    name: 'nonzero', arity: 1, nondiff: true, multi: true, valueDependent: true,
    infer: ([x]) => {
      if (!x.shape.length) fail('SHAPE_MISMATCH', 'nonzero: a 0-d array has no axes to index (NumPy refuses it too); use atleast_1d first');
      const n = hits(concrete(x, 'nonzero')).length;
      return x.shape.map(() => ({ shape: [n], dtype: 'int64' }));
    },
    forward: ([x]) => { const p = hits(x); return x.shape.map((_, d) => NDArray.fromData(along(p, x.shape, d), [p.length], 'int64')); },
  },
  {
    name: 'flatnonzero', arity: 1, nondiff: true, valueDependent: true,
    infer: ([x]) => ({ shape: [hits(concrete(x, 'flatnonzero')).length], dtype: 'int64' }),
    forward: ([x], _a, out: Meta) => NDArray.fromData(hits(x), out.shape, 'int64'),
  },
  {
    name: 'argwhere', arity: 1, nondiff: true, valueDependent: true,
    infer: ([x]) => ({ shape: [hits(concrete(x, 'argwhere')).length, x.shape.length], dtype: 'int64' }),
    forward: ([x], _a, out: Meta) => {
      const p = hits(x), cols = x.shape.map((_, d) => along(p, x.shape, d));
      return NDArray.fromData(p.flatMap((_, k) => cols.map((c) => c[k])), out.shape, 'int64');
    },
  },
);

// ---- Without gradient: comparisons of whole arrays and elementwise tests ---------------------------------------

type Near = (ar: number, ai: number, br: number, bi: number) => boolean;

/** NumPy's isclose on (re, im) pairs: a = b, or |a − b| ≤ atol + rtol·|b| for a finite b, or both NaN with equal_nan. */
function nearness({ rtol = 1e-5, atol = 1e-8, equal_nan = false }: Attrs, name: string): Near {
  if (typeof rtol !== 'number' || typeof atol !== 'number') fail('BAD_ATTRIBUTE', `${name}: rtol and atol must be numbers, got ${JSON.stringify({ rtol, atol })}`);
  return (ar, ai, br, bi) => (ar === br && ai === bi)
    || (Number.isFinite(br) && Number.isFinite(bi) && Math.hypot(ar - br, ai - bi) <= atol + rtol * Math.hypot(br, bi))
    || (!!equal_nan && isNaNPair(ar, ai) && isNaNPair(br, bi));
}

/** f on the broadcast pairs of a and b, as a bool array of `shape`. */
function pairwise(a: NDArray, b: NDArray, shape: readonly number[], f: Near): NDArray {
  const out = new Uint8Array(sizeOf(shape)), ca = isComplex(a.dtype), cb = isComplex(b.dtype), ad = a.data, bd = b.data;
  strided2(a, b, shape, (k, i, j) => { out[k] = +f(...pair(ad, i, ca), ...pair(bd, j, cb)); });
  return new NDArray(out, shape, 'bool');
}

const broadcastable = (s: readonly number[], t: readonly number[]) => {
  for (let i = 1; i <= Math.min(s.length, t.length); i++) {
    const p = s[s.length - i], q = t[t.length - i];
    if (p !== q && p !== 1 && q !== 1) return false;
  }
  return true;
};

const verdict = (ok: boolean) => NDArray.scalar(+ok, 'bool');
const allOf = (m: NDArray) => m.data.every((v) => v !== 0);

/** An op on two arrays whose answer is one bool (allclose, array_equal, array_equiv). */
const whole = (name: string, attrs: string[], f: (a: NDArray, b: NDArray, attrs: Attrs) => boolean): OpDef => ({
  name, arity: 2, attrs, nondiff: true,
  infer: (_args, a) => { nearness(a, name); return { shape: [], dtype: 'bool' }; },
  forward: ([a, b], attrs) => verdict(f(a, b, attrs)),
});

/** An elementwise test giving bools; `real` ones refuse complex input, as NumPy's isposinf does. */
const test = (name: string, f: (re: number, im: number) => boolean, real = false): OpDef => ({
  name, arity: 1, nondiff: true,
  infer: ([x]) => {
    if (real && isComplex(x.dtype)) fail('DTYPE_MISMATCH', `${name} is not defined for complex128 input (shape ${fmtShape(x.shape)})`);
    return { shape: x.shape, dtype: 'bool' };
  },
  forward: ([x]) => mapC1(x, 'bool', (re, im, o) => { o[0] = +f(re, im); }),
});

defop(
  {
    name: 'isclose', arity: 2, attrs: ['rtol', 'atol', 'equal_nan'], nondiff: true,
    infer: ([a, b], attrs) => { nearness(attrs, 'isclose'); return { shape: broadcastShapes('isclose', a.shape, b.shape), dtype: 'bool' }; },
    forward: ([a, b], attrs, out: Meta) => pairwise(a, b, out.shape, nearness(attrs, 'isclose')),
  },
  whole('allclose', ['rtol', 'atol', 'equal_nan'], (a, b, attrs) => allOf(pairwise(a, b, broadcastShapes('allclose', a.shape, b.shape), nearness(attrs, 'allclose')))),
  whole('array_equal', ['equal_nan'], (a, b, { equal_nan }) =>
    sameShape(a.shape, b.shape) && allOf(pairwise(a, b, a.shape, nearness({ rtol: 0, atol: 0, equal_nan }, 'array_equal')))),
  whole('array_equiv', [], (a, b) => broadcastable(a.shape, b.shape) && allOf(pairwise(a, b, broadcastShapes('array_equiv', a.shape, b.shape), nearness({ rtol: 0, atol: 0 }, 'array_equiv')))),
  test('isposinf', (re) => re === Infinity, true),
  test('isneginf', (re) => re === -Infinity, true),
  test('iscomplex', (_re, im) => im !== 0),
  test('isreal', (_re, im) => im === 0),
);
