// Products. Every op is a contraction: one einsum engine (diagonals and broadcasting as strided views, then
// pairwise batched gemm through BLAS) computes them, and their rules are einsums again, so they differentiate
// to any order. The bilinear ops state their einsum subscripts; the engine does the rest.
import { Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { DType, isComplex, resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { cmul } from '../complex.js';
import { broadcastShapes, cast, map2, mapC2, output } from '../kernels.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { native } from '../native.js';
import { sameShape } from '../tracer.js';
import { sumKernel } from './reduce.js';
import { intList, normAxis } from './axes.js';
import { broadcastTo, conj, matmul, mul, reshape, transpose } from './prims.js';

// ---- Subscripts -------------------------------------------------------------------------------------------

/** A letter's char code, or -k for the k-th ellipsis dimension counted from the right. */
type Label = number;
interface Plan { ins: Label[][]; out: Label[]; size: Map<Label, number>; needed?: Set<Label>[] }

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const codes = (s: string) => [...s].map((c) => c.charCodeAt(0));

function parseTerm(term: string, ndim: number | null, subscripts: string): Label[] {
  const dots = term.indexOf('...');
  const letters = term.replace('...', '');
  if (!/^[a-zA-Z]*$/.test(letters))
    fail('BAD_ATTRIBUTE', `einsum: invalid subscripts '${subscripts}': '${term}' may hold only letters a-z, A-Z and one '...'`);
  if (dots < 0) {
    if (ndim !== null && letters.length !== ndim)
      fail('SHAPE_MISMATCH', `einsum: subscripts '${term}' name ${letters.length} dimensions for an operand of ${ndim} in '${subscripts}'`);
    return codes(letters);
  }
  const e = ndim === null ? 0 : ndim - letters.length;
  if (e < 0) fail('SHAPE_MISMATCH', `einsum: subscripts '${term}' name more dimensions than the operand's ${ndim} in '${subscripts}'`);
  return [...codes(term.slice(0, dots)), ...Array.from({ length: e }, (_, j) => j - e), ...codes(term.slice(dots + 3))];
}

// Plans are immutable: the same subscripts on the same shapes reuse theirs (the cache is cleared when full).
const PLANS = new Map<string, Plan>();
function plan(subscripts: unknown, ops: readonly Meta[]): Plan {
  const key = `${String(subscripts)}|${ops.map((o) => o.shape.join(',')).join('|')}`;
  let p = PLANS.get(key);
  if (!p) {
    if (PLANS.size >= 4096) PLANS.clear();
    PLANS.set(key, (p = parse(subscripts, ops)));
  }
  return p;
}

function parse(subscripts: unknown, ops: readonly Meta[]): Plan {
  if (typeof subscripts !== 'string') fail('BAD_ATTRIBUTE', `einsum: subscripts must be a string such as 'ij,jk->ik', got ${JSON.stringify(subscripts)}`);
  const s = subscripts.replace(/\s/g, '');
  const arrow = s.indexOf('->');
  const terms = (arrow < 0 ? s : s.slice(0, arrow)).split(',');
  if (terms.length !== ops.length)
    fail('BAD_ARGUMENT', `einsum: subscripts '${subscripts}' name ${terms.length} operand${terms.length === 1 ? '' : 's'}, got ${ops.length}`);
  const ins = terms.map((t, k) => parseTerm(t, ops[k].shape.length, subscripts));
  const size = new Map<Label, number>();
  ins.forEach((labels, k) => labels.forEach((l, d) => {
    const n = ops[k].shape[d], first = labels.indexOf(l);
    if (first < d && ops[k].shape[first] !== n)
      fail('SHAPE_MISMATCH', `einsum: operand ${k} (shape ${fmtShape(ops[k].shape)}) repeats subscript '${name(l)}' on dimensions of different sizes in '${subscripts}'`);
    const m = size.get(l);
    if (m === undefined || m === 1) size.set(l, n);
    else if (n !== 1 && n !== m)
      fail('SHAPE_MISMATCH', `einsum: subscript '${name(l)}' has size ${m} and ${n} in '${subscripts}' (operand shapes ${ops.map((o) => fmtShape(o.shape)).join(', ')})`);
  }));
  const all = ins.flat();
  const ell = Math.max(0, ...all.map((l) => -l));
  const ellipsis = Array.from({ length: ell }, (_, j) => j - ell);
  if (arrow < 0) return { ins, size, out: [...ellipsis, ...[...new Set(all.filter((l) => l > 0 && all.indexOf(l) === all.lastIndexOf(l)))].sort((a, b) => a - b)] };
  const term = s.slice(arrow + 2), dots = term.indexOf('...');
  parseTerm(term, null, subscripts);
  const out = dots < 0 ? codes(term) : [...codes(term.slice(0, dots)), ...ellipsis, ...codes(term.slice(dots + 3))];
  for (const l of out) {
    if (!size.has(l)) fail('BAD_ATTRIBUTE', `einsum: output subscript '${name(l)}' in '${subscripts}' appears in no input`);
    if (out.indexOf(l) !== out.lastIndexOf(l)) fail('BAD_ATTRIBUTE', `einsum: output subscript '${name(l)}' repeats in '${subscripts}'`);
  }
  return { ins, out, size };
}
const name = (l: Label) => (l > 0 ? String.fromCharCode(l) : '...');

// ---- The engine ---------------------------------------------------------------------------------------------

/** Matrices smaller than this (m·n·k) multiply in JavaScript: the N-API call would cost more than the work. */
export const GEMM_MIN_WORK = 1000;

const computeDtype = (d: DType): DType => (d === 'complex128' || d === 'float32' ? d : 'float64');
const view = (x: NDArray, shape: number[], strides: number[]) => new NDArray(x.data, shape, x.dtype, strides, x.offset);

/** x with repeated labels collapsed to their diagonal and each dimension broadcast to the label's full size (views). */
function prepare(x: NDArray, labels: Label[], size: Map<Label, number>): [NDArray, Label[]] {
  const uniq = [...new Set(labels)];
  const strides = uniq.map((l) => labels.reduce((s, m, d) => (m === l ? s + x.strides[d] : s), 0));
  const shape = uniq.map((l) => size.get(l)!);
  return [view(x, shape, uniq.map((l, i) => (x.shape[labels.indexOf(l)] === 1 ? 0 : strides[i]))), uniq];
}

function sumOut(x: NDArray, labels: Label[], drop: (l: Label) => boolean): [NDArray, Label[]] {
  const axes = labels.flatMap((l, d) => (drop(l) ? [d] : []));
  if (!axes.length) return [x, labels];
  const kept = labels.filter((_, d) => !axes.includes(d));
  return [sumKernel(x, axes, x.dtype, kept.map((_, i) => x.shape[labels.indexOf(kept[i])])), kept];
}

/** A view of x with axes ordered as the groups and each group merged into one axis, or null when strides forbid. */
function merged(x: NDArray, groups: number[][]): NDArray | null {
  const shape: number[] = [], strides: number[] = [];
  for (const g of groups) {
    let n = 1, stride = 1, next: number | undefined;
    for (let j = g.length - 1; j >= 0; j--) {
      const d = g[j];
      n *= x.shape[d];
      if (x.shape[d] === 1) continue;
      if (next === undefined) stride = x.strides[d];
      else if (x.strides[d] !== next) return null;
      next = x.strides[d] * x.shape[d];
    }
    shape.push(n); strides.push(n === 0 ? 1 : stride);
  }
  return view(x, shape, strides);
}

/** x as [...batch, rows, cols] for labels ordered batch, rows, cols: a view when the layout allows, else a copy. */
function asMatrices(x: NDArray, labels: Label[], batch: Label[], rows: Label[], cols: Label[]): NDArray {
  const at = (ls: Label[]) => ls.map((l) => labels.indexOf(l));
  const groups = [...at(batch).map((d) => [d]), at(rows), at(cols)];
  const m = merged(x, groups);
  if (m) return m;
  const perm = groups.flat(), p = view(x, perm.map((d) => x.shape[d]), perm.map((d) => x.strides[d]));
  let k = 0;
  return merged(new NDArray(p.values(), p.shape, p.dtype), groups.map((g) => g.map(() => k++)))!;
}

/** How BLAS reads a rows×cols matrix with strides (rs, cs): row-major or transposed, with its leading dimension. */
function layout(rows: number, cols: number, rs: number, cs: number): { trans: boolean; ld: number } | null {
  if ((cs === 1 || cols === 1) && (rows === 1 || rs >= Math.max(1, cols))) return { trans: false, ld: rows === 1 ? Math.max(1, cols) : rs };
  if ((rs === 1 || rows === 1) && (cols === 1 || cs >= Math.max(1, rows))) return { trans: true, ld: cols === 1 ? Math.max(1, rows) : cs };
  return null;
}

const NO_INDEX: number[] = [];

/** C[b] = A[b] @ B[b] for A [...batch, M, K] and B [...batch, K, N] (any strides, same batch shape); C is contiguous,
 * of shape [...batch, M, N] or `shape` (as many elements). */
function batchedGemm(A: NDArray, B: NDArray, shape?: readonly number[]): NDArray {
  const nb = A.ndim - 2, batch = nb ? A.shape.slice(0, nb) : NO_INDEX;
  const M = A.shape[nb], K = A.shape[nb + 1], N = B.shape[nb + 1];
  const dtype = A.dtype, cx = isComplex(dtype), C = output(dtype, sizeOf(batch) * M * N); // every element is written
  const addon = M * N * K >= GEMM_MIN_WORK ? native() : null;
  let la = addon && layout(M, K, A.strides[nb], A.strides[nb + 1]), lb = addon && layout(K, N, B.strides[nb], B.strides[nb + 1]);
  if (addon && !la) { A = new NDArray(A.values(), A.shape, dtype); la = layout(M, K, K, 1); }
  if (addon && !lb) { B = new NDArray(B.values(), B.shape, dtype); lb = layout(K, N, N, 1); }
  const idx = nb ? new Array<number>(nb).fill(0) : NO_INDEX, count = sizeOf(batch);
  let oa = A.offset, ob = B.offset;
  for (let b = 0, oc = 0; b < count; b++, oc += M * N) {
    if (addon) addon.gemm(la!.trans, lb!.trans, M, N, K, 1, A.data as Float64Array, oa, la!.ld, B.data as Float64Array, ob, lb!.ld, 0, C as Float64Array, oc, N, cx);
    else if (cx) jsZgemm(M, N, K, A.data, oa, A.strides[nb], A.strides[nb + 1], B.data, ob, B.strides[nb], B.strides[nb + 1], C, oc);
    else jsGemm(M, N, K, A.data, oa, A.strides[nb], A.strides[nb + 1], B.data, ob, B.strides[nb], B.strides[nb + 1], C, oc);
    for (let d = nb - 1; d >= 0; d--) {
      oa += A.strides[d]; ob += B.strides[d];
      if (++idx[d] < batch[d]) break;
      oa -= A.strides[d] * batch[d]; ob -= B.strides[d] * batch[d];
      idx[d] = 0;
    }
  }
  return new NDArray(C, shape ?? [...batch, M, N], dtype);
}

type Buf = ArrayLike<number> & { [i: number]: number };
function jsGemm(M: number, N: number, K: number, a: Buf, oa: number, ra: number, ca: number, b: Buf, ob: number, rb: number, cb: number, c: Buf, oc: number) {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0, pa = oa + i * ra, pb = ob + j * cb; k < K; k++, pa += ca, pb += rb) s += a[pa] * b[pb];
      c[oc + i * N + j] = s;
    }
  }
}

