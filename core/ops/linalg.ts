// numpy.linalg on stacks of matrices: the last two axes are the matrix, leading axes a batch. Forward kernels
// are LAPACK through the native addon, one matrix per call; rules are matrix calculus in catalog ops (autograd's
// formulas, after Giles's "extended collection of matrix derivative results"), so they differentiate again.
// Complex follows autograd's bilinear convention: holomorphic maps (inv, det, solve) use plain transposes.
import { Attrs, defop, Meta, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { allocate, DType, floatDtype, isComplex, realDtype, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, cast } from '../kernels.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { native } from '../native.js';
import { loadNative, type NativeAddon } from '../../native/index.js';
import { keepdimsShape, normAxis, reducedShape } from './axes.js';
import { abs, add, conj, div, equal, I, imag, matmul as mm, mul, neg, pow, real, reshape, sub, sum, transpose, where } from './prims.js';

// ---- LAPACK plumbing ---------------------------------------------------------------------------------------

export type Buf = Float64Array | Float32Array;
/** The addon, or loadNative()'s NATIVE_MISSING / NATIVE_LOAD_FAILED error: there is no JS fallback. */
export const lapack = (): NativeAddon => native() ?? loadNative();
/** Array entries per element: 2 for complex. */
export const width = (d: DType) => (isComplex(d) ? 2 : 1);

/** x's stack broadcast to `batch`, its `core` trailing dims kept, as C-ordered `dtype` storage (matrix k at k·per). */
export function stackOf(x: NDArray, batch: readonly number[], core: number, dtype: DType): Buf {
  const shape = [...batch, ...x.shape.slice(x.ndim - core)];
  return cast(new NDArray(x.data, shape, x.dtype, broadcastStrides(x, shape), x.offset), dtype).values() as Buf;
}
export const matrixAt = (b: Buf, per: number, k: number) => b.subarray(k * per, (k + 1) * per) as Buf;

/**
 * Allocates the outputs (dtype and core shape each) for a batch and calls `call(k, views)` on matrix k. LAPACK's
 * info > 0 is a LINALG_ERROR saying `failure`; info < 0 (LAPACKE found a NaN in the input) makes that matrix's
 * outputs NaN, as NaN in gives NaN out elsewhere.
 */
export function lapackBatch(op: string, batch: readonly number[], outs: [DType, number[]][], failure: (info: number) => string,
  call: (k: number, views: Buf[]) => number): NDArray[] {
  const count = sizeOf(batch), per = outs.map(([d, core]) => sizeOf(core) * width(d));
  const data = outs.map(([d, core]) => allocate(d, count * sizeOf(core)) as Buf);
  for (let k = 0; k < count; k++) {
    const views = data.map((b, i) => matrixAt(b, per[i], k));
    const info = call(k, views);
    if (info > 0) fail('LINALG_ERROR', `${op}: ${failure(info)}${count > 1 ? ` (matrix ${k} of the stack)` : ''}`);
    if (info <= -1010) fail('TOO_LARGE', `${op}: LAPACK ran out of memory`);
    if (info < 0) views.forEach((v) => v.fill(NaN));
  }
  return data.map((b, i) => new NDArray(b, [...batch, ...outs[i][1]], outs[i][0]));
}

/** Validates a stack of n×n matrices; returns n, the batch shape and the dtype LAPACK computes in. */
export function squareStack(op: string, a: Meta, what = 'a') {
  const s = a.shape, n = s[s.length - 1];
  if (s.length < 2 || s[s.length - 2] !== n)
    fail('SHAPE_MISMATCH', `${op}: ${what} must be a square matrix or a stack of them (shape [..., n, n]); got shape ${fmtShape(s)}`);
  return { n, batch: s.slice(0, -2), dtype: floatDtype(a.dtype) };
}

/** The right-hand side of a solve: a vector only when 1-d (NumPy 2), else [..., n, k]; batch broadcast with a's. */
export function rhsOf(op: string, a: Meta, b: Meta, n: number, what = 'b') {
  const vector = b.shape.length === 1, rows = b.shape[b.shape.length - (vector ? 1 : 2)];
  if (rows !== n)
    fail('SHAPE_MISMATCH', `${op}: ${what} of shape ${fmtShape(b.shape)} does not match a of shape ${fmtShape(a.shape)}: it needs ${n} rows (${what} is a vector when 1-d, else [..., ${n}, k])`);
  const batch = vector ? a.shape.slice(0, -2)
    : [...broadcastShapes(`${op}: the batch dimensions of a ${fmtShape(a.shape)} and ${what} ${fmtShape(b.shape)}`, a.shape.slice(0, -2), b.shape.slice(0, -2))];
  return { vector, batch, nrhs: vector ? 1 : b.shape[b.shape.length - 1], shape: [...batch, ...b.shape.slice(vector ? -1 : -2)] };
}

// ---- Matrix helpers for rules (catalog ops only) ------------------------------------------------------------

/** conj and real, skipped for real arrays (where they are the identity). */
export const cj = (x: Value) => (isComplex(x.dtype) ? conj(x) : x);
const re = (x: Value) => (isComplex(x.dtype) ? real(x) : x);
export const mT = (x: Value) => callOp('swapaxes', [x], { axis1: -1, axis2: -2 }) as Value;
export const mH = (x: Value) => cj(mT(x));
/** A constant n×n mask from a predicate on (i, j), in like's real dtype. */
export function constMatrix(n: number, like: { dtype: DType }, f: (i: number, j: number) => number) {
  const m = NDArray.zeros([n, n], realDtype(floatDtype(like.dtype)));
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) m.data[i * n + j] = f(i, j);
  return m;
}
/** The constant n×n identity in like's real dtype. */
export function eye(n: number, like: { dtype: DType }) {
  const m = NDArray.zeros([n, n], realDtype(floatDtype(like.dtype)));
  for (let i = 0; i < n; i++) m.data[i * (n + 1)] = 1;
  return m;
}
/** v[..., None, :]: scales columns when multiplied into a matrix. */
export const asRow = (v: Value) => reshape(v, [...v.shape.slice(0, -1), 1, v.shape[v.shape.length - 1]]);
/** v[..., :, None]. */
export const asCol = (v: Value) => reshape(v, [...v.shape, 1]);
const add2d = (v: Value) => reshape(v, [...v.shape, 1, 1]);
/** The diagonal of each matrix of a stack. */
export const diagOf = (m: Value) => sum(mul(m, eye(m.shape[m.shape.length - 1], m)), -1);
/** tr(a b) for each pair of matrices. */
const traceOf = (a: Value, b: Value) => sum(mul(mT(a), b), [-2, -1]);
/** x[..., rows, cols] with Python-style [start, stop) ranges (null: all). */
export const block = (x: Value, rows: [number | null, number | null], cols: [number | null, number | null]) =>
  callOp('getitem', [x], { index: ['...', { slice: [...rows, null] }, { slice: [...cols, null] }] }) as Value;
