// Shape ops: views where the layout allows (reshape of contiguous data, transposes, flips, diagonals, splits),
// copies otherwise. Nearly all are linear: the VJP undoes the layout (reshape back, transpose back, slice,
// concatenate), or, for ops that gather (roll, repeat, sort, pad by reflection), scatter-adds through index_add.
import { Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { allocate, checkDType, DType, floatDtype, isComplex, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, cast, output, selectNative, strided2 } from '../kernels.js';
import { checkShape, cStrides, NDArray, sizeOf } from '../ndarray.js';
import { nativeKernels } from '../native.js';
import { unboxAll } from '../tracer.js';
import { batchAxes, withBatch, intList, normAxes, normAxis } from './axes.js';
import { ALL, gather, gathered, getitem, indexAdd, ix, planIndex, put, sliceAlong, sliceRange, takeIndex } from './indexing.js';
import { add, astype, broadcastTo, div, greater, less, mul, reshape, sub, sum, transpose, where, zerosLike } from './prims.js';

function resolveShape(x: Meta, shape: unknown): number[] {
  const s = intList(shape, 'reshape', 'shape');
  const free = s.filter((d) => d === -1).length;
  if (free > 1 || s.some((d) => d < -1)) fail('BAD_ATTRIBUTE', `reshape: shape ${JSON.stringify(s)} may hold at most one -1 and no other negative sizes`);
  const known = sizeOf(s.filter((d) => d !== -1));
  const n = sizeOf(x.shape);
  const out = s.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d));
  if (sizeOf(out) !== n || !out.every(Number.isInteger))
    fail('SHAPE_MISMATCH', `reshape: cannot reshape an array of shape ${fmtShape(x.shape)} (${n} elements) into shape ${JSON.stringify(s)}`);
  return checkShape(out, 'reshape');
}

const invPerm = (p: number[]) => { const q = new Array<number>(p.length); p.forEach((a, i) => { q[a] = i; }); return q; };

function permutation(axes: unknown, ndim: number): number[] {
  if (axes === null || axes === undefined) return [...Array(ndim).keys()].reverse();
  const p = intList(axes, 'transpose', 'axes').map((a) => normAxis(a, ndim, 'transpose'));
  if (p.length !== ndim || new Set(p).size !== ndim) fail('BAD_ATTRIBUTE', `transpose: axes ${JSON.stringify(axes)} is not a permutation of the ${ndim} axes`);
  return p;
}

const range = (n: number) => [...Array(n).keys()];
const mod = (a: number, n: number) => ((a % n) + n) % n;
const withDim = (s: readonly number[], axis: number, v: number) => s.map((d, i) => (i === axis ? v : d));
const insertAt = (s: readonly number[], axis: number, v: number) => [...s.slice(0, axis), v, ...s.slice(axis)];
const needDims = (x: Meta, n: number, name: string): Meta => {
  if (x.shape.length < n) fail('SHAPE_MISMATCH', `${name}: expected an array of at least ${n} dimension${n > 1 ? 's' : ''}, got shape ${fmtShape(x.shape)}`);
  return { shape: x.shape, dtype: x.dtype };
};
const integer = (v: unknown, name: string, what: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('BAD_ATTRIBUTE', `${name}: ${what} must be an integer, got ${JSON.stringify(v)}`);
  return v;
};
/** Distinct axes in the order given. */
const axisList = (v: unknown, nd: number, name: string, what: string) => {
  const axes = intList(v, name, what).map((a) => normAxis(a, nd, name));
  if (new Set(axes).size !== axes.length) fail('BAD_ATTRIBUTE', `${name}: repeated axis in ${what} ${JSON.stringify(v)}`);
  return axes;
};

const flip = (x: Value, axis: unknown) => callOp('flip', [x], { axis }) as Value;
const moveaxis = (x: Value, source: number, destination: number) => callOp('moveaxis', [x], { source, destination }) as Value;
const concatenate = (xs: Value[], axis: number) => callOp('concatenate', [xs], { axis }) as Value;

/** A fresh C-contiguous array of `shape` and `dtype` holding x broadcast. */
function filledWith(x: NDArray, shape: readonly number[], dtype: DType): NDArray {
  const data = allocate(dtype, sizeOf(shape));
  data.set(cast(new NDArray(x.data, shape, x.dtype, broadcastStrides(x, shape), x.offset), dtype).values());
  return new NDArray(data, shape, dtype);
}

/** An op that only reshapes (adds or drops unit axes, flattens): its VJP reshapes back. */
const reshaped = (name: string, attrs: string[], shapeOf: (x: Meta, a: Attrs) => number[]): OpDef => ({
  name, arity: 1, attrs, linear: true,
  infer: ([x], a) => ({ shape: shapeOf(x, a), dtype: x.dtype }),
  forward: ([x], _a, out: Meta) => reshape(x, out.shape) as NDArray,
  vjp: (g, _ans, [x]) => reshape(g, x.shape),
});

/** An op that permutes the axes (a view): its VJP permutes back. */
const permuted = (name: string, attrs: string[], perm: (nd: number, a: Attrs) => number[]): OpDef => ({
  name, arity: 1, attrs, linear: true,
  infer: ([x], a) => ({ shape: perm(x.shape.length, a).map((d) => x.shape[d]), dtype: x.dtype }),
  forward: ([x], a) => transpose(x, perm(x.ndim, a)) as NDArray,
  vjp: (g, _ans, [x], a) => transpose(g, invPerm(perm(x.ndim, a))),
});