function jsZgemm(M: number, N: number, K: number, a: Buf, oa: number, ra: number, ca: number, b: Buf, ob: number, rb: number, cb: number, c: Buf, oc: number) {
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let re = 0, im = 0;
      for (let k = 0, pa = 2 * (oa + i * ra), pb = 2 * (ob + j * cb); k < K; k++, pa += 2 * ca, pb += 2 * rb) {
        re += a[pa] * b[pb] - a[pa + 1] * b[pb + 1];
        im += a[pa] * b[pb + 1] + a[pa + 1] * b[pb];
      }
      c[2 * (oc + i * N + j)] = re; c[2 * (oc + i * N + j) + 1] = im;
    }
  }
}

/** Contracts two prepared operands over their shared labels that nothing later needs. */
function pair(A: NDArray, la: Label[], B: NDArray, lb: Label[], needed: Set<Label>): [NDArray, Label[]] {
  [A, la] = sumOut(A, la, (l) => !lb.includes(l) && !needed.has(l));
  [B, lb] = sumOut(B, lb, (l) => !la.includes(l) && !needed.has(l));
  const batch = la.filter((l) => lb.includes(l) && needed.has(l)), contr = la.filter((l) => lb.includes(l) && !needed.has(l));
  const fa = la.filter((l) => !lb.includes(l)), fb = lb.filter((l) => !la.includes(l));
  if (!contr.length && !fa.length && !fb.length) { // nothing to contract: an elementwise product
    const shape = batch.map((l) => A.shape[la.indexOf(l)]);
    const x = view(A, shape, batch.map((l) => A.strides[la.indexOf(l)])), y = view(B, shape, batch.map((l) => B.strides[lb.indexOf(l)]));
    return [isComplex(A.dtype) ? mapC2(x, y, shape, A.dtype, cmul) : map2(x, y, shape, A.dtype, (u, w) => u * w, 'multiply'), batch];
  }
  const C = batchedGemm(asMatrices(A, la, batch, fa, contr), asMatrices(B, lb, batch, contr, fb));
  const labels = [...batch, ...fa, ...fb], sizes = labels.map((l) => la.includes(l) ? A.shape[la.indexOf(l)] : B.shape[lb.indexOf(l)]);
  return [new NDArray(C.data, sizes, C.dtype), labels];
}