const concat = (xs: Value[], axis: number) => callOp('concatenate', xs, { axis }) as Value;
/** 1 / (w_j − w_i) off the diagonal, 0 on it (the eigen- and singular-vector coupling), from w's last axis. */
function coupling(w: Value, eps = 0) {
  const n = w.shape[w.shape.length - 1], off = constMatrix(n, w, (i, j) => +(i !== j));
  return div(off, add(sub(asRow(w), asCol(w)), add(eye(n, w), eps)));
}

const inv = (x: Value) => callOp('linalg.inv', [x]) as Value;
const solve = (a: Value, b: Value) => callOp('linalg.solve', [a, b]) as Value;
const svd = (x: Value, attrs: Attrs) => callOp('linalg.svd', [x], attrs) as Value[];
/** Whether a cotangent or tangent is a (symbolic or concrete) zero. */
const isZero = (v: Value | undefined) => v === undefined || (v instanceof NDArray && v.values().every((e) => e === 0));

// ---- Determinants --------------------------------------------------------------------------------------------

/** sign (re, im) and log|det| of each matrix from its LU factors: det = prod(diag U) · (−1)^swaps. */
function slogdetKernel(op: string, a: NDArray): { sign: NDArray; logabs: NDArray } {
  const { n, batch, dtype } = squareStack(op, a), cx = isComplex(dtype), w = width(dtype);
  const A = stackOf(a, batch, 2, dtype), lu = allocate(dtype, n * n) as Buf, piv = new Int32Array(n);
  const [sign, logabs] = lapackBatch(op, batch, [[dtype, []], [realDtype(dtype), []]], () => '', (k, [s, l]) => {
    const info = lapack().lu(matrixAt(A, n * n * w, k), n, lu, piv, cx);
    if (info < 0) return info;
    let sr = 1, si = 0, la = 0;
    for (let i = 0; i < n; i++) {
      if (piv[i] !== i + 1) { sr = -sr; si = -si; }
      const ur = lu[(i * n + i) * w], ui = cx ? lu[(i * n + i) * w + 1] : 0, h = Math.hypot(ur, ui);
      if (h === 0) { sr = 0; si = 0; la = -Infinity; break; }
      la += Math.log(h);
      [sr, si] = [(sr * ur - si * ui) / h, (sr * ui + si * ur) / h];
    }
    s[0] = sr;
    if (cx) s[1] = si;
    l[0] = la;
    return 0;
  });
  return { sign, logabs };
}

// ---- Norms -----------------------------------------------------------------------------------------------------

type Ord = number | 'fro' | 'nuc' | null;
interface NormPlan { ord: Ord; axes: number[]; matrix: boolean; shape: number[] }

function normOrd(ord: unknown): Ord {
  if (ord === undefined || ord === null) return null;
  if (ord === 'inf' || ord === 'Infinity') return Infinity;
  if (ord === '-inf' || ord === '-Infinity') return -Infinity;
  if (ord === 'fro' || ord === 'nuc' || (typeof ord === 'number' && !Number.isNaN(ord))) return ord;
  return fail('BAD_ATTRIBUTE', `linalg.norm: ord must be null, a number, Infinity, -Infinity, 'fro' or 'nuc'; got ${JSON.stringify(ord)}`);
}

