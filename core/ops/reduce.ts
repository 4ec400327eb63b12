// Reductions over axes (sum, mean, prod, max, var, …), and the ops along one axis (cumsum, diff, gradient, trace).
import { alias, Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { allocate, DType, floatDtype, isComplex, kindOf, promoteWeak, realDtype, scalarKind, Storage } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { cast } from '../kernels.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { nativeKernels } from '../native.js';
import { unboxAll } from '../tracer.js';
import { batchAxes, withBatch, intList, keepdimsShape, normAxes, normAxis, reducedShape } from './axes.js';
import { getitem } from './indexing.js';
import { add, astype, broadcastTo, conj, div, equal, mul, neg, onesLike, real, reshape, sqrt, sub, sum, transpose, where } from './prims.js';

/** Sums x over `axes` (sorted) into an array of the kept dimensions' shape. Neighbouring reduced (kept) axes merge,
 * so each step sums x viewed as [outer, mid, inner] over mid, natively for large float arrays. */
export function sumKernel(x: NDArray, axes: readonly number[], dtype: DType, outShape: readonly number[]): NDArray {
  const cx = isComplex(x.dtype), cout = isComplex(dtype);
  if (axes.length === x.ndim && !cx && !cout) { // the total of a real array
    const out = allocate(dtype, 1), v = x.values();
    sum3(v, 1, v.length, 1, out);
    return new NDArray(out, outShape, dtype);
  }
  // Runs of kept and of reduced axes, size-1 axes dropped; complex values are (re, im) pairs: one more kept axis of 2.
  const runs: { n: number; reduce: boolean }[] = [];
  const push = (n: number, reduce: boolean) => {
    const last = runs[runs.length - 1];
    if (n === 1) return;
    if (last && last.reduce === reduce) last.n *= n; else runs.push({ n, reduce });
  };
  x.shape.forEach((n, d) => push(n, axes.includes(d)));
  if (cx) push(2, false);
  const real: DType = cx || cout ? 'float64' : dtype;
  let v = x.values(), fresh = false;
  for (let r = runs.findIndex((u) => u.reduce); r >= 0; r = runs.findIndex((u) => u.reduce), fresh = true) {
    const size = (us: typeof runs) => us.reduce((p, u) => p * u.n, 1);
    const outer = size(runs.slice(0, r)), inner = size(runs.slice(r + 1));
    const next = allocate(real, outer * inner);
    sum3(v, outer, runs[r].n, inner, next);
    v = next;
    runs.splice(r, 1);
    if (r > 0 && r < runs.length) runs.splice(r - 1, 2, { n: runs[r - 1].n * runs[r].n, reduce: false });
  }
  if (fresh && cout === cx) return new NDArray(v, outShape, dtype);
  const out = allocate(dtype, sizeOf(outShape));
  if (cout && !cx) for (let i = 0; i < v.length; i++) out[2 * i] = v[i];
  else out.set(v);
  return new NDArray(out, outShape, dtype);
}

/** out[o, i] = Σ_m v[o, m, i] for v viewed as [outer, mid, inner]; out starts zeroed. */
function sum3(v: Storage, outer: number, mid: number, inner: number, out: Storage): void {
  if (nativeKernels.sum(v, outer, mid, inner, out)) return;
  if (inner === 1) {
    for (let o = 0, p = 0; o < outer; o++) {
      let s = 0;
      for (const e = p + mid; p < e; p++) s += v[p];
      out[o] = s;
    }
    return;
  }
  for (let o = 0, p = 0; o < outer; o++)
    for (let m = 0, row = o * inner; m < mid; m++) for (let i = row, e = row + inner; i < e; i++, p++) out[i] += v[p];
}

const sumDtype = (d: DType): DType => (kindOf(d) < 2 ? 'int64' : d);

defop({
  name: 'sum', arity: 1, attrs: ['axis', 'keepdims'], linear: true,
  infer: ([x], { axis, keepdims = false }) => ({ shape: reducedShape(x.shape, normAxes(axis, x.shape.length, 'sum'), !!keepdims), dtype: sumDtype(x.dtype) }),
  forward: ([x], { axis }, out: Meta) => sumKernel(x, normAxes(axis, x.ndim, 'sum'), out.dtype, out.shape),
  // A 0-d cotangent (a total) broadcasts as it is.
  vjp: (g, ans, [x], { axis }) => {
    const b = batchAxes(g, ans);
    return broadcastTo(g.shape.length ? reshape(g, withBatch(b, keepdimsShape(x.shape, normAxes(axis, x.ndim, 'sum')))) : g, withBatch(b, x.shape));
  },
});

// ---- Helpers ------------------------------------------------------------------------------------------------

const count = (shape: readonly number[], axes: readonly number[]) => sizeOf(axes.map((d) => shape[d]));
/** A reduced value (with or without keepdims) reshaped to broadcast against x. */
const expand = (g: Value, x: Meta, axes: readonly number[]) => reshape(g, keepdimsShape(x.shape, axes));
const conjIf = (x: Value) => (isComplex(x.dtype) ? conj(x) : x);
const flip = (x: Value, axis: number) => callOp('flip', [x], { axis }) as Value;
const diff = (x: Value, axis: number, prepend?: number, append?: number) => callOp('diff', [x], { axis, prepend, append }) as Value;

/** Normalised axes and result shape; an op without an identity (max, argmax) rejects empty lanes. */
function reduction(name: string, x: Meta, { axis, keepdims = false }: Attrs, identityless = false): { axes: readonly number[]; shape: number[] } {
  const axes = normAxes(axis, x.shape.length, name);
  const shape = reducedShape(x.shape, axes, !!keepdims);
  if (identityless && sizeOf(shape) > 0 && axes.some((d) => x.shape[d] === 0))
    fail('SHAPE_MISMATCH', `${name}: a zero-size array (shape ${fmtShape(x.shape)}) has no ${name} along axis ${axes.find((d) => x.shape[d] === 0)}`);
  return { axes, shape };
}
const axesOf = (x: Meta, { axis }: Attrs, name: string) => normAxes(axis, x.shape.length, name);

type LaneFn = (v: Storage, start: number, n: number, out: Storage, o: number) => void;
/** Calls f on each lane, the values along `axes` (in C order) for each kept index; `start` counts elements. */
function lanes(x: NDArray, axes: readonly number[], dtype: DType, shape: readonly number[], f: LaneFn): NDArray {
  const keep = [...Array(x.ndim).keys()].filter((d) => !axes.includes(d)), perm = [...keep, ...axes];
  const v = new NDArray(x.data, perm.map((d) => x.shape[d]), x.dtype, perm.map((d) => x.strides[d]), x.offset).values();
  const n = count(x.shape, axes), size = sizeOf(shape), out = allocate(dtype, size);
  for (let o = 0; o < size; o++) f(v, o * n, n, out, o);
  return new NDArray(out, shape, dtype);
}

/** The maximum (or minimum) of a real x over `axes` natively, when they are one run once size-1 axes are dropped:
 * x viewed as [outer, mid, inner]. Else undefined. */
function extremeKernel(x: NDArray, axes: readonly number[], dtype: DType, shape: readonly number[], max: boolean): NDArray | undefined {
  let outer = 1, mid = 1, inner = 1, runs = 0, last: boolean | undefined;
  x.shape.forEach((n, d) => {
    if (n === 1) return;
    const reduce = axes.includes(d);
    if (reduce && last !== true) runs++;
    last = reduce;
    if (reduce) mid *= n; else if (runs) inner *= n; else outer *= n;
  });
  if (runs !== 1) return undefined;
  const out = allocate(dtype, sizeOf(shape));
  return nativeKernels.extreme(x.values(), outer, mid, inner, out, max) ? new NDArray(out, shape, dtype) : undefined;
}

/** Splits a shape around `axis` for C-order loops: outer × n × inner. */
const around = (shape: readonly number[], axis: number) => ({ outer: sizeOf(shape.slice(0, axis)), n: shape[axis], inner: sizeOf(shape.slice(axis + 1)) });

const nonzero = (v: Storage, i: number, cx: boolean) => (cx ? v[2 * i] !== 0 || v[2 * i + 1] !== 0 : v[i] !== 0);

/** Lane index of the first maximum (sg = 1) or minimum (−1); complex compares (re, im) lexicographically; NaN wins. */
function pick(v: Storage, s: number, n: number, cx: boolean, sg: number): number {
  let best = 0;
  for (let i = 0; i < n; i++) {
    const re = cx ? v[2 * (s + i)] : v[s + i], im = cx ? v[2 * (s + i) + 1] : 0;
    if (Number.isNaN(re) || Number.isNaN(im)) return i;
    const br = cx ? v[2 * (s + best)] : v[s + best], bi = cx ? v[2 * (s + best) + 1] : 0;
    if (sg * (re - br) > 0 || (re === br && sg * (im - bi) > 0)) best = i;
  }
  return best;
}

// ---- mean, prod, max, min -------------------------------------------------------------------------------------

/** ∂prod/∂x, the product of the lane's other elements: ans/x away from zeros; at a lane's only zero, the product of
 * its non-zeros. Built from catalog ops, so it differentiates again exactly; a lane with several zeros (where the
 * second derivatives are not 0) takes the products of the elements before and after instead. */
function others(x: Value, ans: Value, axes: readonly number[]): Value {
  const z = equal(x, 0), zeros = sum(z, axes, true);
  if (zeros.size && (callOp('max', [unboxAll(zeros)]) as NDArray).item() as number > 1) return outside(x, axes);
  const safe = where(z, 1, x);
  return where(z, mul(callOp('prod', [safe], { axis: axes, keepdims: true }) as Value, equal(zeros, 1)), div(expand(ans, x, axes), safe));
}

/** Π of the lane's other elements as (product of those before) · (product of those after): doubling scans of
 * multiplies only, so exact to every order whatever the zeros. */
function outside(x: Value, axes: readonly number[]): Value {
  const keep = [...x.shape.keys()].filter((d) => !axes.includes(d)), perm = [...keep, ...axes], n = count(x.shape, axes);
  const lead = keep.map((d) => x.shape[d]), ones = (k: number) => onesLike({ shape: [...lead, k], dtype: x.dtype });
  /** v moved s places along the lane, ones coming in. */
  const shift = (v: Value, s: number) => callOp('concatenate', [[ones(s), getitem(v, ['...', { slice: [0, n - s, null] }])]], { axis: -1 }) as Value;
  const before = (v: Value) => { v = shift(v, 1); for (let s = 1; s < n; s *= 2) v = mul(v, shift(v, s)); return v; };
  const lanes = reshape(transpose(x, perm), [...lead, n]);
  const o = reshape(mul(before(lanes), flip(before(flip(lanes, -1)), -1)), perm.map((d) => x.shape[d]));
  return transpose(o, perm.map((_, i) => perm.indexOf(i)));
}

/** Where x attains its lane's extremum, as x's dtype: the cotangent is shared equally among ties (autograd's convention). */
const ties = (x: Value, ans: Value, axes: readonly number[]) => astype(equal(x, expand(ans, x, axes)), x.dtype);

const extreme = (name: string, sg: 1 | -1): OpDef => ({
  name, arity: 1, attrs: ['axis', 'keepdims'],
  infer: ([x], a) => ({ shape: reduction(name, x, a, true).shape, dtype: x.dtype }),
  forward: ([x], a, out: Meta) => {
    const cx = isComplex(x.dtype), axes = axesOf(x, a, name);
    return (!cx && extremeKernel(x, axes, out.dtype, out.shape, sg === 1)) || lanes(x, axes, out.dtype, out.shape, (v, s, n, o, k) => {
      const i = s + pick(v, s, n, cx, sg);
      if (cx) { o[2 * k] = v[2 * i]; o[2 * k + 1] = v[2 * i + 1]; } else o[k] = v[i];
    });
  },
  vjp: (g, ans, [x], a) => { const axes = axesOf(x, a, name), m = ties(x, ans, axes); return div(mul(expand(g, x, axes), m), sum(m, axes, true)); },
  jvp: (t, ans, [x], a) => { const axes = axesOf(x, a, name), m = ties(x, ans, axes); return div(sum(mul(t, m), axes, !!a.keepdims), sum(m, axes, !!a.keepdims)); },
});

defop(
  {
    name: 'mean', arity: 1, attrs: ['axis', 'keepdims'], linear: true,
    infer: ([x], a) => ({ shape: reduction('mean', x, a).shape, dtype: floatDtype(x.dtype) }),
    forward: ([x], a, out: Meta) => {
      const axes = axesOf(x, a, 'mean'), r = sumKernel(x, axes, out.dtype, out.shape), n = count(x.shape, axes);
      for (let i = 0; i < r.data.length; i++) r.data[i] /= n;
      return r;
    },
    vjp: (g, _ans, [x], a) => { const axes = axesOf(x, a, 'mean'); return div(broadcastTo(expand(g, x, axes), x.shape), count(x.shape, axes)); },
  },
  {
    name: 'prod', arity: 1, attrs: ['axis', 'keepdims'],
    infer: ([x], a) => ({ shape: reduction('prod', x, a).shape, dtype: sumDtype(x.dtype) }),
    forward: ([x], a, out: Meta) => lanes(x, axesOf(x, a, 'prod'), out.dtype, out.shape, isComplex(x.dtype)
      ? (v, s, n, o, k) => {
        let re = 1, im = 0;
        for (let i = 2 * s; i < 2 * (s + n); i += 2) { const r = re * v[i] - im * v[i + 1]; im = re * v[i + 1] + im * v[i]; re = r; }
        o[2 * k] = re; o[2 * k + 1] = im;
      }
      : (v, s, n, o, k) => { let p = 1; for (let i = s; i < s + n; i++) p *= v[i]; o[k] = p; }),
    vjp: (g, ans, [x], a) => { const axes = axesOf(x, a, 'prod'); return mul(expand(g, x, axes), others(x, ans, axes)); },
    jvp: (t, ans, [x], a) => sum(mul(t, others(x, ans, axesOf(x, a, 'prod'))), axesOf(x, a, 'prod'), !!a.keepdims),
  },
  extreme('max', 1),
  extreme('min', -1),
);
alias('amax', 'max');
alias('amin', 'min');

// ---- var, std ---------------------------------------------------------------------------------------------------

/** Axes and the divisor n − ddof (clamped at 0, as NumPy). */
function varParts(x: Meta, a: Attrs, name: string): { axes: readonly number[]; denom: number } {
  const { ddof = 0 } = a;
  if (typeof ddof !== 'number' || !Number.isFinite(ddof)) fail('BAD_ATTRIBUTE', `${name}: ddof must be a number, got ${JSON.stringify(ddof)}`);
  const axes = reduction(name, x, a).axes;
  return { axes, denom: Math.max(count(x.shape, axes) - ddof, 0) };
}
const centered = (x: Value, axes: readonly number[]) => sub(x, callOp('mean', [x], { axis: axes, keepdims: true }) as Value);
/** mean(|x − mean(x)|²)·n/(n − ddof): real for complex x. */
function variance(x: Value, axes: readonly number[], denom: number, keepdims: boolean): Value {
  const d = centered(x, axes);
  return div(sum(isComplex(x.dtype) ? real(mul(d, conj(d))) : mul(d, d), axes, keepdims), denom);
}
// Complex x follows autograd: the cotangent of |d|² is 2·conj(d)·g; the tangent is 2·Re(conj(d)·t).
const varVjp = (g: Value, x: Value, axes: readonly number[], denom: number) => mul(expand(g, x, axes), mul(conjIf(centered(x, axes)), 2 / denom));
function varJvp(t: Value, x: Value, axes: readonly number[], denom: number, keepdims: boolean): Value {
  const p = mul(conjIf(centered(x, axes)), t);
  return div(sum(isComplex(p.dtype) ? real(p) : p, axes, keepdims), denom / 2);
}

defop(
  {
    name: 'var', arity: 1, attrs: ['axis', 'ddof', 'keepdims'],
    infer: ([x], a) => { varParts(x, a, 'var'); return { shape: reduction('var', x, a).shape, dtype: realDtype(floatDtype(x.dtype)) }; },
    forward: ([x], a) => { const { axes, denom } = varParts(x, a, 'var'); return variance(x, axes, denom, !!a.keepdims) as NDArray; },
    vjp: (g, _ans, [x], a) => { const { axes, denom } = varParts(x, a, 'var'); return varVjp(g, x, axes, denom); },
    jvp: (t, _ans, [x], a) => { const { axes, denom } = varParts(x, a, 'var'); return varJvp(t, x, axes, denom, !!a.keepdims); },
  },
  {
    name: 'std', arity: 1, attrs: ['axis', 'ddof', 'keepdims'],
    infer: ([x], a) => { varParts(x, a, 'std'); return { shape: reduction('std', x, a).shape, dtype: realDtype(floatDtype(x.dtype)) }; },
    forward: ([x], a) => { const { axes, denom } = varParts(x, a, 'std'); return sqrt(variance(x, axes, denom, !!a.keepdims)) as NDArray; },
    vjp: (g, ans, [x], a) => { const { axes, denom } = varParts(x, a, 'std'); return varVjp(div(g, mul(ans, 2)), x, axes, denom); },
    jvp: (t, ans, [x], a) => { const { axes, denom } = varParts(x, a, 'std'); return div(varJvp(t, x, axes, denom, !!a.keepdims), mul(ans, 2)); },
  },
);

// ---- Along one axis: cumsum, diff, gradient, trace ---------------------------------------------------------------

function cumsumKernel(x: NDArray, axis: number, dtype: DType): NDArray {
  const v = cast(x, dtype).values(), w = isComplex(dtype) ? 2 : 1, out = allocate(dtype, x.size);
  const { outer, n, inner } = around(x.shape, axis), iw = inner * w;
  if (w === 1 && nativeKernels.cumsum(v, outer, n, inner, out)) return new NDArray(out, x.shape, dtype);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < iw; j++) {
      let s = 0;
      for (let i = 0, k = o * n * iw + j; i < n; i++, k += iw) { s += v[k]; out[k] = s; }
    }
  }
  return new NDArray(out, x.shape, dtype);
}