const atleast1 = (s: readonly number[]) => (s.length ? [...s] : [1]);
const atleast2 = (s: readonly number[]) => (s.length >= 2 ? [...s] : [1, ...atleast1(s)]);
const atleast3 = (s: readonly number[]) => (s.length >= 3 ? [...s] : s.length === 2 ? [...s, 1] : [...atleast2(s), 1]);

function flipView(x: NDArray, axes: readonly number[]): NDArray {
  let offset = x.offset;
  const strides = x.strides.map((s, d) => {
    if (!axes.includes(d)) return s;
    offset += Math.max(0, x.shape[d] - 1) * s;
    return -s;
  });
  return new NDArray(x.data, x.shape, x.dtype, strides, offset);
}

function rot90Plan(nd: number, { k = 1, axes = [0, 1] }: Attrs) {
  const ax = intList(axes, 'rot90', 'axes');
  if (ax.length !== 2) fail('BAD_ATTRIBUTE', `rot90: axes must name 2 axes, got ${JSON.stringify(axes)}`);
  const [a, b] = ax.map((v) => normAxis(v, nd, 'rot90'));
  if (a === b) fail('BAD_ATTRIBUTE', `rot90: the two axes must be different, got ${JSON.stringify(axes)}`);
  const perm = range(nd);
  [perm[a], perm[b]] = [b, a];
  return { k: mod(integer(k, 'rot90', 'k'), 4), a, b, perm };
}

function tilePlan(shape: readonly number[], reps: unknown) {
  const r = intList(reps, 'tile', 'reps');
  if (r.some((v) => v < 0)) fail('BAD_ATTRIBUTE', `tile: reps must be non-negative, got ${JSON.stringify(reps)}`);
  const nd = Math.max(shape.length, r.length);
  const xs = [...Array(nd - shape.length).fill(1), ...shape], rs = [...Array(nd - r.length).fill(1), ...r];
  // x as [1, n0, 1, n1, …] broadcast to [r0, n0, r1, n1, …]; the VJP sums over the copies.
  return { lifted: xs.flatMap((d) => [1, d]), spread: xs.flatMap((d, i) => [rs[i], d]), shape: xs.map((d, i) => d * rs[i]), copies: range(nd).map((i) => 2 * i) };
}

function diagPlan(shape: readonly number[], offset: unknown, axis1: unknown, axis2: unknown, name: string) {
  needDims({ shape, dtype: 'float64' }, 2, name);
  const o = integer(offset, name, 'offset'), a1 = normAxis(axis1, shape.length, name), a2 = normAxis(axis2, shape.length, name);
  if (a1 === a2) fail('BAD_ATTRIBUTE', `${name}: axis1 and axis2 cannot be the same axis (${a1})`);
  const row = Math.max(0, -o), col = Math.max(0, o), len = Math.max(0, Math.min(shape[a1] - row, shape[a2] - col));
  return { a1, a2, row, col, len, shape: [...shape.filter((_, d) => d !== a1 && d !== a2), len] };
}
type DiagPlan = ReturnType<typeof diagPlan>;
const diagonalPlan = (shape: readonly number[], a: Attrs) => diagPlan(shape, a.offset ?? 0, a.axis1 ?? 0, a.axis2 ?? 1, 'diagonal');

function diagView(x: NDArray, p: DiagPlan): NDArray {
  const keep = range(x.ndim).filter((d) => d !== p.a1 && d !== p.a2), s = x.strides;
  return new NDArray(x.data, p.shape, x.dtype, [...keep.map((d) => s[d]), s[p.a1] + s[p.a2]], x.offset + p.row * s[p.a1] + p.col * s[p.a2]);
}

/** The adjoint of diagonal: g scattered onto the diagonal of zeros shaped like x. */
function undiagonal(g: Value, x: Meta, p: DiagPlan): Value {
  const index = x.shape.map((_, d) => (d === p.a1 ? range(p.len).map((i) => i + p.row) : d === p.a2 ? range(p.len).map((i) => i + p.col) : ALL));
  // x[index] has the diagonal axis where the two indexed axes were if they are adjacent, else first.
  return indexAdd(zerosLike(x), moveaxis(g, -1, Math.abs(p.a1 - p.a2) === 1 ? Math.min(p.a1, p.a2) : 0), index);
}

function triMask(shape: readonly number[], k: unknown, upper: boolean, name: string): NDArray {
  const kk = integer(k, name, 'k');
  if (shape.length === 0) fail('SHAPE_MISMATCH', `${name}: expected an array of at least 1 dimension, got a 0-d array`);
  const m = shape.length === 1 ? shape[0] : shape[shape.length - 2], n = shape[shape.length - 1];
  const mask = NDArray.zeros([m, n], 'bool');
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mask.data[i * n + j] = +(upper ? j - i >= kk : j - i <= kk);
  return mask;
}

