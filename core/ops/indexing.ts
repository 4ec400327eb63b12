// NumPy's x[index] (getitem), its adjoint index_add, and take. Basic indexing (integers, slices, newaxis,
// Ellipsis) is a strided view of x; advanced indexing (integer arrays, boolean masks) gathers into a copy.
// index_add scatter-adds, so the VJP of a repeated index accumulates; each is the other's VJP.
import { Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { allocate, DType, isComplex, resultType, Storage } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, cast } from '../kernels.js';
import { cStrides, NDArray, sizeOf } from '../ndarray.js';
import { Box, unboxAll } from '../tracer.js';
import { normAxis } from './axes.js';
import { zerosLike } from './prims.js';

type Comp =
  | { t: 'int'; i: number }
  | { t: 'slice'; start: number | null; stop: number | null; step: number | null }
  | { t: 'new' } | { t: 'ell' }
  | { t: 'arr'; a: NDArray };

/** A result axis of basic indexing: source `axis` (-1 for a new axis) read from `start` by `step`. */
interface Dim { size: number; axis: number; start: number; step: number }
const ADV = -2; // the Dim standing for the whole block of advanced-index axes

/** x[index] resolved against x's shape, independent of x's strides. */
export interface Plan {
  shape: number[];
  dims: Dim[];
  fixed: [axis: number, i: number][];
  /** Advanced indices broadcast together: per indexed axis (-1: a 0-d boolean), the indices in C order. */
  adv: { axes: number[]; idx: Storage[] } | null;
}

/** A full slice, `:`. */
export const ALL = { slice: [null, null, null] };
/** The index selecting [start, stop) along `axis`. */
export const sliceAlong = (axis: number, start: number, stop: number): unknown[] =>
  [...Array(axis).fill(ALL), { slice: [start, stop, null] }];

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

function component(c: unknown, where: string): Comp {
  if (c === null) return { t: 'new' };
  if (typeof c === 'number') {
    if (!Number.isInteger(c)) fail('BAD_ARGUMENT', `${where}: index ${c} is not an integer`);
    return { t: 'int', i: c };
  }
  if (typeof c === 'string') {
    if (c.trim() === '...') return { t: 'ell' };
    if (/^\s*-?\d+\s*$/.test(c)) return { t: 'int', i: Number(c) };
    const m = SLICE.exec(c);
    if (!m) fail('BAD_ARGUMENT', `${where}: cannot read index '${c}'; expected an integer, a slice such as ':', '1:3' or '::-1', or '...'`);
    return slice([m[1], m[2], m[3]].map((s) => (s === undefined ? null : Number(s))), where);
  }
  if (typeof c === 'boolean') return { t: 'arr', a: NDArray.scalar(+c, 'bool') };
  if (c instanceof NDArray || c instanceof Box) return arrayComp(unboxAll(c), where);
  if (Array.isArray(c)) return arrayComp(nested(c, where), where);
  if (typeof c === 'object' && 'slice' in c && Array.isArray(c.slice) && c.slice.length === 3) return slice(c.slice, where);
  return fail('BAD_ARGUMENT', `${where}: cannot index with ${JSON.stringify(c)}; expected an integer, a slice, null (newaxis), '...', or an integer or boolean array`);
}

function slice([start, stop, step]: unknown[], where: string): Comp {
  for (const v of [start, stop, step])
    if (v !== null && !Number.isInteger(v)) fail('BAD_ARGUMENT', `${where}: slice bounds must be integers or null, got ${JSON.stringify([start, stop, step])}`);
  if (step === 0) fail('BAD_ARGUMENT', `${where}: slice step cannot be zero`);
  return { t: 'slice', start: start as number | null, stop: stop as number | null, step: step as number | null };
}

function arrayComp(a: NDArray, where: string): Comp {
  if (a.dtype !== 'int64' && a.dtype !== 'int32' && a.dtype !== 'bool')
    fail('BAD_ARGUMENT', `${where}: arrays used as indices must be of integer or boolean type, got ${a.dtype}`);
  return a.ndim === 0 && a.dtype !== 'bool' ? { t: 'int', i: a.flatGet(0) } : { t: 'arr', a };
}