interface DiffArgs { n: number; axis: number; pre?: number; app?: number; shape: number[] }
function diffArgs(x: Meta, { n = 1, axis = -1, prepend, append }: Attrs): DiffArgs {
  if (!Number.isInteger(n) || n < 0) fail('BAD_ATTRIBUTE', `diff: order n must be a non-negative integer, got ${JSON.stringify(n)}`);
  for (const [k, v] of [['prepend', prepend], ['append', append]])
    if (v !== undefined && v !== null && typeof v !== 'number') fail('BAD_ATTRIBUTE', `diff: ${k} must be a number (one value along the axis), got ${JSON.stringify(v)}`);
  if (n === 0) return { n, axis: 0, shape: [...x.shape] };
  if (!x.shape.length) fail('SHAPE_MISMATCH', 'diff: needs an array of at least one dimension, got a 0-d array');
  const ax = normAxis(axis, x.shape.length, 'diff'), pre = prepend ?? undefined, app = append ?? undefined;
  const len = x.shape[ax] + (pre === undefined ? 0 : 1) + (app === undefined ? 0 : 1);
  return { n, axis: ax, pre, app, shape: x.shape.map((d, i) => (i === ax ? Math.max(0, len - n) : d)) };
}

/** np.diff: prepend/append (one value each) joined along the axis, then n successive differences (≠ for bool). */
function diffKernel(x: NDArray, { n, axis, pre, app, shape }: DiffArgs, dtype: DType): NDArray {
  if (n === 0) return x;
  const w = isComplex(dtype) ? 2 : 1, xv = cast(x, dtype).values(), bool = dtype === 'bool';
  const { outer, n: m, inner } = around(x.shape, axis), iw = inner * w, lead = pre === undefined ? 0 : 1;
  let len = m + lead + (app === undefined ? 0 : 1);
  let y = allocate(dtype, outer * len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < len; i++) {
      const src = i - lead, pad = src < 0 ? pre! : app!;
      for (let j = 0; j < iw; j++) y[(o * len + i) * iw + j] = src >= 0 && src < m ? xv[(o * m + src) * iw + j] : j % w ? 0 : pad;
    }
  }
  for (let step = 0; step < n && len > 0; step++, len--) {
    const z = allocate(dtype, outer * (len - 1) * inner);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < len - 1; i++) {
        for (let j = 0, a = (o * len + i) * iw, b = a + iw, c = (o * (len - 1) + i) * iw; j < iw; j++) z[c + j] = bool ? +(y[b + j] !== y[a + j]) : y[b + j] - y[a + j];
      }
    }
    y = z;
  }
  return new NDArray(y, shape, dtype);
}