/** Evaluates a plan on concrete arrays, left to right; the result has dtype `dtype` (ints and bools go through float64). */
function contract(p: Plan, arrays: readonly NDArray[], dtype: DType): NDArray {
  const cd = computeDtype(dtype);
  const terms = arrays.map((x, k) => prepare(cast(x, cd), p.ins[k], p.size));
  // Labels still needed after operand k: the output's and those of the operands after k.
  const needed = (p.needed ??= p.ins.map((_, k) => new Set([...p.out, ...p.ins.slice(k + 1).flat()])));
  let [acc, labels] = sumOut(...terms[0], (l) => !needed[0].has(l));
  for (let k = 1; k < terms.length; k++) [acc, labels] = pair(acc, labels, ...terms[k], needed[k]);
  const perm = p.out.map((l) => labels.indexOf(l));
  return cast(view(acc, perm.map((d) => acc.shape[d]), perm.map((d) => acc.strides[d])), dtype);
}

// ---- einsum -------------------------------------------------------------------------------------------------

/** Subscripts for a plan's labels, with ellipsis dimensions given letters no operand uses. */
function letters(p: Plan): (ls: Label[]) => string {
  const used = new Set(p.ins.flat().filter((l) => l > 0));
  const free = codes(LETTERS).filter((c) => !used.has(c));
  const of = (l: Label) => String.fromCharCode(l > 0 ? l : free[-l - 1]);
  return (ls) => ls.map(of).join('');
}