const triangle = (name: string, upper: boolean): OpDef => ({
  name, arity: 1, attrs: ['k'], linear: true,
  infer: ([x], { k = 0 }) => ({ shape: broadcastShapes(name, triMask(x.shape, k, upper, name).shape, x.shape), dtype: x.dtype }),
  forward: ([x], { k = 0 }) => where(triMask(x.shape, k, upper, name), x, NDArray.zeros([], x.dtype)) as NDArray,
  vjp: (g, _ans, [x], { k = 0 }) => where(triMask(x.shape, k, upper, name), g, 0),
});

// Where the index j (before, inside or after an axis of size n) reads from, for pad's non-constant modes.
const PAD_SOURCE: Record<string, (j: number, n: number) => number> = {
  edge: (j, n) => Math.min(Math.max(j, 0), n - 1),
  wrap: (j, n) => mod(j, n),
  reflect: (j, n) => { if (n === 1) return 0; const r = mod(j, 2 * n - 2); return r < n ? r : 2 * n - 2 - r; },
  symmetric: (j, n) => { const r = mod(j, 2 * n); return r < n ? r : 2 * n - 1 - r; },
};

function padPlan(shape: readonly number[], { pad_width, mode = 'constant', constant_values = 0 }: Attrs) {
  // NumPy broadcasts pad_width to one [before, after] pair per axis: n, [n], [before, after], [[before, after]], or a pair per axis.
  const rows: unknown[] = typeof pad_width === 'number' ? [[pad_width]] : Array.isArray(pad_width) ? (pad_width.every(Array.isArray) ? pad_width : [pad_width]) : [];
  if (!(rows.length === 1 || (rows.length === shape.length && rows.length)) ||
    !rows.every((r) => Array.isArray(r) && (r.length === 1 || r.length === 2) && r.every((v) => Number.isInteger(v) && v >= 0)))
    fail('BAD_ATTRIBUTE', `pad: pad_width ${JSON.stringify(pad_width)} must be a non-negative integer, a [before, after] pair, or one pair per axis of the array of shape ${fmtShape(shape)}`);
  const w = shape.map((_, d) => { const r = rows[rows.length === 1 ? 0 : d] as number[]; return [r[0], r[r.length - 1]]; });
  const out = shape.map((n, d) => n + w[d][0] + w[d][1]);
  if (mode === 'constant') {
    if (typeof constant_values !== 'number') fail('BAD_ATTRIBUTE', `pad: constant_values must be a number, got ${JSON.stringify(constant_values)}`);
    return { shape: out, before: w.map(([b]) => b), value: constant_values, sources: null };
  }
  const source = PAD_SOURCE[mode as string];
  if (!source) fail('BAD_ATTRIBUTE', `pad: mode ${JSON.stringify(mode)} is not one of 'constant', ${Object.keys(PAD_SOURCE).map((m) => `'${m}'`).join(', ')}`);
  shape.forEach((n, d) => { if (n === 0 && out[d] > 0) fail('SHAPE_MISMATCH', `pad: cannot extend the empty axis ${d} with mode '${mode}'`); });
  return { shape: out, before: w.map(([b]) => b), value: 0, sources: ix(out.map((m, d) => range(m).map((j) => source(j - w[d][0], shape[d])))) };
}

/** For each element of x in C order, the position along `axis` that sorting x along it brings there (NaN last). */
export function argsortAlong(x: NDArray, axis: number): Float64Array {
  const n = x.shape[axis], inner = sizeOf(x.shape.slice(axis + 1)), v = x.values(), cx = isComplex(x.dtype);
  const cmp = (a: number, b: number) => (Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : Number.isNaN(b) ? -1 : a - b);
  const out = new Float64Array(x.size);
  for (let base = 0; base < x.size; base += n * inner) for (let j = 0; j < inner; j++) {
    const at = (i: number) => base + i * inner + j;
    const order = range(n).sort(cx ? (a, b) => cmp(v[2 * at(a)], v[2 * at(b)]) || cmp(v[2 * at(a) + 1], v[2 * at(b) + 1]) : (a, b) => cmp(v[at(a)], v[at(b)]));
    order.forEach((src, i) => { out[at(i)] = src; });
  }
  return out;
}

/** The index that sorts x along `axis` (null: the flattened x): sort(x) = x[sortIndex(x)]. */
function sortIndex(x: NDArray, axis: unknown, name: string): unknown[] {
  if (axis === null) return takeIndex(x.shape, new NDArray(argsortAlong(reshape(x, [x.size]) as NDArray, 0), [x.size], 'int64'), null, name);
  const d = normAxis(axis, x.ndim, name), grid: NDArray[] = ix(x.shape.map(range));
  grid[d] = new NDArray(argsortAlong(x, d), x.shape, 'int64');
  return grid;
}

/** sort and partition; a full sort is a valid partition. Derivatives move g and t through the permutation. */
const sorting = (name: string, attrs: string[], check: (n: number, a: Attrs) => void = () => {}): OpDef => {
  const axisOf = (a: Attrs) => (a.axis === undefined ? -1 : a.axis);
  return {
    name, arity: 1, attrs,
    infer: ([x], a) => {
      const axis = axisOf(a);
      check(axis === null ? sizeOf(x.shape) : x.shape[normAxis(axis, x.shape.length, name)], a);
      return { shape: axis === null ? [sizeOf(x.shape)] : x.shape, dtype: x.dtype };
    },
    forward: ([x], a) => gather(x, planIndex(x.shape, sortIndex(x, axisOf(a), name), name)),
    vjp: (g, _ans, [x], a) => indexAdd(zerosLike(x), g, sortIndex(unboxAll(x), axisOf(a), name)),
    jvp: (t, _ans, [x], a) => getitem(t, sortIndex(unboxAll(x), axisOf(a), name)),
  };
};