/** Nested JS arrays of integers or of booleans as an index array. */
function nested(c: unknown[], where: string): NDArray {
  const shape: number[] = [];
  for (let v: unknown = c; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat = (c as unknown[]).flat(Infinity);
  if (flat.length !== sizeOf(shape)) fail('SHAPE_MISMATCH', `${where}: the nested index list is ragged; expected shape ${fmtShape(shape)}`);
  if (flat.length && flat.every((v) => typeof v === 'boolean')) return NDArray.fromData(flat.map(Number), shape, 'bool');
  if (!flat.every(Number.isInteger)) fail('BAD_ARGUMENT', `${where}: an index list must hold only integers or only booleans, got ${JSON.stringify(c).slice(0, 60)}`);
  return NDArray.fromData(flat as number[], shape, 'int64');
}

/** Python's slice.indices: the first index, the count and the step along an axis of size n. */
export function sliceRange(start: number | null, stop: number | null, step: number | null, n: number): [number, number, number] {
  const s = step ?? 1;
  const clamp = (v: number | null, dflt: number) => {
    if (v === null) return dflt;
    if (v < 0) return Math.max(v + n, s < 0 ? -1 : 0);
    return Math.min(v, s < 0 ? n - 1 : n);
  };
  const a = clamp(start, s < 0 ? n - 1 : 0), b = clamp(stop, s < 0 ? -1 : n);
  return [a, s < 0 ? (b < a ? Math.floor((a - b - 1) / -s) + 1 : 0) : (a < b ? Math.floor((b - a - 1) / s) + 1 : 0), s];
}

function checked(i: number, n: number, axis: number, where: string): number {
  if (i < -n || i >= n) fail('INDEX_OUT_OF_RANGE', `${where}: index ${i} is out of bounds for axis ${axis} with size ${n}`);
  return i < 0 ? i + n : i;
}

/** An index array's values in C order, checked against an axis of size n, negatives counted from the end. */
function checkedAll(a: NDArray, n: number, axis: number, where: string): Float64Array {
  const v = a.values(), out = new Float64Array(v.length);
  for (let k = 0; k < v.length; k++) out[k] = checked(v[k], n, axis, where);
  return out;
}

/** Resolves a NumPy index against a shape (NumPy's rules, including where advanced-index axes go). */
export function planIndex(shape: readonly number[], index: unknown, where: string): Plan {
  const comps = (Array.isArray(index) ? index : [index]).map((c) => component(c, where));
  const width = (c: Comp) => (c.t === 'int' || c.t === 'slice' ? 1 : c.t === 'arr' ? (c.a.dtype === 'bool' ? c.a.ndim : 1) : 0);
  const used = comps.reduce((n, c) => n + width(c), 0);
  if (used > shape.length) fail('INDEX_OUT_OF_RANGE', `${where}: too many indices for an array of shape ${fmtShape(shape)}: ${used} indexed dimensions`);
  if (comps.filter((c) => c.t === 'ell').length > 1) fail('BAD_ARGUMENT', `${where}: an index can only have a single ellipsis ('...')`);
  const hasAdv = comps.some((c) => c.t === 'arr');
  const dims: Dim[] = [], fixed: [number, number][] = [], axes: number[] = [], arrays: NDArray[] = [];
  // NumPy keeps the advanced axes in place when the advanced indices (integers count) are adjacent, else puts them first.
  let d = 0, at = -1, run = 0;
  const full = () => { dims.push({ size: shape[d], axis: d, start: 0, step: 1 }); d++; };
  const advIndex = (axis: number, a: NDArray) => { axes.push(axis); arrays.push(a); };
  for (const c of comps) {
    const adv = c.t === 'arr' || (c.t === 'int' && hasAdv);
    if (adv) { if (run === 0) { at = dims.length; run = 1; } else if (run === 2) run = 3; } else if (run === 1) run = 2;
    if (c.t === 'ell') for (let k = shape.length - used; k > 0; k--) full();
    else if (c.t === 'new') dims.push({ size: 1, axis: -1, start: 0, step: 0 });
    else if (c.t === 'slice') { const [start, size, step] = sliceRange(c.start, c.stop, c.step, shape[d]); dims.push({ size, axis: d++, start, step }); }
    else if (c.t === 'int') { const i = checked(c.i, shape[d], d, where); if (hasAdv) advIndex(d, NDArray.scalar(i, 'int64')); else fixed.push([d, i]); d++; }
    else if (c.a.dtype === 'bool') {
      const m = c.a, sub = shape.slice(d, d + m.ndim);
      m.shape.forEach((k, j) => {
        if (k !== sub[j]) fail('INDEX_OUT_OF_RANGE', `${where}: boolean index did not match the indexed array along axis ${d + j}; the axis has size ${sub[j]} but the boolean index has size ${k}`);
      });
      const hits: number[][] = m.shape.map(() => []), v = m.values();
      for (let k = 0; k < m.size; k++) if (v[k]) { let r = k; for (let j = m.ndim - 1; j >= 0; j--) { hits[j].push(r % m.shape[j]); r = Math.floor(r / m.shape[j]); } }
      if (m.ndim === 0) advIndex(-1, NDArray.fromData(v[0] ? [0] : [], [v[0] ? 1 : 0], 'int64'));
      hits.forEach((h, j) => advIndex(d + j, NDArray.fromData(h, [h.length], 'int64')));
      d += m.ndim;
    } else {
      const n = shape[d], axis = d++;
      advIndex(axis, new NDArray(checkedAll(c.a, n, axis, where), c.a.shape, 'int64'));
    }
  }
  while (d < shape.length) full();
  if (!hasAdv) return { shape: dims.map((m) => m.size), dims, fixed, adv: null };
  const advShape = broadcastShapes(where, ...arrays.map((a) => a.shape));
  if (run === 3) at = 0;
  dims.splice(at, 0, { size: sizeOf(advShape), axis: ADV, start: 0, step: 0 });
  const idx = arrays.map((a) => new NDArray(a.data, advShape, 'int64', broadcastStrides(a, advShape), a.offset).values());
  const shapeOut = dims.flatMap((m) => (m.axis === ADV ? [...advShape] : [m.size]));
  return { shape: shapeOut, dims, fixed, adv: { axes, idx } };
}

/** Storage positions of a strided walk in C order; dimension `at` steps through `table` instead of a stride. */
function walk(sizes: readonly number[], strides: readonly number[], base: number, at = -1, table?: ArrayLike<number>): Float64Array {
  const n = sizeOf(sizes), last = sizes.length - 1, out = new Float64Array(n), idx = new Array<number>(sizes.length).fill(0);
  const inner = last < 0 ? 1 : sizes[last], s = last < 0 ? 0 : strides[last];
  for (let k = 0; k < n; k += inner) {
    let p = base;
    for (let j = 0; j < last; j++) p += j === at ? table![idx[j]] : idx[j] * strides[j];
    if (last >= 0 && last === at) for (let i = 0; i < inner; i++) out[k + i] = p + table![i];
    else for (let i = 0; i < inner; i++) out[k + i] = p + i * s;
    for (let j = last - 1; j >= 0 && ++idx[j] === sizes[j]; j--) idx[j] = 0;
  }
  return out;
}

/** The plan over storage with the given strides: a view (at < 0) or a walk with a table for the advanced block. */
function locate(p: Plan, strides: readonly number[], offset: number) {
  let base = offset;
  for (const [axis, i] of p.fixed) base += i * strides[axis];
  const st = p.dims.map((m) => {
    if (m.axis < 0) return 0;
    base += m.start * strides[m.axis];
    return m.step * strides[m.axis];
  });
  const at = p.dims.findIndex((m) => m.axis === ADV);
  let table: Float64Array | undefined;
  if (p.adv) {
    const { axes, idx } = p.adv;
    table = new Float64Array(idx[0].length);
    axes.forEach((axis, k) => { if (axis >= 0) for (let j = 0; j < table!.length; j++) table![j] += idx[k][j] * strides[axis]; });
  }
  return { sizes: p.dims.map((m) => m.size), strides: st, base, at, table };
}

/** x[plan]: a view for basic indexing, a gathered copy for advanced indexing. */
export function gather(x: NDArray, p: Plan): NDArray {
  const l = locate(p, x.strides, x.offset);
  if (l.at < 0) return new NDArray(x.data, p.shape, x.dtype, l.strides, l.base);
  const pos = walk(l.sizes, l.strides, l.base, l.at, l.table), out = allocate(x.dtype, pos.length), d = x.data;
  if (isComplex(x.dtype)) for (let k = 0; k < pos.length; k++) { out[2 * k] = d[2 * pos[k]]; out[2 * k + 1] = d[2 * pos[k] + 1]; }
  else for (let k = 0; k < pos.length; k++) out[k] = d[pos[k]];
  return new NDArray(out, p.shape, x.dtype);
}

/** data[pos[k]] = v[k] (or += with `add`), in elements of `dtype`. */
function scatter(data: Storage, dtype: DType, pos: Float64Array, v: Storage, add: boolean): void {
  if (isComplex(dtype)) for (let k = 0; k < pos.length; k++) {
    const p = 2 * pos[k];
    if (add) { data[p] += v[2 * k]; data[p + 1] += v[2 * k + 1]; } else { data[p] = v[2 * k]; data[p + 1] = v[2 * k + 1]; }
  }
  else if (add) for (let k = 0; k < pos.length; k++) data[pos[k]] += v[k];
  else for (let k = 0; k < pos.length; k++) data[pos[k]] = v[k];
}

/** Storage indices of x[plan]'s elements in C order, for an x laid out with `strides` from `offset`. */
export function positions(p: Plan, strides: readonly number[], offset: number): Float64Array {
  const l = locate(p, strides, offset);
  return walk(l.sizes, l.strides, l.base, l.at, l.table);
}

/** data[pos[k]] = v[k]: assignment through positions from `positions`. */
export const assign = (data: Storage, dtype: DType, pos: Float64Array, v: Storage) => scatter(data, dtype, pos, v, false);

/** Writes C-ordered values `v` (of the view's dtype) into a strided view of a fresh buffer. */
export const put = (view: NDArray, v: Storage) => view.isContiguous
  ? view.data.set(v, view.offset * (isComplex(view.dtype) ? 2 : 1))
  : scatter(view.data, view.dtype, walk(view.shape, view.strides, view.offset), v, false);

type Planned = Meta & { plan: Plan };
const planned = (x: Meta, index: unknown, where: string): Planned => {
  const plan = planIndex(x.shape, index, where);
  return { shape: plan.shape, dtype: x.dtype, plan };
};

export const getitem = (x: Value, index: unknown) => callOp('getitem', [x], { index }) as Value;
/** A copy of x with `values` added at x[index] (repeated positions accumulate): JAX's x.at[index].add(values). */
export const indexAdd = (x: Value, values: Value, index: unknown) => callOp('index_add', [x, values], { index }) as Value;

/**
 * An op that is x[index] for an index computed from x's shape and the attributes: getitem's rules apply.
 * With `flat0d`, a 0-d x is taken as the 1-d array [x], as np.take and np.repeat do.
 */
export const gathered = (name: string, attrs: string[], index: (shape: readonly number[], a: Attrs) => unknown, flat0d = false): OpDef => {
  const lift = <T extends Meta>(x: T, as1d: (x: T) => T) => (flat0d && x.shape.length === 0 ? as1d(x) : x);
  const meta = (x: Meta) => lift(x, (m) => ({ shape: [1], dtype: m.dtype }));
  return {
    name, arity: 1, attrs, linear: true,
    infer: ([x], a) => planned(meta(x), index(meta(x).shape, a), name),
    forward: ([x], _a, out: Planned) => gather(lift(x, (v) => new NDArray(v.data, [1], v.dtype, [1], v.offset)), out.plan),
    vjp: (g, _ans, [x], a) => indexAdd(zerosLike(meta(x)), g, index(meta(x).shape, a)),
  };
};

/** Integer index arrays, one per axis, that broadcast against each other as an open grid (NumPy's ix_). */
export const ix = (maps: ArrayLike<number>[]): NDArray[] =>
  maps.map((m, d) => NDArray.fromData(m, maps.map((_, e) => (e === d ? m.length : 1)), 'int64'));

/** The index of np.take(x, indices, axis); axis null indexes the flattened array. */
export function takeIndex(shape: readonly number[], indices: unknown, axis: unknown, where: string): unknown[] {
  if (axis !== null && axis !== undefined) return [...Array(normAxis(axis, shape.length, where)).fill(ALL), indices];
  const c = component(indices, where), n = sizeOf(shape);
  const a = c.t === 'int' ? NDArray.scalar(c.i, 'int64') : c.t === 'arr' && c.a.dtype !== 'bool' ? c.a : fail('BAD_ARGUMENT', `${where}: indices must be integers`);
  const flat = checkedAll(a, n, 0, where);
  // x.flat[i] is x[unravel_index(i)].
  return shape.map((m, d) => {
    const inner = sizeOf(shape.slice(d + 1)), out = new Float64Array(flat.length);
    for (let k = 0; k < flat.length; k++) out[k] = Math.floor(flat[k] / inner) % m;
    return new NDArray(out, a.shape, 'int64');
  });
}

/** The op writing `values` into a copy of x at x[index], adding (`add`) or assigning. */
const scatterInto = (name: string, add: boolean): Pick<OpDef, 'name' | 'arity' | 'attrs' | 'linear' | 'infer' | 'forward'> => ({
  name, arity: 2, attrs: ['index'], linear: true,
  infer: ([x, v], { index }) => {
    const plan = planIndex(x.shape, index, name);
    const b = broadcastShapes(name, v.shape, plan.shape);
    if (b.length !== plan.shape.length || b.some((k, i) => k !== plan.shape[i]))
      fail('SHAPE_MISMATCH', `${name}: values of shape ${fmtShape(v.shape)} do not fit x[index] of shape ${fmtShape(plan.shape)}`);
    return { shape: x.shape, dtype: resultType(x, v), plan } as Planned;
  },
  forward: ([x, v], _a, out: Planned) => {
    const data = allocate(out.dtype, x.size);
    data.set(cast(x, out.dtype).values());
    const vb = new NDArray(v.data, out.plan.shape, v.dtype, broadcastStrides(v, out.plan.shape), v.offset);
    scatter(data, out.dtype, positions(out.plan, cStrides(x.shape), 0), cast(vb, out.dtype).values(), add);
    return new NDArray(data, x.shape, out.dtype);
  },
});

/** True at the elements of x[index] whose write is the last to its position (the ones an assignment keeps). */
function lastWrites(shape: readonly number[], index: unknown): NDArray {
  const plan = planIndex(shape, index, 'index_update');
  const pos = positions(plan, cStrides(shape), 0), last = new Map<number, number>();
  pos.forEach((p, k) => last.set(p, k));
  return NDArray.fromData(Array.from(pos, (p, k) => +(last.get(p) === k)), plan.shape, 'bool');
}

defop(
  {
    ...gathered('getitem', ['index'], (_s, { index }) => index),
    npStyle: (call) => (x: unknown, index: unknown) => call([x], { index }),
    doc: "x[index]: index is a list of integers, slices ({slice: [start, stop, step]} or strings like '1:3', '::-1'), null (newaxis), '...', and integer or boolean arrays",
  },
  {
    ...scatterInto('index_add', true),
    vjp: [(g) => g, (g, _ans, _args, { index }) => getitem(g, index)],
    doc: "x with values added at x[index]; repeated positions accumulate (the adjoint of getitem)",
  },
  {
    ...scatterInto('index_update', false),
    vjp: [
      (g, _ans, _args, { index }) => callOp('index_update', [g, 0], { index }) as Value,
      (g, _ans, [x], { index }) => callOp('where', [lastWrites(x.shape, index), getitem(g, index), 0]) as Value,
    ],
    doc: "x with x[index] set to values (JAX's x.at[index].set(values)); where a position repeats, the last write wins",
  },
  gathered('take', ['indices', 'axis'], (shape, { indices, axis }) => takeIndex(shape, indices, axis, 'take'), true),
);