/** Cotangent of operand i: the einsum of g with the others, broadcast over labels only i has, then placed on
 * the diagonal for labels that i repeats. */
function einsumVjp(g: Value, ops: Value[], p: Plan, i: number): Value {
  const str = letters(p), labels = p.ins[i], uniq = [...new Set(labels)];
  const others = ops.flatMap((o, j) => (j === i ? [] : [{ o, s: str(p.ins[j]) }]));
  const present = uniq.filter((l) => p.out.includes(l) || p.ins.some((s, j) => j !== i && s.includes(l)));
  let v = callOp('einsum', [g, ...others.map((e) => e.o)], { subscripts: `${[str(p.out), ...others.map((e) => e.s)].join(',')}->${str(present)}` }) as Value;
  const own = (l: Label) => ops[i].shape[labels.indexOf(l)];
  if (present.length < uniq.length)
    v = broadcastTo(reshape(v, uniq.map((l) => (present.includes(l) ? p.size.get(l)! : 1))), uniq.map((l) => (present.includes(l) ? p.size.get(l)! : own(l))));
  if (uniq.length === labels.length) return v;
  const first = labels.map((l, d) => labels.indexOf(l) === d);
  return mul(reshape(v, labels.map((l, d) => (first[d] ? v.shape[uniq.indexOf(l)] : 1))), diagonalMask(labels, labels.map((l) => v.shape[uniq.indexOf(l)])));
}

/** Boolean mask over dimensions of a repeated-label operand: true where all copies of each label agree. */
function diagonalMask(labels: Label[], sizes: number[]): NDArray {
  const rep = labels.map((l) => labels.indexOf(l) !== labels.lastIndexOf(l));
  const shape = sizes.map((n, d) => (rep[d] ? n : 1)), m = NDArray.zeros(shape, 'bool');
  const strides = m.strides;
  const walk = (d: number, off: number, fixed: Map<Label, number>) => {
    if (d === labels.length) { m.data[off] = 1; return; }
    if (!rep[d]) return walk(d + 1, off, fixed);
    const l = labels[d], f = fixed.get(l);
    if (f !== undefined) return walk(d + 1, off + f * strides[d], fixed);
    for (let i = 0; i < shape[d]; i++) walk(d + 1, off + i * strides[d], new Map(fixed).set(l, i));
  };
  walk(0, 0, new Map());
  return m;
}

defop({
  name: 'einsum', arity: 'variadic', attrs: ['subscripts'],
  npStyle: (call) => (subscripts: string, ...operands: unknown[]) => call(operands, { subscripts }),
  infer: (ops, { subscripts }) => {
    const p = plan(subscripts, ops);
    return { shape: p.out.map((l) => p.size.get(l)!), dtype: resultType(...ops), plan: p } as Meta;
  },
  forward: (ops, _a, out: Meta & { plan: Plan }) => contract(out.plan, ops, out.dtype),
  vjp: (g, _ans, ops, { subscripts }, i) => einsumVjp(g, ops, plan(subscripts, ops), i),
  jvp: (t, _ans, ops, attrs, i) => callOp('einsum', ops.map((o, j) => (j === i ? t : o)), attrs),
});