function gradientAxes(x: Meta, { axis = null, edge_order = 1 }: Attrs): { axes: readonly number[]; edge: number } {
  if (edge_order !== 1 && edge_order !== 2) fail('BAD_ATTRIBUTE', `gradient: edge_order must be 1 or 2, got ${JSON.stringify(edge_order)}`);
  if (!x.shape.length) fail('SHAPE_MISMATCH', 'gradient: needs an array of at least one dimension, got a 0-d array');
  const axes = axis === null ? [...x.shape.keys()] : intList(axis, 'gradient', 'axis').map((d) => normAxis(d, x.shape.length, 'gradient'));
  if (new Set(axes).size !== axes.length) fail('BAD_ATTRIBUTE', `gradient: repeated axis in ${JSON.stringify(axis)}`);
  for (const d of axes)
    if (x.shape[d] <= edge_order) fail('SHAPE_MISMATCH', `gradient: shape ${fmtShape(x.shape)} has ${x.shape[d]} element(s) along axis ${d}; edge_order=${edge_order} needs at least ${edge_order + 1}`);
  return { axes, edge: edge_order };
}

/** Unit-spacing np.gradient along `axis`: central differences inside, one-sided ones of order `edge` at the ends. */
function gradientKernel(x: NDArray, axis: number, edge: number, dtype: DType): NDArray {
  const w = isComplex(dtype) ? 2 : 1, v = cast(x, dtype).values(), out = allocate(dtype, x.size);
  const { outer, n, inner } = around(x.shape, axis), iw = inner * w;
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < iw; j++) {
      const at = (i: number) => (o * n + i) * iw + j;
      out[at(0)] = edge === 1 ? v[at(1)] - v[at(0)] : (4 * v[at(1)] - 3 * v[at(0)] - v[at(2)]) / 2;
      out[at(n - 1)] = edge === 1 ? v[at(n - 1)] - v[at(n - 2)] : (3 * v[at(n - 1)] - 4 * v[at(n - 2)] + v[at(n - 3)]) / 2;
      for (let i = 1; i < n - 1; i++) out[at(i)] = (v[at(i + 1)] - v[at(i - 1)]) / 2;
    }
  }
  return new NDArray(out, x.shape, dtype);
}

