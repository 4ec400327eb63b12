// scipy.signal.convolve as autograd defines it: an N-d convolution over pairs of axes (`axes`), with other pairs
// contracted (`dot_axes`); the result holds A's remaining axes, then B's, then the convolved ones. It is an einsum
// of one operand with the other's sliding windows (a gather by an index table), so both rules are catalog ops.
import { Attrs, defop, Meta, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { NDArray } from '../ndarray.js';
import { normAxis } from './axes.js';
import { ALL, getitem, indexAdd } from './indexing.js';
import { mul, reshape } from './prims.js';

const NAME = 'scipy.signal.convolve';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * out[o] = Σₖ A[k]·B[o + shift − k] along each convolved pair. One operand, X, is unfolded into windows
 * U(X)[…, o, k, …] = X[…, o + shift − k, …] (zero outside X) and contracted with the other, Y: out = einsum(Y, U(X)).
 */
interface Plan {
  shape: number[];
  /** Which operand is unfolded (the one giving the smaller windows), its convolved axes, and the window lengths. */
  x: 0 | 1; xAxes: number[]; window: number[];
  /** Output length and shift along each convolved pair. */
  n: number[]; shift: number[];
  /** Einsum subscripts of Y, U(X) and the output. */
  sy: string; su: string; so: string;
}

function axisLists(v: unknown, ndims: [number, number], what: string): [number[], number[]] {
  if (!Array.isArray(v) || v.length !== 2 || !v.every(Array.isArray))
    fail('BAD_ATTRIBUTE', `${NAME}: ${what} must be two lists of axes, [axes of A, axes of B], got ${JSON.stringify(v)}`);
  const [p, q] = (v as unknown[][]).map((l, k) => l.map((d) => normAxis(d, ndims[k], `${NAME} ${what}`)));
  if (p.length !== q.length) fail('BAD_ATTRIBUTE', `${NAME}: ${what} pairs ${p.length} axes of A with ${q.length} of B`);
  return [p, q];
}

function plan(a: Meta, b: Meta, { mode = 'full', axes = null, dot_axes = [[], []] }: Attrs): Plan {
  if (mode !== 'full' && mode !== 'valid' && mode !== 'same') fail('BAD_ATTRIBUTE', `${NAME}: mode must be 'full', 'valid' or 'same', got ${JSON.stringify(mode)}`);
  const nd: [number, number] = [a.shape.length, b.shape.length], ndA = nd[0];
  if (axes === null && nd[1] < ndA) fail('SHAPE_MISMATCH', `${NAME}: without axes, B (shape ${fmtShape(b.shape)}) needs at least A's ${ndA} dimensions`);
  const [ca, cb] = axisLists(axes ?? [[...Array(ndA).keys()], [...Array(ndA).keys()]], nd, 'axes');
  const [da, db] = axisLists(dot_axes, nd, 'dot_axes');
  [[...ca, ...da], [...cb, ...db]].forEach((used, k) => {
    if (new Set(used).size !== used.length) fail('BAD_ATTRIBUTE', `${NAME}: an axis of ${'AB'[k]} is named twice in axes and dot_axes`);
  });
  da.forEach((p, i) => {
    if (a.shape[p] !== b.shape[db[i]]) fail('SHAPE_MISMATCH', `${NAME}: dot axes ${p} of A (size ${a.shape[p]}) and ${db[i]} of B (size ${b.shape[db[i]]}) differ`);
  });
  const na = ca.map((d) => a.shape[d]), nb = cb.map((d) => b.shape[d]);
  if ([...na, ...nb].some((s) => s === 0)) fail('SHAPE_MISMATCH', `${NAME}: convolved axes must not be empty (shapes ${fmtShape(a.shape)}, ${fmtShape(b.shape)})`);
  if (mode === 'valid' && !na.every((s, i) => s >= nb[i]) && !nb.every((s, i) => s >= na[i]))
    fail('SHAPE_MISMATCH', `${NAME}: mode 'valid' needs one array at least as large as the other along every convolved axis (shapes ${fmtShape(a.shape)}, ${fmtShape(b.shape)})`);
  const n = na.map((p, i) => (mode === 'full' ? p + nb[i] - 1 : mode === 'valid' ? Math.abs(p - nb[i]) + 1 : p));
  const shift = na.map((p, i) => (mode === 'full' ? 0 : mode === 'valid' ? Math.min(p, nb[i]) - 1 : (nb[i] - 1) >> 1));

  if (nd[0] + nd[1] + n.length > LETTERS.length) fail('BAD_ARGUMENT', `${NAME}: too many dimensions (${nd[0]} + ${nd[1]})`);
  const letters = [...LETTERS], la = a.shape.map(() => letters.shift()!), lb = b.shape.map(() => letters.shift()!), lo = n.map(() => letters.shift()!);
  db.forEach((q, i) => { lb[q] = la[da[i]]; });
  const ignored = (l: string[], used: number[]) => l.filter((_, d) => !used.includes(d));
  const so = [...ignored(la, [...ca, ...da]), ...ignored(lb, [...cb, ...db]), ...lo].join('');
  // Unfolding X costs its size times Π window/(X's axis length): unfold B unless A gives smaller windows.
  const ratio = (own: number[], other: number[]) => own.reduce((r, s, i) => (r * n[i] * other[i]) / s, 1);
  const x = b.shape.reduce((p, s) => p * s, 1) * ratio(nb, na) <= a.shape.reduce((p, s) => p * s, 1) * ratio(na, nb) ? 1 : 0;
  const [lx, ly, xAxes, window] = x ? [lb, la, cb, na] : [la, lb, ca, nb];
  const yConv = x ? ca : cb;
  const su = lx.map((l, d) => (xAxes.includes(d) ? lo[xAxes.indexOf(d)] + ly[yConv[xAxes.indexOf(d)]] : l)).join('');
  return { shape: [...so].map((l) => (la.includes(l) ? a.shape[la.indexOf(l)] : lb.includes(l) ? b.shape[lb.indexOf(l)] : n[lo.indexOf(l)])), x, xAxes, window, n, shift, sy: ly.join(''), su, so };
}

/** Along one axis of length m: X positions o + shift − k for output o and window k (clamped), and a 0/1 mask of
 * those inside X (null when all are). */
function table(m: number, n: number, w: number, shift: number): { idx: NDArray; mask: NDArray | null } {
  const idx = new Float64Array(n * w), mask = new Uint8Array(n * w);
  let inside = true;
  for (let o = 0; o < n; o++) for (let k = 0; k < w; k++) {
    const j = o + shift - k, ok = j >= 0 && j < m;
    idx[o * w + k] = ok ? j : 0;
    mask[o * w + k] = +ok;
    inside &&= ok;
  }
  return { idx: new NDArray(idx, [n, w], 'int64'), mask: inside ? null : new NDArray(mask, [n, w], 'bool') };
}

/** Multiplies v by a mask over its axes d and d + 1. */
const masked = (v: Value, mask: NDArray | null, d: number) => (mask ? mul(v, reshape(mask, [...mask.shape, ...Array(v.shape.length - d - 2).fill(1)])) : v);

/** U(X): each convolved axis (from the last, so the earlier ones keep their positions) becomes (output, window). */
function unfold(x: Value, p: Plan): Value {
  const order = p.xAxes.map((d, i) => [d, i]).sort((s, t) => t[0] - s[0]);
  for (const [d, i] of order) {
    const { idx, mask } = table(x.shape[d], p.n[i], p.window[i], p.shift[i]);
    x = masked(getitem(x, [...Array(d).fill(ALL), idx]), mask, d);
  }
  return x;
}

/** The adjoint of unfold: windows scatter-added back onto X's axes (from the first, the reverse order). */
function fold(u: Value, x: Meta, p: Plan): Value {
  const order = p.xAxes.map((d, i) => [d, i]).sort((s, t) => s[0] - t[0]);
  for (const [d, i] of order) {
    const { idx, mask } = table(x.shape[d], p.n[i], p.window[i], p.shift[i]);
    const target = [...u.shape.slice(0, d), x.shape[d], ...u.shape.slice(d + 2)];
    u = indexAdd(NDArray.zeros(target, u.dtype), masked(u, mask, d), [...Array(d).fill(ALL), idx]);
  }
  return u;
}

const einsum = (subscripts: string, ...ops: Value[]) => callOp('einsum', ops, { subscripts }) as Value;
const convolve = (a: Value, b: Value, attrs: Attrs) => callOp(NAME, [a, b], attrs) as Value;

/** The cotangent of argument i: the output's einsum against the other's windows, or folded back when i is X. */
function convVjp(g: Value, args: Value[], attrs: Attrs, i: number): Value {
  const p = plan(args[0], args[1], attrs), x = args[p.x], y = args[1 - p.x];
  return i === p.x ? fold(einsum(`${p.sy},${p.so}->${p.su}`, y, g), x, p) : einsum(`${p.so},${p.su}->${p.sy}`, g, unfold(x, p));
}

defop({
  name: NAME, arity: 2, attrs: ['mode', 'axes', 'dot_axes'],
  infer: ([a, b], attrs) => ({ shape: plan(a, b, attrs).shape, dtype: resultType(a, b) }),
  forward: ([a, b], attrs) => {
    const p = plan(a, b, attrs), args = [a, b];
    return einsum(`${p.sy},${p.su}->${p.so}`, args[1 - p.x], unfold(args[p.x], p)) as NDArray;
  },
  vjp: (g, _ans, args, attrs, i) => convVjp(g, args, attrs, i),
  jvp: [(t, _ans, [, b], attrs) => convolve(t, b, attrs), (t, _ans, [a], attrs) => convolve(a, t, attrs)],
  doc: "autograd's N-d convolution: A's remaining axes, then B's, then the convolved ones; axes default to all of A's, paired with B's first ones; mode 'full', 'valid' or 'same' (A's length, centred as SciPy)",
});