// ---- Bilinear products, each given by its einsum ---------------------------------------------------------------

/** A product as an einsum: subscripts, the shapes the operands enter with (flattened or padded where the product
 * says so) and the result's shape (kron reshapes the einsum's). */
interface Spec { sa: string; sb: string; so: string; ra: readonly number[]; rb: readonly number[]; shape: readonly number[] }
type Full = Spec & { plan: Plan; ro: number[] };

const reshapeTo = <T extends Value>(x: T, shape: readonly number[]): T => (sameShape(x.shape, shape) ? x : (reshape(x, shape) as T));
const einsum = (subscripts: string, ...ops: Value[]) => callOp('einsum', ops, { subscripts }) as Value;
const L = (n: number, from = 0) => LETTERS.slice(from, from + n);

function bilinear(name: string, spec: (a: Meta, b: Meta, attrs: Attrs) => Spec, attrs: string[] = []): OpDef {
  const full = (a: Meta, b: Meta, at: Attrs): Full => {
    const s = spec(a, b, at);
    const p = plan(`${s.sa},${s.sb}->${s.so}`, [{ shape: s.ra, dtype: a.dtype }, { shape: s.rb, dtype: b.dtype }]);
    return { ...s, plan: p, ro: p.out.map((l) => p.size.get(l)!) };
  };
  // A flattened or padded operand gets its cotangent reshaped back; a broadcast one is summed by the driver.
  const back = (v: Value, r: readonly number[], x: Meta) => (sameShape(r, x.shape) ? v : reshape(v, x.shape));
  const small = (a: Meta, b: Meta) => (name === 'dot' || name === 'matmul') && matrixDims(a, b);
  return {
    name, arity: 2, attrs,
    infer: ([a, b], at) => {
      if (small(a, b)) return { shape: [...a.shape.slice(0, -1), ...b.shape.slice(1)], dtype: resultType(a, b) };
      const s = full(a, b, at);
      return { shape: s.shape, dtype: resultType(a, b), spec: s } as Meta;
    },
    forward: ([a, b], _at, { shape, dtype, spec: s }: Meta & { spec: Full }) => {
      const dims = small(a, b);
      return dims ? matrixProduct(a, b, dims, dtype, shape) : reshapeTo(contract(s.plan, [reshapeTo(a, s.ra), reshapeTo(b, s.rb)], dtype), s.shape);
    },
    vjp: [
      (g, _ans, [a, b], at) => {
        if (small(a, b)) return matrixVjp(g, a, b, 0);
        const s = full(a, b, at);
        return back(einsum(`${s.so},${s.sb}->${s.sa}`, reshapeTo(g, s.ro), reshapeTo(b, s.rb)), s.ra, a);
      },
      (g, _ans, [a, b], at) => {
        if (small(a, b)) return matrixVjp(g, a, b, 1);
        const s = full(a, b, at);
        return back(einsum(`${s.sa},${s.so}->${s.sb}`, reshapeTo(a, s.ra), reshapeTo(g, s.ro)), s.rb, b);
      },
    ],
    jvp: [
      (t, _ans, [a, b], at) => { const s = full(a, b, at); return reshapeTo(einsum(`${s.sa},${s.sb}->${s.so}`, reshapeTo(t, s.ra), reshapeTo(b, s.rb)), s.shape); },
      (t, _ans, [a, b], at) => { const s = full(a, b, at); return reshapeTo(einsum(`${s.sa},${s.sb}->${s.so}`, reshapeTo(a, s.ra), reshapeTo(t, s.rb)), s.shape); },
    ],
  };
}

// ---- Vectors and matrices --------------------------------------------------------------------------------------
// dot and matmul of operands with one or two dimensions skip the einsum planner: one gemm forward, and VJPs as
// matmuls of transposed views or outer products (catalog ops, so they differentiate again).

/** [m, k, n] when a (m×k, or a k-vector) and b (k×n, or a k-vector) have one or two dimensions and align. */
export function matrixDims(a: Meta, b: Meta): [number, number, number] | null {
  const p = a.shape.length, q = b.shape.length, k = a.shape[p - 1];
  if (p < 1 || p > 2 || q < 1 || q > 2 || b.shape[0] !== k) return null;
  return [p === 2 ? a.shape[0] : 1, k, q === 2 ? b.shape[1] : 1];
}