/** The transpose of np.gradient along axis d. With edge_order 1 it is A·D for D = diff and A averaging
 * neighbouring differences (edges copied), so Gᵀg = −diff(Aᵀg, prepend 0, append 0) with (Aᵀg)_k = h_k + h_{k+1}
 * for h = g·[1, ½, …, ½, 1]; that sum of neighbours is exactly σ_{k+1}·diff(σ·h)_k with σ_k = (−1)^k.
 * edge_order 2 adds P·D² (∓½ the second difference at the two ends), whose transpose is D²ᵀ applied to
 * diff(q, n=2) for q = g·[−½, 0, …, 0, ½]: the zeros inside make that second difference move q's ends inwards. */
function gradientT(g: Value, d: number, edge: number): Value {
  const m = g.shape[d], dtype = realDtype(g.dtype);
  const along = (n: number, f: (k: number) => number) =>
    NDArray.fromData(Array.from({ length: n }, (_, k) => f(k)), g.shape.map((_, i) => (i === d ? n : 1)), dtype);
  const sg = (k: number) => (k % 2 ? -1 : 1);
  const h = mul(g, along(m, (k) => sg(k) * (k === 0 || k === m - 1 ? 1 : 0.5)));
  const first = neg(diff(mul(diff(h, d), along(m - 1, (k) => sg(k + 1))), d, 0, 0));
  if (edge === 1) return first;
  const q = mul(g, along(m, (k) => (k === 0 ? -0.5 : k === m - 1 ? 0.5 : 0)));
  return add(first, diff(diff(callOp('diff', [q], { n: 2, axis: d }) as Value, d, 0, 0), d, 0, 0));
}