/** Strictly between the bounds, where clip passes the gradient (a constant mask). */
const inside = (x: Value, { a_min = null, a_max = null }: Attrs) =>
  callOp('logical_and', [greater(x, a_min ?? -Infinity), less(x, a_max ?? Infinity)]) as Value;

/** linspace's weights w, shaped [num, 1, …] against the broadcast bounds: the result is start·(1 − w) + stop·w. */
function linspaceWeights(num: number, endpoint: unknown, rank: number): NDArray {
  const div = endpoint === false ? num : num - 1;
  return NDArray.fromData(range(num).map((i) => (div > 0 ? i / div : 0)), [num, ...Array(rank).fill(1)]);
}

/** Pieces [start, length] of np.split / np.array_split along an axis of size n. */
function splitPieces(n: number, ios: unknown, name: string, equal: boolean): [number, number][] {
  if (typeof ios === 'number') {
    if (!Number.isInteger(ios) || ios <= 0) fail('BAD_ATTRIBUTE', `${name}: the number of sections must be a positive integer, got ${ios}`);
    if (equal && n % ios) fail('SHAPE_MISMATCH', `${name}: an axis of size ${n} does not split into ${ios} equal sections (use array_split)`);
    const q = Math.floor(n / ios), extra = n % ios;
    return range(ios).map((i) => [i * q + Math.min(i, extra), q + (i < extra ? 1 : 0)]);
  }
  const b = intList(ios, name, 'indices_or_sections');
  return [0, ...b].map((s, i) => { const [start, len] = sliceRange(s, i < b.length ? b[i] : null, 1, n); return [start, len]; });
}

const splitter = (name: string, equal: boolean, fixedAxis?: { axis: (nd: number) => number; min: number }): OpDef => {
  const plan = (x: Meta, a: Attrs) => {
    const axis = fixedAxis ? fixedAxis.axis(needDims(x, fixedAxis.min, name).shape.length) : normAxis(a.axis ?? 0, x.shape.length, name);
    return { axis, pieces: splitPieces(x.shape[axis], a.indices_or_sections, name, equal) };
  };
  return {
    name, arity: 1, attrs: fixedAxis ? ['indices_or_sections'] : ['indices_or_sections', 'axis'], multi: true, linear: true,
    infer: ([x], a) => { const { axis, pieces } = plan(x, a); return pieces.map(([, len]) => ({ shape: withDim(x.shape, axis, len), dtype: x.dtype })); },
    forward: ([x], a) => {
      const { axis, pieces } = plan(x, a);
      return pieces.map(([s, len]) => new NDArray(x.data, withDim(x.shape, axis, len), x.dtype, x.strides, x.offset + s * x.strides[axis]));
    },
    vjp: (gs: (Value | undefined)[], _ans, [x], a) => {
      const { axis, pieces } = plan(x, a);
      const parts = pieces.map(([, len], i) => gs[i] ?? NDArray.zeros(withDim(x.shape, axis, len), x.dtype));
      if (pieces.every(([s], i) => s === (i ? pieces[i - 1][0] + pieces[i - 1][1] : 0))) return concatenate(parts, axis);
      // Decreasing indices give overlapping pieces: add each back where it came from.
      return parts.reduce<Value>((acc, p, i) => indexAdd(acc, p, sliceAlong(axis, pieces[i][0], pieces[i][0] + pieces[i][1])), zerosLike(x));
    },
  };
};

/** How a join lays out its inputs: each reshaped (unit axes added, or flattened) to shapes[i], then concatenated along axis. */
type Layout = { shapes: number[][]; axis: number };

function joinedShape(name: string, { shapes, axis }: Layout): number[] {
  const first = shapes[0];
  shapes.forEach((s, i) => {
    if (s.length !== first.length)
      fail('SHAPE_MISMATCH', `${name}: all the input arrays must have the same number of dimensions, but the array at index 0 has ${first.length} and the array at index ${i} has ${s.length} (shapes ${fmtShape(first)}, ${fmtShape(s)})`);
    s.forEach((d, k) => {
      if (k !== axis && d !== first[k])
        fail('SHAPE_MISMATCH', `${name}: the input shapes must match except along axis ${axis}, but along axis ${k} the array at index 0 has size ${first[k]} and the array at index ${i} has size ${d} (shapes ${fmtShape(first)}, ${fmtShape(s)})`);
    });
  });
  return withDim(first, axis, shapes.reduce((n, s) => n + s[axis], 0));
}