function normPlan(x: Meta, { ord: o, axis = null, keepdims = false }: Attrs): NormPlan {
  const ord = normOrd(o), nd = x.shape.length;
  let axes: number[];
  if (axis === null) {
    if (ord !== null && nd !== 1 && nd !== 2)
      fail('SHAPE_MISMATCH', `linalg.norm: ord=${String(ord)} with axis=null needs a 1-d or 2-d array; got shape ${fmtShape(x.shape)}`);
    axes = [...Array(nd).keys()];
  } else {
    const list = typeof axis === 'number' ? [axis] : axis;
    if (!Array.isArray(list) || list.length < 1 || list.length > 2)
      fail('BAD_ATTRIBUTE', `linalg.norm: axis must be null, an integer or a pair of integers; got ${JSON.stringify(axis)}`);
    axes = list.map((a: unknown) => normAxis(a, nd, 'linalg.norm'));
    if (axes.length === 2 && axes[0] === axes[1]) fail('BAD_ATTRIBUTE', `linalg.norm: duplicate axes ${JSON.stringify(axis)}`);
  }
  const matrix = axes.length === 2 && !(axis === null && ord === null);
  if (!matrix && (ord === 'fro' || ord === 'nuc')) fail('BAD_ATTRIBUTE', `linalg.norm: ord '${ord}' is a matrix norm; the norm of shape ${fmtShape(x.shape)} over axes ${JSON.stringify(axes)} is a vector norm`);
  if (matrix && ord !== null && typeof ord === 'number' && ![1, -1, 2, -2, Infinity, -Infinity].includes(ord))
    fail('BAD_ATTRIBUTE', `linalg.norm: invalid norm order ${ord} for matrices (null, 'fro', 'nuc', ±1, ±2, ±Infinity)`);
  const sorted = [...axes].sort((p, q) => p - q);
  return { ord, axes, matrix, shape: reducedShape(x.shape, sorted, !!keepdims) };
}

/** x with the norm's axes moved last (the matrix's rows then columns), as a C-ordered array. */
function axesLast(x: NDArray, axes: number[]): NDArray {
  const rest = [...Array(x.ndim).keys()].filter((d) => !axes.includes(d)), perm = [...rest, ...axes];
  return cast(new NDArray(x.data, perm.map((d) => x.shape[d]), x.dtype, perm.map((d) => x.strides[d]), x.offset), floatDtype(x.dtype)).contiguous();
}

function normForward(x: NDArray, p: NormPlan, dtype: DType): NDArray {
  const m = axesLast(x, p.axes), inner = sizeOf(p.axes.map((d) => x.shape[d])), count = m.size / Math.max(inner, 1) || 0;
  const v = m.values(), cx = isComplex(m.dtype), out = allocate(dtype, sizeOf(p.shape));
  const absAt = (i: number) => (cx ? Math.hypot(v[2 * i], v[2 * i + 1]) : Math.abs(v[i]));
  const ord = p.ord;
  if (p.matrix && (ord === 'nuc' || ord === 2 || ord === -2)) {
    const s = callOp('linalg.svd', [m], { compute_uv: false }) as NDArray, sv = s.values(), k = s.shape[s.shape.length - 1];
    for (let b = 0; b < count; b++) {
      const row = Array.from(sv.subarray(b * k, (b + 1) * k));
      out[b] = ord === 'nuc' ? row.reduce((q, r) => q + r, 0) : ord === 2 ? Math.max(...row) : Math.min(...row);
    }
  } else if (p.matrix && ord !== null && ord !== 'fro') {
    // ±1: extreme column sum of |x| (sum over rows); ±inf: extreme row sum.
    const rows = x.shape[p.axes[0]], cols = x.shape[p.axes[1]], byCol = Math.abs(ord as number) === 1;
    const pick = (ord as number) > 0 ? Math.max : Math.min;
    for (let b = 0; b < count; b++) {
      const sums = new Array<number>(byCol ? cols : rows).fill(0);
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) sums[byCol ? j : i] += absAt(b * inner + i * cols + j);
      out[b] = pick(...sums);
    }
  } else {
    for (let b = 0; b < count; b++) {
      let acc = ord === Infinity ? -Infinity : ord === -Infinity ? Infinity : 0;
      for (let i = b * inner; i < (b + 1) * inner; i++) {
        const a = absAt(i);
        if (ord === null || ord === 'fro' || ord === 2) acc += a * a;
        else if (ord === Infinity) acc = Math.max(acc, a);
        else if (ord === -Infinity) acc = Math.min(acc, a);
        else if (ord === 0) acc += +(a !== 0);
        else acc += a ** (ord as number);
      }
      out[b] = ord === null || ord === 'fro' || ord === 2 ? Math.sqrt(acc) : typeof ord === 'number' && Number.isFinite(ord) && ord !== 0 && ord !== 1 ? acc ** (1 / ord) : acc;
    }
  }
  return new NDArray(out, p.shape, dtype);
}