function traceAxes(x: Meta, { offset = 0, axis1 = 0, axis2 = 1 }: Attrs): { a1: number; a2: number; offset: number } {
  if (x.shape.length < 2) fail('SHAPE_MISMATCH', `trace: needs an array of at least two dimensions, got shape ${fmtShape(x.shape)}`);
  if (!Number.isInteger(offset)) fail('BAD_ATTRIBUTE', `trace: offset must be an integer, got ${JSON.stringify(offset)}`);
  const a1 = normAxis(axis1, x.shape.length, 'trace'), a2 = normAxis(axis2, x.shape.length, 'trace');
  if (a1 === a2) fail('BAD_ATTRIBUTE', `trace: axis1 and axis2 must differ, both are ${a1}`);
  return { a1, a2, offset };
}

/** Boolean mask, of x's shape with 1 on the other axes, true on the offset diagonal of axes a1, a2. */
function diagonalMask(shape: readonly number[], a1: number, a2: number, offset: number): NDArray {
  const m = NDArray.zeros(shape.map((n, d) => (d === a1 || d === a2 ? n : 1)), 'bool');
  for (let i = Math.max(0, -offset); i < shape[a1] && i + offset < shape[a2]; i++) m.data[i * m.strides[a1] + (i + offset) * m.strides[a2]] = 1;
  return m;
}