const joiner = (name: string, arity: number | 'variadic', attrs: string[], layout: (xs: readonly Meta[], a: Attrs) => Layout): OpDef => ({
  name, arity, attrs, linear: true,
  infer: (xs, a) => {
    if (xs.length === 0) fail('BAD_ARGUMENT', `${name}: need at least one array to join`);
    return { shape: joinedShape(name, layout(xs, a)), dtype: resultType(...xs) };
  },
  forward: (xs, a, out: Meta) => {
    const { shapes, axis } = layout(xs, a), data = output(out.dtype, sizeOf(out.shape)), st = cStrides(out.shape); // the pieces tile it
    let at = 0;
    xs.forEach((x, i) => {
      put(new NDArray(data, shapes[i], out.dtype, st, at * st[axis]), cast(x, out.dtype).values());
      at += shapes[i][axis];
    });
    return new NDArray(data, out.shape, out.dtype);
  },
  vjp: (g, _ans, xs, a, i) => {
    const { shapes, axis } = layout(xs, a), at = shapes.slice(0, i).reduce((n, s) => n + s[axis], 0);
    return reshape(getitem(g, sliceAlong(axis, at, at + shapes[i][axis])), xs[i].shape);
  },
});

function concatLayout(xs: readonly Meta[], axis: unknown, name: string): Layout {
  if (axis === null) return { shapes: xs.map((x) => [sizeOf(x.shape)]), axis: 0 };
  xs.forEach((x, i) => { if (x.shape.length === 0) fail('SHAPE_MISMATCH', `${name}: zero-dimensional arrays cannot be concatenated (argument ${i})`); });
  return { shapes: xs.map((x) => [...x.shape]), axis: normAxis(axis, xs[0].shape.length, name) };
}

function stackLayout(xs: readonly Meta[], axis: unknown, name: string): Layout {
  const s = xs[0].shape;
  xs.forEach((x, i) => {
    if (x.shape.length !== s.length || x.shape.some((d, k) => d !== s[k]))
      fail('SHAPE_MISMATCH', `${name}: all input arrays must have the same shape, but the array at index 0 has shape ${fmtShape(s)} and the array at index ${i} has shape ${fmtShape(x.shape)}`);
  });
  const ax = normAxis(axis, s.length + 1, name);
  return { shapes: xs.map(() => insertAt(s, ax, 1)), axis: ax };
}

defop(
  {
    name: 'reshape', arity: 1, attrs: ['shape'], linear: true,
    infer: ([x], { shape }) => ({ shape: resolveShape(x, shape), dtype: x.dtype }),
    forward: ([x], _a, out: Meta) => {
      const c = x.contiguous();
      return new NDArray(c.data, out.shape, x.dtype, undefined, c.offset);
    },
    vjp: (g, ans, [x]) => reshape(g, withBatch(batchAxes(g, ans), x.shape)),
  },
  {
    name: 'transpose', arity: 1, attrs: ['axes'], linear: true,
    infer: ([x], { axes }) => { const p = permutation(axes, x.shape.length); return { shape: p.map((a) => x.shape[a]), dtype: x.dtype }; },
    forward: ([x], { axes }, out: Meta) => {
      const p = permutation(axes, x.ndim);
      return new NDArray(x.data, out.shape, x.dtype, p.map((a) => x.strides[a]), x.offset);
    },
    vjp: (g, _ans, [x], { axes }) => transpose(g, invPerm(permutation(axes, x.ndim))),
  },
  {
    name: 'broadcast_to', arity: 1, attrs: ['shape'], linear: true,
    infer: ([x], { shape }) => {
      const s = checkShape(intList(shape, 'broadcast_to', 'shape'), 'broadcast_to');
      const b = broadcastShapes('broadcast_to', x.shape, s);
      if (b.length !== s.length || b.some((d, i) => d !== s[i]))
        fail('SHAPE_MISMATCH', `broadcast_to: an array of shape ${fmtShape(x.shape)} cannot be broadcast to shape ${fmtShape(s)}`);
      return { shape: s, dtype: x.dtype };
    },
    forward: ([x], _a, out: Meta) => new NDArray(x.data, out.shape, x.dtype, broadcastStrides(x, out.shape), x.offset),
    vjp: (g) => g,
  },
  {
    name: 'where', arity: 3,
    infer: ([c, x, y]) => ({ shape: broadcastShapes('where', c.shape, x.shape, y.shape), dtype: resultType(x, y) }),
    forward: ([c, x, y], _a, out: Meta) => {
      const fast = selectNative(c, x, y, out.shape, out.dtype);
      if (fast) return fast;
      const n = sizeOf(out.shape), w = isComplex(out.dtype) ? 2 : 1;
      const cb = new NDArray(c.data, out.shape, c.dtype, broadcastStrides(c, out.shape), c.offset).values();
      const data = allocate(out.dtype, n);
      const xc = isComplex(x.dtype), yc = isComplex(y.dtype);
      strided2(x, y, out.shape, (k, ix, iy) => {
        const useX = cb[isComplex(c.dtype) ? 2 * k : k] !== 0 || (isComplex(c.dtype) && cb[2 * k + 1] !== 0);
        const src = useX ? x.data : y.data, i = useX ? ix : iy, sc = useX ? xc : yc;
        if (w === 1) data[k] = src[i];
        else { data[2 * k] = sc ? src[2 * i] : src[i]; data[2 * k + 1] = sc ? src[2 * i + 1] : 0; }
      });
      return new NDArray(data, out.shape, out.dtype);
    },
    vjp: [undefined, (g, _ans, [c]) => where(c, g, 0), (g, _ans, [c]) => where(c, 0, g)],
    jvp: [undefined, (t, _ans, [c]) => where(c, t, 0), (t, _ans, [c]) => where(c, 0, t)],
  },
);