// Indexing rather than destructuring: V8 runs array destructuring through the iterator protocol, which cost a
// small product more than its arithmetic.
function matrixProduct(a: NDArray, b: NDArray, dims: [number, number, number], dtype: DType, shape: readonly number[]): NDArray {
  const cd = computeDtype(dtype), A = cast(a, cd), B = cast(b, cd), m = dims[0], k = dims[1], n = dims[2];
  if (m * n * k < GEMM_MIN_WORK && !isComplex(cd)) { // batchedGemm's own loop for these sizes, without its views
    const C = output(cd, m * n), ra = A.ndim === 2 ? A.strides[0] : k * A.strides[0], ca = A.ndim === 2 ? A.strides[1] : A.strides[0];
    jsGemm(m, n, k, A.data, A.offset, ra, ca, B.data, B.offset, B.strides[0], B.ndim === 2 ? B.strides[1] : 1, C, 0);
    return cast(new NDArray(C, shape, cd), dtype);
  }
  // A vector is a 1×k row (a) or a k×1 column (b), as a view.
  const A2 = A.ndim === 2 ? A : view(A, [1, k], [k * A.strides[0], A.strides[0]]);
  const B2 = B.ndim === 2 ? B : view(B, [k, 1], [B.strides[0], 1]);
  return cast(batchedGemm(A2, B2, shape), dtype);
}

/** The cotangent of operand i of a @ b (see matrixDims), without conjugation (autograd's bilinear convention). */
function matrixVjp(g: Value, a: Value, b: Value, i: 0 | 1): Value {
  const p = a.shape.length, q = b.shape.length;
  const outer = (x: Value, y: Value) => mul(reshape(x, [x.size, 1]), y);
  if (i === 0) return p === 1 ? (q === 1 ? mul(g, b) : matmul(b, g)) : q === 1 ? outer(g, b) : matmul(g, transpose(b));
  return q === 1 ? (p === 1 ? mul(g, a) : matmul(g, a)) : p === 1 ? outer(a, g) : matmul(transpose(a), g);
}

/** A 0-d operand multiplies the other. */
const scaled = (a: Meta, b: Meta): Spec => {
  const p = a.shape.length, q = b.shape.length;
  return { sa: L(p), sb: L(q, p), so: L(p) + L(q, p), ra: a.shape, rb: b.shape, shape: [...a.shape, ...b.shape] };
};

function aligned(name: string, a: Meta, ka: number, b: Meta, kb: number): void {
  if (a.shape[ka] !== b.shape[kb])
    fail('SHAPE_MISMATCH', `${name}: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} are not aligned: dimension ${ka} of the first (${a.shape[ka]}) != dimension ${kb} of the second (${b.shape[kb]})`);
}

function dotSpec(a: Meta, b: Meta): Spec {
  const p = a.shape.length, q = b.shape.length;
  if (!p || !q) return scaled(a, b);
  const kb = q === 1 ? 0 : q - 2, z = L(1, p + q - 2), B = L(q - 1, p - 1);
  aligned('dot', a, p - 1, b, kb);
  return { sa: L(p - 1) + z, sb: B.slice(0, kb) + z + B.slice(kb), so: L(p - 1) + B, ra: a.shape, rb: b.shape, shape: [...a.shape.slice(0, -1), ...b.shape.filter((_, d) => d !== kb)] };
}

function matmulSpec(a: Meta, b: Meta): Spec {
  const p = a.shape.length, q = b.shape.length;
  if (!p || !q) fail('SHAPE_MISMATCH', `matmul: operand ${p ? 1 : 0} is 0-d (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}); matmul needs at least one dimension (use multiply for scalars)`);
  aligned('matmul', a, p - 1, b, q === 1 ? 0 : q - 2);
  const batch = broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
  return {
    sa: p === 1 ? 'j' : '...ij', sb: q === 1 ? 'j' : '...jk', so: `...${p > 1 ? 'i' : ''}${q > 1 ? 'k' : ''}`, ra: a.shape, rb: b.shape,
    shape: [...batch, ...(p > 1 ? [a.shape[p - 2]] : []), ...(q > 1 ? [b.shape[q - 1]] : [])],
  };
}