defop(
  {
    name: 'cumsum', arity: 1, attrs: ['axis'], linear: true,
    infer: ([x], { axis = null }) => {
      if (axis !== null) normAxis(axis, x.shape.length, 'cumsum');
      return { shape: axis === null ? [sizeOf(x.shape)] : x.shape, dtype: sumDtype(x.dtype) };
    },
    forward: ([x], { axis = null }, out: Meta) =>
      axis === null ? cumsumKernel(new NDArray(x.values(), out.shape, x.dtype), 0, out.dtype) : cumsumKernel(x, normAxis(axis, x.ndim, 'cumsum'), out.dtype),
    // The cotangent of a running sum is the running sum from the other end.
    vjp: (g, _ans, [x], { axis = null }) => {
      const d = axis === null ? 0 : normAxis(axis, x.ndim, 'cumsum'), r = flip(callOp('cumsum', [flip(g, d)], { axis: d }) as Value, d);
      return axis === null ? reshape(r, x.shape) : r;
    },
  },
  {
    name: 'diff', arity: 1, attrs: ['n', 'axis', 'prepend', 'append'],
    infer: ([x], a) => {
      const { shape, pre, app } = diffArgs(x, a);
      let dtype = x.dtype;
      for (const v of [pre, app]) if (v !== undefined) dtype = promoteWeak(dtype, scalarKind(v));
      return { shape, dtype };
    },
    forward: ([x], a, out: Meta) => diffKernel(x, diffArgs(x, a), out.dtype),
    // Each difference transposes to −diff of the zero-padded cotangent; the last one skips the padding on a side
    // where the forward joined a value, which drops that value's entry.
    vjp: (g, _ans, [x], a) => {
      const { n, axis, pre, app } = diffArgs(x, a);
      const steps = Math.min(n, x.shape[axis] + (pre === undefined ? 0 : 1) + (app === undefined ? 0 : 1));
      for (let k = 1; k <= steps; k++) g = neg(diff(g, axis, k < steps || pre === undefined ? 0 : undefined, k < steps || app === undefined ? 0 : undefined));
      return g;
    },
    // Affine when values are joined: they are constants, so their tangent is 0.
    jvp: (t, _ans, _x, a) => callOp('diff', [t], { ...a, prepend: a.prepend == null ? undefined : 0, append: a.append == null ? undefined : 0 }),
  },
  {
    name: 'gradient', arity: 1, attrs: ['axis', 'edge_order'], linear: true, multi: true,
    infer: ([x], a) => {
      const { axes } = gradientAxes(x, a), m = { shape: x.shape, dtype: floatDtype(x.dtype) };
      return axes.length === 1 ? m : axes.map(() => m);
    },
    forward: ([x], a) => {
      const { axes, edge } = gradientAxes(x, a), out = axes.map((d) => gradientKernel(x, d, edge, floatDtype(x.dtype)));
      return out.length === 1 ? out[0] : out;
    },
    // One output per axis (a single array for one axis, as NumPy); outputs without a cotangent add nothing.
    vjp: (g, _ans, [x], a) => {
      const { axes, edge } = gradientAxes(x, a), gs: (Value | undefined)[] = axes.length === 1 ? [g] : g;
      return axes.reduce<Value | undefined>((acc, d, k) => {
        if (gs[k] === undefined) return acc;
        const v = gradientT(gs[k]!, d, edge);
        return acc === undefined ? v : add(acc, v);
      }, undefined);
    },
  },
  {
    name: 'trace', arity: 1, attrs: ['offset', 'axis1', 'axis2'], linear: true,
    infer: ([x], a) => { const { a1, a2 } = traceAxes(x, a); return { shape: x.shape.filter((_, d) => d !== a1 && d !== a2), dtype: sumDtype(x.dtype) }; },
    forward: ([x], a, out: Meta) => {
      const { a1, a2, offset } = traceAxes(x, a), n1 = x.shape[a1], n2 = x.shape[a2], cx = isComplex(x.dtype);
      return lanes(x, [a1, a2], out.dtype, out.shape, (v, s, _n, o, k) => {
        let re = 0, im = 0;
        for (let i = Math.max(0, -offset); i < n1 && i + offset < n2; i++) {
          const e = s + i * n2 + i + offset;
          if (cx) { re += v[2 * e]; im += v[2 * e + 1]; } else re += v[e];
        }
        if (cx) { o[2 * k] = re; o[2 * k + 1] = im; } else o[k] = re;
      });
    },
    vjp: (g, _ans, [x], a) => {
      const { a1, a2, offset } = traceAxes(x, a);
      return mul(reshape(g, x.shape.map((n, d) => (d === a1 || d === a2 ? 1 : n))), diagonalMask(x.shape, a1, a2, offset));
    },
  },
);