/**
 * D with norm(x + dx) ≈ norm(x) + Re Σ D·dx over the norm's axes (broadcast against x): the VJP is g·D and the
 * JVP Re Σ D·t. Ties of a max or min share the gradient equally; ord 0 (a count) has none.
 */
function normDirection(x: Value, ans: Value, p: NormPlan): Value | undefined {
  const { ord, axes } = p, sorted = [...axes].sort((a, b) => a - b);
  const kept = reshape(ans, keepdimsShape(x.shape, sorted));
  if (ord === 0) return undefined;
  if (ord === null || ord === 'fro' || (ord === 2 && !p.matrix)) return div(cj(x), kept);
  const ax = abs(x), sgn = () => div(cj(x), where(equal(ax, 0), 1, ax));
  const ties = (v: Value, at: number[]) => { const m = equal(v, kept); return div(m, sum(m, at, true)); };
  if (!p.matrix) {
    if (ord === 1) return sgn();
    if (ord === Infinity || ord === -Infinity) return mul(sgn(), ties(ax, sorted));
    return div(mul(cj(x), pow(ax, (ord as number) - 2)), pow(kept, (ord as number) - 1));
  }
  const [r, c] = axes;
  if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
    const along = Math.abs(ord) === 1 ? r : c;
    return mul(sgn(), ties(sum(ax, along, true), [r + c - along]));
  }
  // 'nuc' and ±2 through the SVD of the matrices with their axes moved last.
  const rest = [...Array(x.shape.length).keys()].filter((d) => !axes.includes(d)), perm = [...rest, r, c];
  const [u, , vh] = svd(transpose(x, perm), { full_matrices: false });
  const k = Math.min(x.shape[r], x.shape[c]), j = ord === 2 ? 0 : k - 1;
  const uv = ord === 'nuc' ? mm(u, vh) : mm(block(u, [null, null], [j, j + 1]), block(vh, [j, j + 1], [null, null]));
  return cj(transpose(uv, perm.map((_, d) => perm.indexOf(d))));
}

// ---- SVD rules -------------------------------------------------------------------------------------------------

/**
 * autograd's thin-SVD VJP (Townsend; Wan & Zhang for complex); any of the cotangents may be undefined. The
 * coupling's diagonal is 0 here (autograd's is 1, which adds terms that cancel for gauge-invariant cotangents),
 * making this the exact adjoint of svdThinJvp.
 */
function svdThinVjp(x: Value, [u, s, vh]: Value[], [gu, gs, gvh]: (Value | undefined)[]): Value {
  const [m, n] = x.shape.slice(-2), k = Math.min(m, n), v = mH(vh), ik = eye(k, s), f = coupling(square2(s));
  let t: Value = gs === undefined ? zerosOf(x, [k, k]) : mul(ik, asCol(gs));
  const gv = gvh === undefined ? undefined : mH(gvh);
  if (gu !== undefined) {
    const utgu = mm(mT(u), gu);
    t = add(t, mul(mul(f, sub(utgu, mH(utgu))), asRow(s)));
    if (isComplex(x.dtype)) t = add(t, div(mul(mul(imag(utgu), ik), I), asRow(s)));
  }
  if (gv !== undefined) {
    const vtgv = mm(mT(v), gv);
    t = add(t, mul(asCol(s), mul(f, sub(vtgv, mH(vtgv)))));
  }
  t = mm(mm(cj(u), t), mT(v));
  if (m > k && gu !== undefined) t = add(t, mT(mm(mm(div(v, asRow(s)), mT(gu)), sub(eye(m, x), mm(u, mH(u))))));
  if (n > k && gv !== undefined) t = add(t, cj(mm(mm(div(u, asRow(s)), mT(gv)), sub(eye(n, x), mm(v, mH(v))))));
  return t;
}
const square2 = (v: Value) => mul(v, v);
const zerosOf = (x: Meta, core: number[]) => NDArray.zeros([...x.shape.slice(0, -2), ...core], x.dtype);

/** The thin SVD's tangents [dU, dS, dVh], P = Uᴴ dA V; the phase gauge puts i·Im(P_kk)/s_k on Uᴴ dU's diagonal, 0 on Vᴴ dV's. */
function svdThinJvp(t: Value, [u, s, vh]: Value[]): Value[] {
  const [m, n] = t.shape.slice(-2), k = Math.min(m, n), v = mH(vh), cx = isComplex(u.dtype);
  const p = mm(mm(mH(u), t), v), sr = asRow(s), sc = asCol(s), f = coupling(square2(s));
  let du = mm(u, mul(f, add(mul(p, sr), mul(sc, mH(p)))));
  if (cx) du = add(du, mul(u, asRow(div(mul(imag(diagOf(p)), I), s))));
  let dv = mm(v, mul(f, add(mul(sc, p), mul(mH(p), sr))));
  if (m > k) du = add(du, div(mm(sub(eye(m, t), mm(u, mH(u))), mm(t, v)), sr));
  if (n > k) dv = add(dv, div(mm(sub(eye(n, t), mm(v, mH(v))), mm(mH(t), u)), sr));
  return [du, re(diagOf(p)), mH(dv)];
}