function tensordotSpec(a: Meta, b: Meta, { axes = 2 }: Attrs): Spec {
  const p = a.shape.length, q = b.shape.length;
  let ca: number[], cb: number[];
  if (typeof axes === 'number') {
    if (!Number.isInteger(axes) || axes < 0 || axes > p || axes > q)
      fail('BAD_ATTRIBUTE', `tensordot: axes=${axes} must be an integer from 0 to the operands' dimensions (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
    ca = [...Array(axes).keys()].map((i) => p - axes + i);
    cb = [...Array(axes).keys()];
  } else {
    if (!Array.isArray(axes) || axes.length !== 2) fail('BAD_ATTRIBUTE', `tensordot: axes must be an integer or a pair [axes_a, axes_b], got ${JSON.stringify(axes)}`);
    ca = intList(axes[0], 'tensordot', 'axes[0]').map((d) => normAxis(d, p, 'tensordot'));
    cb = intList(axes[1], 'tensordot', 'axes[1]').map((d) => normAxis(d, q, 'tensordot'));
    if (ca.length !== cb.length || new Set(ca).size !== ca.length || new Set(cb).size !== cb.length)
      fail('BAD_ATTRIBUTE', `tensordot: axes ${JSON.stringify(axes)} must list the same number of distinct axes for both operands`);
  }
  ca.forEach((d, i) => aligned('tensordot', a, d, b, cb[i]));
  const sa = L(p), sb = [...Array(q).keys()].map((e) => (cb.includes(e) ? sa[ca[cb.indexOf(e)]] : L(1, p + e))).join('');
  const fa = [...Array(p).keys()].filter((d) => !ca.includes(d)), fb = [...Array(q).keys()].filter((e) => !cb.includes(e));
  return { sa, sb, so: fa.map((d) => sa[d]).join('') + fb.map((e) => sb[e]).join(''), ra: a.shape, rb: b.shape, shape: [...fa.map((d) => a.shape[d]), ...fb.map((e) => b.shape[e])] };
}

function innerSpec(a: Meta, b: Meta): Spec {
  const p = a.shape.length, q = b.shape.length;
  if (!p || !q) return scaled(a, b);
  aligned('inner', a, p - 1, b, q - 1);
  const z = L(1, p + q - 2);
  return { sa: L(p - 1) + z, sb: L(q - 1, p - 1) + z, so: L(p - 1) + L(q - 1, p - 1), ra: a.shape, rb: b.shape, shape: [...a.shape.slice(0, -1), ...b.shape.slice(0, -1)] };
}

const outerSpec = (a: Meta, b: Meta): Spec => {
  const m = sizeOf(a.shape), n = sizeOf(b.shape);
  return { sa: 'a', sb: 'b', so: 'ab', ra: [m], rb: [n], shape: [m, n] };
};

function kronSpec(a: Meta, b: Meta): Spec {
  const nd = Math.max(a.shape.length, b.shape.length);
  const pad = (s: readonly number[]) => [...Array(nd - s.length).fill(1), ...s];
  const ra = pad(a.shape), rb = pad(b.shape), A = L(nd), B = L(nd, nd);
  return { sa: A, sb: B, so: [...A].map((c, d) => c + B[d]).join(''), ra, rb, shape: ra.map((n, d) => n * rb[d]) };
}

defop(
  bilinear('dot', dotSpec),
  bilinear('matmul', matmulSpec),
  bilinear('tensordot', tensordotSpec, ['axes']),
  bilinear('inner', innerSpec),
  bilinear('outer', outerSpec),
  bilinear('kron', kronSpec),
);

// vdot flattens both operands and conjugates the first.
const conjIf = (x: Value) => (isComplex(x.dtype) ? conj(x) : x);
const flat = <T extends Value>(x: T) => reshapeTo(x, [x.size]);
defop({
  name: 'vdot', arity: 2,
  infer: ([a, b]) => {
    if (sizeOf(a.shape) !== sizeOf(b.shape))
      fail('SHAPE_MISMATCH', `vdot: operands of shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} have different sizes (${sizeOf(a.shape)} and ${sizeOf(b.shape)})`);
    return { shape: [], dtype: resultType(a, b) };
  },
  forward: ([a, b], _a, out: Meta) => contract(plan('i,i->', [{ shape: [a.size], dtype: a.dtype }, { shape: [b.size], dtype: b.dtype }]), [flat(conjIf(a) as NDArray), flat(b)], out.dtype),
  vjp: [(g, _ans, [a, b]) => reshapeTo(conjIf(mul(g, b)), a.shape), (g, _ans, [a, b]) => reshapeTo(mul(g, conjIf(a)), b.shape)],
  jvp: [(t, _ans, [, b]) => callOp('vdot', [t, b]), (t, _ans, [a]) => callOp('vdot', [a, t])],
});

// cross: c_i = Σ ε_ijk a_j b_k over vectors of length 2 or 3 (a 2-vector has z = 0; two 2-vectors give the z
// component alone), as an einsum with the Levi-Civita tensor after moving the vector axes last.
interface CrossAxes { va: number; vb: number; vc: number; na: number; nb: number; nc: number; shape: readonly number[] }

function crossAxes(a: Meta, b: Meta, { axisa = -1, axisb = -1, axisc = -1, axis = null }: Attrs): CrossAxes {
  if (axis !== null && axis !== undefined) axisa = axisb = axisc = axis;
  if (!a.shape.length || !b.shape.length) fail('SHAPE_MISMATCH', `cross: operands must have at least one dimension (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)})`);
  const va = normAxis(axisa, a.shape.length, 'cross'), vb = normAxis(axisb, b.shape.length, 'cross');
  const na = a.shape[va], nb = b.shape[vb];
  if (![2, 3].includes(na) || ![2, 3].includes(nb))
    fail('SHAPE_MISMATCH', `cross: incompatible vector lengths ${na} (axis ${va} of shape ${fmtShape(a.shape)}) and ${nb} (axis ${vb} of shape ${fmtShape(b.shape)}); they must be 2 or 3`);
  const rest = broadcastShapes('cross', a.shape.filter((_, d) => d !== va), b.shape.filter((_, d) => d !== vb));
  const nc = na === 2 && nb === 2 ? 1 : 3;
  const vc = nc === 1 ? rest.length : normAxis(axisc, rest.length + 1, 'cross');
  return { va, vb, vc, na, nb, nc, shape: nc === 1 ? rest : [...rest.slice(0, vc), 3, ...rest.slice(vc)] };
}

const levi = (nc: number, na: number, nb: number) => {
  const e = NDArray.zeros([nc, na, nb]);
  const set = (i: number, j: number, k: number, v: number) => { if (j < na && k < nb) e.data[(i * na + j) * nb + k] = v; };
  for (const [i, j, k] of [[0, 1, 2], [1, 2, 0], [2, 0, 1]]) {
    const row = nc === 1 ? (i === 2 ? 0 : -1) : i;
    if (row >= 0) { set(row, j, k, 1); set(row, k, j, -1); }
  }
  return e;
};
/** x with axis `from` moved to `to`. */
const move = (x: Value, from: number, to: number) => {
  const perm = [...Array(x.shape.length).keys()].filter((d) => d !== from);
  perm.splice(to, 0, from);
  return transpose(x, perm);
};
const last = (x: Value, d: number) => move(x, d, x.shape.length - 1);
/** The cotangent with its vector axis last (a trailing axis of 1 when the result is the z component alone). */
const gLast = (g: Value, c: CrossAxes) => (c.nc === 1 ? reshape(g, [...g.shape, 1]) : last(g, c.vc));
/** A vector-last cotangent of an operand moved back to the operand's vector axis, counted from its end. */
const vectorBack = (v: Value, x: Meta, vx: number) => move(v, v.shape.length - 1, v.shape.length - x.shape.length + vx);

function crossForward(a: Value, b: Value, c: CrossAxes): Value {
  const r = einsum('...j,...k,ijk->...i', last(a, c.va), last(b, c.vb), cast(levi(c.nc, c.na, c.nb), resultType(a, b)));
  return c.nc === 1 ? reshape(r, c.shape) : move(r, r.shape.length - 1, c.vc);
}

defop({
  name: 'cross', arity: 2, attrs: ['axisa', 'axisb', 'axisc', 'axis'],
  infer: ([a, b], at) => {
    const dtype = resultType(a, b);
    if (dtype === 'bool') fail('DTYPE_MISMATCH', `cross is not defined for two bool arrays (shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}), as in NumPy`);
    return { shape: crossAxes(a, b, at).shape, dtype };
  },
  forward: ([a, b], at) => crossForward(a, b, crossAxes(a, b, at)) as NDArray,
  vjp: [
    (g, _ans, [a, b], at) => { const c = crossAxes(a, b, at); return vectorBack(einsum('...i,...k,ijk->...j', gLast(g, c), last(b, c.vb), levi(c.nc, c.na, c.nb)), a, c.va); },
    (g, _ans, [a, b], at) => { const c = crossAxes(a, b, at); return vectorBack(einsum('...i,...j,ijk->...k', gLast(g, c), last(a, c.va), levi(c.nc, c.na, c.nb)), b, c.vb); },
  ],
  jvp: [(t, _ans, [, b], at) => callOp('cross', [t, b], at), (t, _ans, [a], at) => callOp('cross', [a, t], at)],
});