// ---- Without gradient: all, any, count_nonzero, argmax, argmin ---------------------------------------------------

const predicate = (name: string, dtype: DType, f: (v: Storage, s: number, n: number, cx: boolean) => number): OpDef => ({
  name, arity: 1, attrs: ['axis', 'keepdims'], nondiff: true,
  infer: ([x], a) => ({ shape: reduction(name, x, a).shape, dtype }),
  forward: ([x], a, out: Meta) => lanes(x, axesOf(x, a, name), dtype, out.shape, (v, s, n, o, k) => { o[k] = f(v, s, n, isComplex(x.dtype)); }),
});

function argAxes(name: string, x: Meta, { axis = null, keepdims = false }: Attrs) {
  return reduction(name, x, { axis: axis === null ? null : normAxis(axis, x.shape.length, name), keepdims }, true);
}
const arg = (name: string, sg: 1 | -1): OpDef => ({
  name, arity: 1, attrs: ['axis', 'keepdims'], nondiff: true,
  infer: ([x], a) => ({ shape: argAxes(name, x, a).shape, dtype: 'int64' }),
  forward: ([x], a, out: Meta) => lanes(x, argAxes(name, x, a).axes, 'int64', out.shape, (v, s, n, o, k) => { o[k] = pick(v, s, n, isComplex(x.dtype), sg); }),
});

defop(
  predicate('all', 'bool', (v, s, n, cx) => { for (let i = s; i < s + n; i++) if (!nonzero(v, i, cx)) return 0; return 1; }),
  predicate('any', 'bool', (v, s, n, cx) => { for (let i = s; i < s + n; i++) if (nonzero(v, i, cx)) return 1; return 0; }),
  predicate('count_nonzero', 'int64', (v, s, n, cx) => { let c = 0; for (let i = s; i < s + n; i++) c += +nonzero(v, i, cx); return c; }),
  arg('argmax', 1),
  arg('argmin', -1),
);