/**
 * full_matrices=True: the k = min(m, n) thin factors carry the gradient. The extra columns W of U (or of V) are
 * an arbitrary orthonormal basis of the complement; they are taken to move by the least rotation that keeps
 * them orthogonal, dW = −U₁ dU₁ᴴ W, so a cotangent that depends on them only through their span (WWᴴ) gets
 * its exact gradient; a cotangent on the arbitrary basis itself has none.
 */
const extraToThin = (q1: Value, w: Value, g1: Value | undefined, gw: Value) => sub(g1 ?? NDArray.zeros(q1.shape, q1.dtype), cj(mm(mm(w, mT(gw)), q1)));
function svdFullVjp(x: Value, [u, s, vh]: Value[], [gu, gs, gvh]: (Value | undefined)[]): Value {
  const [m, n] = x.shape.slice(-2), k = Math.min(m, n), all: [null, null] = [null, null];
  const u1 = block(u, all, [0, k]), vh1 = block(vh, [0, k], all);
  let gu1 = gu && block(gu, all, [0, k]), gvh1 = gvh && block(gvh, [0, k], all);
  if (m > k && gu !== undefined) gu1 = extraToThin(u1, block(u, all, [k, null]), gu1, block(gu, all, [k, null]));
  if (n > k && gvh !== undefined) {
    const gv = mH(gvh);
    gvh1 = mH(extraToThin(mH(vh1), mH(block(vh, [k, null], all)), block(gv, all, [0, k]), block(gv, all, [k, null])));
  }
  return svdThinVjp(x, [u1, s, vh1], [gu1, gs, gvh1]);
}
function svdFullJvp(t: Value, [u, s, vh]: Value[]): Value[] {
  const [m, n] = t.shape.slice(-2), k = Math.min(m, n), all: [null, null] = [null, null];
  const u1 = block(u, all, [0, k]), vh1 = block(vh, [0, k], all);
  const [du1, ds, dvh1] = svdThinJvp(t, [u1, s, vh1]);
  const rest = (q1: Value, dq1: Value, w: Value) => concat([dq1, neg(mm(q1, mm(mH(dq1), w)))], -1);
  const du = m > k ? rest(u1, du1, block(u, all, [k, null])) : du1;
  const dvh = n > k ? mH(rest(mH(vh1), mH(dvh1), mH(block(vh, [k, null], all)))) : dvh1;
  return [du, ds, dvh];
}

// ---- Ops -----------------------------------------------------------------------------------------------------

const out1 = (op: string) => ([a]: readonly Meta[]) => { const { dtype } = squareStack(op, a); return { shape: a.shape, dtype }; };
const singular = (x: Meta) => () => `singular matrix (input of shape ${fmtShape(x.shape)})`;