defop(
  reshaped('ravel', [], (x) => [sizeOf(x.shape)]),
  reshaped('expand_dims', ['axis'], (x, { axis }) => {
    const nd = x.shape.length + intList(axis, 'expand_dims', 'axis').length, axes = normAxes(axis, nd, 'expand_dims'), rest = [...x.shape];
    return range(nd).map((d) => (axes.includes(d) ? 1 : rest.shift()!));
  }),
  reshaped('squeeze', ['axis'], (x, { axis }) => {
    if (axis === null || axis === undefined) return x.shape.filter((d) => d !== 1);
    const axes = normAxes(axis, Math.max(x.shape.length, 1), 'squeeze'); // NumPy takes axis 0 of a 0-d array
    for (const d of axes) if (x.shape.length && x.shape[d] !== 1) fail('SHAPE_MISMATCH', `squeeze: cannot squeeze axis ${d} of an array of shape ${fmtShape(x.shape)}: its size is ${x.shape[d]}, not 1`);
    return x.shape.filter((_, d) => !axes.includes(d));
  }),
  reshaped('atleast_1d', [], (x) => atleast1(x.shape)),
  reshaped('atleast_2d', [], (x) => atleast2(x.shape)),
  reshaped('atleast_3d', [], (x) => atleast3(x.shape)),
  permuted('swapaxes', ['axis1', 'axis2'], (nd, { axis1, axis2 }) => {
    const p = range(nd), i = normAxis(axis1, nd, 'swapaxes'), j = normAxis(axis2, nd, 'swapaxes');
    [p[i], p[j]] = [j, i];
    return p;
  }),
  permuted('moveaxis', ['source', 'destination'], (nd, { source, destination }) => {
    const src = axisList(source, nd, 'moveaxis', 'source'), dst = axisList(destination, nd, 'moveaxis', 'destination');
    if (src.length !== dst.length) fail('BAD_ATTRIBUTE', `moveaxis: source ${JSON.stringify(source)} and destination ${JSON.stringify(destination)} must have the same number of elements`);
    const order = range(nd).filter((d) => !src.includes(d));
    dst.map((d, k) => [d, src[k]]).sort((p, q) => p[0] - q[0]).forEach(([d, s]) => order.splice(d, 0, s));
    return order;
  }),
  permuted('rollaxis', ['axis', 'start'], (nd, { axis, start = 0 }) => {
    const a = normAxis(axis, nd, 'rollaxis');
    if (integer(start, 'rollaxis', 'start') < -nd || start > nd) fail('AXIS_OUT_OF_RANGE', `rollaxis: start ${start} is out of bounds [${-nd}, ${nd}] for an array of dimension ${nd}`);
    const s = (start < 0 ? start + nd : start) - (a < (start < 0 ? start + nd : start) ? 1 : 0), p = range(nd).filter((d) => d !== a);
    p.splice(s, 0, a);
    return p;
  }),
  {
    name: 'flip', arity: 1, attrs: ['axis'], linear: true,
    infer: ([x], { axis }) => { normAxes(axis, x.shape.length, 'flip'); return { shape: x.shape, dtype: x.dtype }; },
    forward: ([x], { axis }) => flipView(x, normAxes(axis, x.ndim, 'flip')),
    vjp: (g, _ans, _x, { axis }) => flip(g, axis),
  },
  { name: 'fliplr', arity: 1, linear: true, infer: ([x]) => needDims(x, 2, 'fliplr'), forward: ([x]) => flipView(x, [1]), vjp: (g) => flip(g, 1) },
  { name: 'flipud', arity: 1, linear: true, infer: ([x]) => needDims(x, 1, 'flipud'), forward: ([x]) => flipView(x, [0]), vjp: (g) => flip(g, 0) },
  {
    name: 'rot90', arity: 1, attrs: ['k', 'axes'], linear: true,
    infer: ([x], a) => { const { k, perm } = rot90Plan(x.shape.length, a); return { shape: k % 2 ? perm.map((d) => x.shape[d]) : x.shape, dtype: x.dtype }; },
    forward: ([x], a) => {
      const { k, a: p, b: q, perm } = rot90Plan(x.ndim, a), t = (y: NDArray) => transpose(y, perm) as NDArray;
      return k === 0 ? x : k === 1 ? t(flipView(x, [q])) : k === 2 ? flipView(x, [p, q]) : flipView(t(x), [q]);
    },
    vjp: (g, _ans, _x, { k = 1, axes = [0, 1] }) => callOp('rot90', [g], { k: -k, axes }) as Value,
  },
  gathered('roll', ['shift', 'axis'], (shape, { shift, axis }) => {
    const shifts = intList(shift, 'roll', 'shift');
    if (axis === null || axis === undefined) {
      const n = sizeOf(shape), s = shifts.reduce((p, q) => p + q, 0);
      if (!shape.length) return [];
      return takeIndex(shape, NDArray.fromData(range(n).map((i) => mod(i - s, n)), shape, 'int64'), null, 'roll');
    }
    const axes = intList(axis, 'roll', 'axis').map((d) => normAxis(d, shape.length, 'roll')), total = shape.map(() => 0);
    if (shifts.length !== axes.length && shifts.length !== 1 && axes.length !== 1)
      fail('SHAPE_MISMATCH', `roll: shift ${JSON.stringify(shift)} and axis ${JSON.stringify(axis)} have different lengths`);
    for (let k = 0; k < Math.max(shifts.length, axes.length); k++) total[axes[axes.length === 1 ? 0 : k]] += shifts[shifts.length === 1 ? 0 : k];
    return ix(shape.map((n, d) => range(n).map((i) => mod(i - total[d], n))));
  }),
  gathered('repeat', ['repeats', 'axis'], (shape, { repeats, axis }) => {
    const n = axis === null || axis === undefined ? sizeOf(shape) : shape[normAxis(axis, shape.length, 'repeat')];
    const r = intList(repeats, 'repeat', 'repeats');
    if (r.some((v) => v < 0)) fail('BAD_ATTRIBUTE', `repeat: repeats must be non-negative, got ${JSON.stringify(repeats)}`);
    if (r.length !== 1 && r.length !== n) fail('SHAPE_MISMATCH', `repeat: ${r.length} repeats given for ${n} elements along the axis`);
    const idx = range(n).flatMap((i) => Array<number>(r[r.length === 1 ? 0 : i]).fill(i));
    return takeIndex(shape, NDArray.fromData(idx, [idx.length], 'int64'), axis, 'repeat');
  }, true),
  {
    name: 'tile', arity: 1, attrs: ['reps'], linear: true,
    infer: ([x], { reps }) => ({ shape: checkShape(tilePlan(x.shape, reps).shape, 'tile'), dtype: x.dtype }),
    forward: ([x], { reps }) => { const p = tilePlan(x.shape, reps); return reshape(broadcastTo(reshape(x, p.lifted), p.spread), p.shape) as NDArray; },
    vjp: (g, _ans, [x], { reps }) => { const p = tilePlan(x.shape, reps); return reshape(sum(reshape(g, p.spread), p.copies), x.shape); },
  },
  {
    name: 'diagonal', arity: 1, attrs: ['offset', 'axis1', 'axis2'], linear: true,
    infer: ([x], a) => ({ shape: diagonalPlan(x.shape, a).shape, dtype: x.dtype }),
    forward: ([x], a) => diagView(x, diagonalPlan(x.shape, a)),
    vjp: (g, _ans, [x], a) => undiagonal(g, x, diagonalPlan(x.shape, a)),
  },
  {
    name: 'diag', arity: 1, attrs: ['k'], linear: true,
    infer: ([x], { k = 0 }) => {
      if (x.shape.length === 2) return { shape: diagPlan(x.shape, k, 0, 1, 'diag').shape, dtype: x.dtype };
      if (x.shape.length !== 1) fail('SHAPE_MISMATCH', `diag: expected a 1-d or 2-d array, got shape ${fmtShape(x.shape)}`);
      const n = x.shape[0] + Math.abs(integer(k, 'diag', 'k'));
      return { shape: [n, n], dtype: x.dtype };
    },
    forward: ([x], { k = 0 }, out: Meta) => {
      if (x.ndim === 2) return diagView(x, diagPlan(x.shape, k, 0, 1, 'diag'));
      const m = NDArray.zeros(out.shape, x.dtype);
      put(diagView(m, diagPlan(out.shape, k, 0, 1, 'diag')), x.values());
      return m;
    },
    vjp: (g, _ans, [x], { k = 0 }) => (x.shape.length === 2 ? undiagonal(g, x, diagPlan(x.shape, k, 0, 1, 'diag')) : callOp('diagonal', [g], { offset: k }) as Value),
  },
  triangle('triu', true),
  triangle('tril', false),
  {
    name: 'pad', arity: 1, attrs: ['pad_width', 'mode', 'constant_values'],
    infer: ([x], a) => ({ shape: checkShape(padPlan(x.shape, a).shape, 'pad'), dtype: x.dtype }),
    forward: ([x], a, out: Meta) => {
      const p = padPlan(x.shape, a);
      if (p.sources) return gather(x, planIndex(x.shape, p.sources, 'pad'));
      const o = filledWith(NDArray.scalar(p.value), out.shape, x.dtype), st = cStrides(out.shape);
      put(new NDArray(o.data, x.shape, x.dtype, st, p.before.reduce((s, b, d) => s + b * st[d], 0)), x.values());
      return o;
    },
    vjp: (g, _ans, [x], a) => {
      const p = padPlan(x.shape, a);
      return p.sources ? indexAdd(zerosLike(x), g, p.sources) : getitem(g, x.shape.map((n, d) => ({ slice: [p.before[d], p.before[d] + n, null] })));
    },
    jvp: (t, _ans, _x, a) => callOp('pad', [t], { ...a, constant_values: 0 }) as Value,
  },
  sorting('sort', ['axis']),
  sorting('partition', ['kth', 'axis'], (n, { kth }) => {
    for (const k of intList(kth, 'partition', 'kth')) if (k < -n || k >= n) fail('INDEX_OUT_OF_RANGE', `partition: kth ${k} is out of bounds for an axis of size ${n}`);
  }),
  {
    name: 'clip', arity: 1, attrs: ['a_min', 'a_max'],
    infer: ([x], { a_min = null, a_max = null }) => {
      if (isComplex(x.dtype)) fail('DTYPE_MISMATCH', `clip is not defined for complex128 input (shape ${fmtShape(x.shape)})`);
      const bounds = [a_min, a_max].filter((v) => v !== null);
      if (!bounds.length) fail('BAD_ATTRIBUTE', 'clip: at least one of a_min and a_max must be given');
      if (!bounds.every((v) => typeof v === 'number')) fail('BAD_ATTRIBUTE', `clip: a_min and a_max must be numbers or null, got ${JSON.stringify([a_min, a_max])}`);
      return { shape: x.shape, dtype: resultType(x, ...bounds.map((v: number) => ({ dtype: Number.isInteger(v) ? 'int64' as const : 'float64' as const, weak: true }))) };
    },
    // NumPy's min(max(x, a_min), a_max), each keeping x on a tie: NaN stays, and so does -0 at a bound of 0.
    forward: ([x], { a_min = null, a_max = null }, out: Meta) => {
      const lo = a_min ?? -Infinity, hi = a_max ?? Infinity, v = x.values(), data = output(out.dtype, x.size);
      if (!(x.dtype === out.dtype && nativeKernels.clip(v, lo, hi, data)))
        for (let i = 0; i < v.length; i++) { const m = v[i] < lo ? lo : v[i]; data[i] = m > hi ? hi : m; }
      return new NDArray(data, x.shape, out.dtype);
    },
    vjp: (g, _ans, [x], a) => where(inside(x, a), g, 0),
    jvp: (t, _ans, [x], a) => where(inside(x, a), t, 0),
    doc: 'the gradient passes strictly inside (a_min, a_max); elements equal to a bound get 0, as autograd',
  },
  {
    name: 'full', arity: 1, attrs: ['shape', 'dtype'], linear: true,
    npStyle: (call) => (shape: unknown, fillValue: unknown, opts?: DType | { dtype?: DType }) =>
      call([fillValue], { shape, dtype: typeof opts === 'string' ? opts : opts?.dtype }),
    infer: ([v], { shape, dtype }) => {
      const s = checkShape(intList(shape, 'full', 'shape'), 'full'), b = broadcastShapes('full', v.shape, s);
      if (b.length !== s.length) fail('SHAPE_MISMATCH', `full: a fill value of shape ${fmtShape(v.shape)} cannot fill shape ${fmtShape(s)}`);
      return { shape: s, dtype: dtype === undefined || dtype === null ? v.dtype : checkDType(dtype, 'full') };
    },
    forward: ([v], _a, out: Meta) => filledWith(v, out.shape, out.dtype),
    vjp: (g) => g,
  },
  {
    name: 'linspace', arity: 2, attrs: ['num', 'endpoint', 'dtype'], linear: true,
    infer: ([a, b], { num = 50, dtype }) => {
      if (integer(num, 'linspace', 'num') < 0) fail('BAD_ATTRIBUTE', `linspace: num must be non-negative, got ${num}`);
      return { shape: [num, ...broadcastShapes('linspace', a.shape, b.shape)], dtype: dtype ? checkDType(dtype, 'linspace') : floatDtype(resultType(a, b)) };
    },
    forward: ([a, b], { num = 50, endpoint }, out: Meta) => {
      // NumPy's start + i·step, with the endpoint exactly stop.
      const col = (v: number[]) => NDArray.fromData(v, [num, ...Array(out.shape.length - 1).fill(1)]);
      const y = add(a, mul(col(range(num)), div(sub(b, a), Math.max(1, endpoint === false ? num : num - 1))));
      return astype(endpoint === false ? y : where(col(range(num).map((i) => +(i > 0 && i === num - 1))), b, y), out.dtype) as NDArray;
    },
    vjp: [
      (g, ans, _x, { num = 50, endpoint }) => sum(mul(g, sub(1, linspaceWeights(num, endpoint, ans.shape.length - 1))), 0),
      (g, ans, _x, { num = 50, endpoint }) => sum(mul(g, linspaceWeights(num, endpoint, ans.shape.length - 1)), 0),
    ],
  },
  splitter('split', true),
  splitter('array_split', false),
  splitter('vsplit', true, { axis: () => 0, min: 2 }),
  splitter('hsplit', true, { axis: (nd) => (nd > 1 ? 1 : 0), min: 1 }),
  splitter('dsplit', true, { axis: () => 2, min: 3 }),
  joiner('concatenate', 'variadic', ['axis'], (xs, { axis = 0 }) => concatLayout(xs, axis, 'concatenate')),
  joiner('append', 2, ['axis'], (xs, { axis = null }) => concatLayout(xs, axis, 'append')),
  joiner('stack', 'variadic', ['axis'], (xs, { axis = 0 }) => stackLayout(xs, axis, 'stack')),
  joiner('array', 'variadic', [], (xs) => stackLayout(xs, 0, 'array')),
  joiner('vstack', 'variadic', [], (xs) => ({ shapes: xs.map((x) => atleast2(x.shape)), axis: 0 })),
  joiner('hstack', 'variadic', [], (xs) => ({ shapes: xs.map((x) => atleast1(x.shape)), axis: xs[0].shape.length <= 1 ? 0 : 1 })),
  joiner('dstack', 'variadic', [], (xs) => ({ shapes: xs.map((x) => atleast3(x.shape)), axis: 2 })),
  joiner('column_stack', 'variadic', [], (xs) => ({ shapes: xs.map((x) => (x.shape.length < 2 ? [sizeOf(x.shape), 1] : [...x.shape])), axis: 1 })),
);