defop(
  {
    name: 'linalg.inv', arity: 1,
    infer: out1('linalg.inv'),
    forward: ([a]) => {
      const { n, batch, dtype } = squareStack('linalg.inv', a), per = n * n * width(dtype), A = stackOf(a, batch, 2, dtype);
      return lapackBatch('linalg.inv', batch, [[dtype, [n, n]]], singular(a), (k, [o]) => lapack().inv(matrixAt(A, per, k), n, o, isComplex(dtype)))[0];
    },
    vjp: (g, ans) => neg(mm(mm(mT(ans), g), mT(ans))),
    jvp: (t, ans) => neg(mm(mm(ans, t), ans)),
  },
  {
    name: 'linalg.det', arity: 1,
    infer: ([a]) => { const { batch, dtype } = squareStack('linalg.det', a); return { shape: batch, dtype }; },
    forward: ([a]) => {
      const { sign, logabs } = slogdetKernel('linalg.det', a);
      return callOp('multiply', [sign, callOp('exp', [logabs])]) as NDArray;
    },
    vjp: (g, ans, [x]) => mul(mul(add2d(g), add2d(ans)), mT(inv(x))),
    jvp: (t, ans, [x]) => mul(ans, traceOf(inv(x), t)),
  },
  {
    name: 'linalg.slogdet', arity: 1, multi: true,
    infer: ([a]) => { const { batch, dtype } = squareStack('linalg.slogdet', a); return [{ shape: batch, dtype }, { shape: batch, dtype: realDtype(dtype) }]; },
    forward: ([a]) => { const { sign, logabs } = slogdetKernel('linalg.slogdet', a); return [sign, logabs]; },
    // Real input: sign is locally constant, so its cotangent is dropped (autograd). Complex input: sign's phase
    // moves by i·Im(d log det), which autograd misses; it is included here.
    vjp: ([gs, gl], [sign], [x]) => {
      const c = isComplex(x.dtype) && gs !== undefined ? add(gl ?? 0, mul(I, imag(mul(gs, sign)))) : gl;
      return c === undefined ? undefined : mul(add2d(c), mT(inv(x)));
    },
    jvp: (t, [sign], [x]) => {
      const dlog = traceOf(inv(x), t);
      return [isComplex(x.dtype) ? mul(sign, mul(I, imag(dlog))) : undefined, re(dlog)] as Value[];
    },
  },
  {
    name: 'linalg.solve', arity: 2,
    infer: ([a, b]) => {
      const { n } = squareStack('linalg.solve', a);
      return { shape: rhsOf('linalg.solve', a, b, n).shape, dtype: floatDtype(resultType(a, b)) };
    },
    forward: ([a, b], _attrs, out: Meta) => {
      const n = a.shape[a.ndim - 1], { vector, batch, nrhs } = rhsOf('linalg.solve', a, b, n), cx = isComplex(out.dtype), w = width(out.dtype);
      const A = stackOf(a, batch, 2, out.dtype), B = stackOf(b, batch, vector ? 1 : 2, out.dtype);
      return lapackBatch('linalg.solve', batch, [[out.dtype, out.shape.slice(batch.length)]], singular(a),
        (k, [x]) => lapack().solve(matrixAt(A, n * n * w, k), matrixAt(B, n * nrhs * w, k), n, nrhs, x, cx))[0];
    },
    vjp: [
      (g, ans, [a, b]) => { const col = (v: Value) => (b.shape.length === 1 ? asCol(v) : v); return neg(mm(solve(mT(a), col(g)), mT(col(ans)))); },
      (g, _ans, [a, b]) => (b.shape.length === 1 ? reshape(solve(mT(a), asCol(g)), g.shape) : solve(mT(a), g)),
    ],
    jvp: [
      (t, ans, [a, b]) => (b.shape.length === 1 ? reshape(neg(solve(a, mm(t, asCol(ans)))), ans.shape) : neg(solve(a, mm(t, ans)))),
      (t, _ans, [a]) => solve(a, t),
    ],
  },
  {
    name: 'linalg.cholesky', arity: 1,
    doc: 'Reads the lower triangle; derivatives are along Hermitian directions, the VJP in symmetric form (autograd).',
    infer: out1('linalg.cholesky'),
    forward: ([a]) => {
      const { n, batch, dtype } = squareStack('linalg.cholesky', a), per = n * n * width(dtype), A = stackOf(a, batch, 2, dtype);
      return lapackBatch('linalg.cholesky', batch, [[dtype, [n, n]]], () => `matrix is not positive definite (input of shape ${fmtShape(a.shape)})`,
        (k, [o]) => lapack().cholesky(matrixAt(A, per, k), n, o, isComplex(dtype)))[0];
    },
    // The input is read as the Hermitian matrix it stands for; derivatives are along Hermitian directions, and
    // the VJP comes in autograd's symmetric form (S + Sᴴ)/2 with S = L⁻ᵀ Φ(Lᵀ G) L̄⁻¹ (Murray, arXiv:1602.07527).
    vjp: (g, L) => {
      const y = triSolve(L, mul(mm(mT(L), g), phiMask(L)), 'T');
      const s = mT(triSolve(L, mT(y), 'C'));
      return mul(add(s, mH(s)), 0.5);
    },
    jvp: (t, L) => {
      const z = triSolve(L, mul(add(t, mH(t)), 0.5), 'N');
      return mm(L, mul(mH(triSolve(L, mH(z), 'N')), phiMask(L)));
    },
  },
  {
    name: 'linalg.eigh', arity: 1, attrs: ['UPLO'], multi: true,
    infer: ([a], { UPLO = 'L' }) => {
      const { n, batch, dtype } = squareStack('linalg.eigh', a);
      if (UPLO !== 'L' && UPLO !== 'U') fail('BAD_ATTRIBUTE', `linalg.eigh: UPLO must be 'L' or 'U', got ${JSON.stringify(UPLO)}`);
      return [{ shape: [...batch, n], dtype: realDtype(dtype) }, { shape: a.shape, dtype }];
    },
    forward: ([a], { UPLO = 'L' }) => {
      const { n, batch, dtype } = squareStack('linalg.eigh', a), per = n * n * width(dtype);
      // LAPACK reads the lower triangle; the upper one of a is the lower one of aᴴ.
      const A = stackOf(UPLO === 'U' ? (callOp('conj', [mT(a)]) as NDArray) : a, batch, 2, dtype);
      return lapackBatch('linalg.eigh', batch, [[realDtype(dtype), [n]], [dtype, [n, n]]], () => `eigenvalues did not converge (input of shape ${fmtShape(a.shape)})`,
        (k, [w, v]) => lapack().eigh(matrixAt(A, per, k), n, w, v, isComplex(dtype)));
    },
    // Only one triangle is read: the VJP is zero in the other one, with the off-diagonal X + Xᴴ in the read one.
    vjp: ([gw, gv], [w, v], [x], { UPLO = 'L' }) => {
      const n = w.shape[w.shape.length - 1], vc = cj(v);
      let m: Value = gw === undefined ? zerosOf(v, [n, n]) : mul(eye(n, w), asCol(gw));
      if (!isZero(gv)) m = add(m, mul(coupling(w), mm(mT(v), gv)));
      const s = mm(mm(vc, m), mT(v));
      return add(mul(re(s), eye(n, x)), mul(add(s, mH(s)), strictTriangle(n, x, UPLO)));
    },
    jvp: (t, [w, v], [x], { UPLO = 'L' }) => {
      const n = w.shape[w.shape.length - 1], off = mul(t, strictTriangle(n, x, UPLO));
      const m = mm(mm(mH(v), add(add(off, mH(off)), mul(re(t), eye(n, x)))), v);
      return [re(diagOf(m)), mm(v, mul(coupling(w), m))];
    },
  },
  {
    name: 'linalg.eig', arity: 1, multi: true,
    doc: 'Static rule (graphs): complex128 [w, v]. At run time the result is real when every eigenvalue of a real input is (NumPy).',
    infer: ([a]) => { const { n, batch } = squareStack('linalg.eig', a); return [{ shape: [...batch, n], dtype: 'complex128' }, { shape: a.shape, dtype: 'complex128' }]; },
    forward: ([a]) => eigForward(a),
    vjp: ([ge, gu], [e, u], [x]) => {
      const n = e.shape[e.shape.length - 1], ut = mT(u);
      let r: Value = ge === undefined ? zerosOf(u, [n, n]) : mul(eye(n, e), asCol(ge));
      if (gu !== undefined) {
        const f = coupling(e, 1e-20), utgu = mm(ut, gu);
        r = add(r, sub(mul(f, utgu), mul(f, mm(mm(ut, cj(u)), mul(re(utgu), eye(n, e))))));
      }
      return mm(mm(inv(ut), r), ut);
    },
    // dU = U (F∘M + diag c), M = U⁻¹ dA U, with real c keeping the columns at unit norm (the adjoint of the VJP).
    jvp: (t, [e, u]) => {
      const m = mm(mm(inv(u), t), u), c = mm(mm(mH(u), u), mul(coupling(e, 1e-20), m));
      return [diagOf(m), mm(u, sub(mul(coupling(e, 1e-20), m), mul(re(c), eye(e.shape[e.shape.length - 1], e))))];
    },
  },
  {
    name: 'linalg.svd', arity: 1, attrs: ['full_matrices', 'compute_uv'], multi: true,
    doc: 'full_matrices=True: the extra singular vectors get gradient only through their span (see svdFullVjp).',
    infer: ([a], { full_matrices = true, compute_uv = true }) => {
      if (a.shape.length < 2) fail('SHAPE_MISMATCH', `linalg.svd: expected a matrix or a stack of them (shape [..., m, n]); got shape ${fmtShape(a.shape)}`);
      const [m, n] = a.shape.slice(-2), k = Math.min(m, n), batch = a.shape.slice(0, -2), dtype = floatDtype(a.dtype);
      const s = { shape: [...batch, k], dtype: realDtype(dtype) };
      if (!compute_uv) return s;
      return [{ shape: [...batch, m, full_matrices ? m : k], dtype }, s, { shape: [...batch, full_matrices ? n : k, n], dtype }];
    },
    forward: ([a], { full_matrices = true, compute_uv = true }) => {
      const [m, n] = a.shape.slice(-2), k = Math.min(m, n), batch = a.shape.slice(0, -2), dtype = floatDtype(a.dtype);
      const full = full_matrices && compute_uv, A = stackOf(a, batch, 2, dtype), cx = isComplex(dtype), per = m * n * width(dtype);
      const [u, s, vh] = lapackBatch('linalg.svd', batch, [[dtype, [m, full ? m : k]], [realDtype(dtype), [k]], [dtype, [full ? n : k, n]]],
        () => `SVD did not converge (input of shape ${fmtShape(a.shape)})`,
        (j, [U, S, Vt]) => (full ? lapack().svdFull : lapack().svd)(matrixAt(A, per, j), m, n, U, S, Vt, cx));
      return compute_uv ? [u, s, vh] : s;
    },
    vjp: (g, ans, [x], { full_matrices = true, compute_uv = true }) => {
      if (!compute_uv) return svdThinVjp(x, svd(x, { full_matrices: false }), [undefined, g, undefined]);
      return (full_matrices ? svdFullVjp : svdThinVjp)(x, ans, g);
    },
    jvp: (t, ans, [x], { full_matrices = true, compute_uv = true }) => {
      if (!compute_uv) return svdThinJvp(t, svd(x, { full_matrices: false }))[1];
      return (full_matrices ? svdFullJvp : svdThinJvp)(t, ans);
    },
  },
  {
    name: 'linalg.pinv', arity: 1, attrs: ['rcond'],
    infer: ([a], { rcond = 1e-15 }) => {
      if (a.shape.length < 2) fail('SHAPE_MISMATCH', `linalg.pinv: expected a matrix or a stack of them (shape [..., m, n]); got shape ${fmtShape(a.shape)}`);
      if (typeof rcond !== 'number') fail('BAD_ATTRIBUTE', `linalg.pinv: rcond must be a number, got ${JSON.stringify(rcond)}`);
      return { shape: [...a.shape.slice(0, -2), a.shape[a.shape.length - 1], a.shape[a.shape.length - 2]], dtype: floatDtype(a.dtype) };
    },
    forward: ([a], { rcond = 1e-15 }) => {
      const [u, s, vh] = svd(a, { full_matrices: false }) as NDArray[], k = s.shape[s.ndim - 1];
      // Singular values at or below rcond · the largest count as zero (NumPy).
      const sv = s.values(), recip = new NDArray(allocate(s.dtype, s.size), s.shape, s.dtype);
      for (let b = 0; b < sv.length; b += k) {
        const cutoff = rcond * Math.max(...sv.subarray(b, b + k));
        for (let i = b; i < b + k; i++) recip.data[i] = sv[i] > cutoff ? 1 / sv[i] : 0;
      }
      return mm(mul(mH(vh), asRow(recip)), mH(u)) as NDArray;
    },
    // dP = −P dA P + P Pᴴ dAᴴ (I − AP) + (I − PA) dAᴴ Pᴴ P (Golub & Pereyra), at constant rank.
    vjp: (g, p, [a]) => {
      const [m, n] = a.shape.slice(-2);
      const t1 = neg(mm(mm(mT(p), g), mT(p)));
      const t2 = mm(mm(sub(eye(m, a), mm(a, p)), mT(g)), mm(p, mH(p)));
      const t3 = mm(mm(mm(mH(p), p), mT(g)), sub(eye(n, a), mm(p, a)));
      return add(t1, cj(add(t2, t3)));
    },
    jvp: (t, p, [a]) => {
      const [m, n] = a.shape.slice(-2);
      const t2 = mm(mm(mm(p, mH(p)), mH(t)), sub(eye(m, a), mm(a, p)));
      const t3 = mm(mm(sub(eye(n, a), mm(p, a)), mH(t)), mm(mH(p), p));
      return add(neg(mm(mm(p, t), p)), add(t2, t3));
    },
  },
  {
    name: 'linalg.norm', arity: 1, attrs: ['ord', 'axis', 'keepdims'],
    infer: ([x], attrs) => ({ shape: normPlan(x, attrs).shape, dtype: realDtype(floatDtype(x.dtype)) }),
    forward: ([x], attrs, out: Meta) => normForward(x, normPlan(x, attrs), out.dtype),
    vjp: (g, ans, [x], attrs) => {
      const p = normPlan(x, attrs), d = normDirection(x, ans, p);
      return d && mul(reshape(g, keepdimsShape(x.shape, p.axes)), d);
    },
    jvp: (t, ans, [x], attrs) => {
      const p = normPlan(x, attrs), d = normDirection(x, ans, p);
      return d ? reshape(sum(re(mul(d, t)), p.axes), ans.shape) : NDArray.zeros(ans.shape, ans.dtype);
    },
  },
);

/** Φ: the lower triangle with the diagonal halved (Cholesky's tangent map), as a constant mask. */
const phiMask = (L: Value) => constMatrix(L.shape[L.shape.length - 1], L, (i, j) => (i > j ? 1 : i === j ? 0.5 : 0));
const strictTriangle = (n: number, like: Meta, uplo: string) => constMatrix(n, like, (i, j) => +(uplo === 'L' ? i > j : i < j));
/** op(L)⁻¹ B for lower-triangular L (op: 'N' L, 'T' Lᵀ, 'C' Lᴴ). */
const triSolve = (L: Value, b: Value, trans: 'N' | 'T' | 'C') =>
  callOp('scipy.linalg.solve_triangular', [L, b], { lower: true, trans }) as Value;

/** LAPACK's ?geev on each matrix; a real input's conjugate-pair columns are unpacked, and its result is real if all eigenvalues are. */
function eigForward(a: NDArray): NDArray[] {
  const { n, batch, dtype } = squareStack('linalg.eig', a), cx = isComplex(dtype), per = n * n * width(dtype), A = stackOf(a, batch, 2, dtype);
  const rd = realDtype(dtype);
  const [wr, wi, vr] = lapackBatch('linalg.eig', batch, [[rd, [n]], [rd, [n]], [dtype, [n, n]]], () => `eigenvalues did not converge (input of shape ${fmtShape(a.shape)})`,
    (k, [r, i, v]) => lapack().eig(matrixAt(A, per, k), n, r, i, v, cx));
  const im = wi.values();
  if (!cx && im.every((x) => x === 0)) return [wr, vr];
  const count = sizeOf(batch), w = NDArray.zeros([...batch, n], 'complex128'), wre = wr.values(), vv = vr.values();
  for (let i = 0; i < count * n; i++) { w.data[2 * i] = wre[i]; w.data[2 * i + 1] = im[i]; }
  if (cx) return [w, vr];
  const v = NDArray.zeros(vr.shape, 'complex128');
  for (let b = 0; b < count; b++)
    for (let j = 0; j < n; j++) {
      const wj = im[b * n + j], first = wj < 0 ? j - 1 : j, sign = wj < 0 ? -1 : 1;
      for (let i = 0; i < n; i++) {
        const at = b * n * n + i * n;
        v.data[2 * (at + j)] = vv[at + first];
        if (wj !== 0) v.data[2 * (at + j) + 1] = sign * vv[at + first + 1];
      }
    }
  return [w, v];
}
