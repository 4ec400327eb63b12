// np.fft: the complex, real and n-dimensional transforms (with NumPy's n / s padding, axes and norms) and the
// shifts. A transform runs as 1-D steps along its axes in NumPy's order; its VJP runs the transposed steps
// backward with these same ops, so it is differentiable again. All are linear: the JVP is the op on the tangent.
import { Attrs, defop, Meta, OpDef, Value } from '../catalog.js';
import { callOp } from '../call.js';
import { allocate, isComplex } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { fftAxis, Kind } from '../fft-kernel.js';
import { cast } from '../kernels.js';
import { checkShape, cStrides, NDArray, sizeOf } from '../ndarray.js';
import { sameShape } from '../tracer.js';
import { intList, normAxis } from './axes.js';
import { mul } from './prims.js';

interface Step { axis: number; n: number; kind: Kind; inverse: boolean }
interface Family { nd: 1 | 2 | 'n'; kind: Kind; inverse: boolean }
type Plan = Meta & { steps: Step[] };

const NORMS = [null, undefined, 'backward', 'ortho', 'forward'];
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const stepLength = ({ n, kind }: Step) => (kind === 'r2c' ? (n >> 1) + 1 : n);

/** The transform lengths and axes, as NumPy's 1-D defaults and _cook_nd_args give them. */
function lengthsAndAxes(op: string, f: Family, x: Meta, { n, axis, s, axes }: Attrs): { lens: number[]; axes: number[] } {
  const ndim = x.shape.length, c2r = f.kind === 'c2r';
  if (f.nd === 1) {
    const a = normAxis(axis ?? -1, ndim, op);
    if (n !== null && n !== undefined && !Number.isInteger(n)) fail('BAD_ATTRIBUTE', `${op}: n must be an integer or null, got ${JSON.stringify(n)}`);
    return { lens: [n ?? (c2r ? 2 * (x.shape[a] - 1) : x.shape[a])], axes: [a] };
  }
  const given = s === null || s === undefined ? null : intList(s, op, 's');
  const raw = axes ?? (f.nd === 2 ? [-2, -1] : null);
  const ax = raw === null ? range(-(given ?? x.shape).length, 0) : intList(raw, op, 'axes');
  const list = ax.map((a) => normAxis(a, ndim, op));
  if (given && given.length !== list.length) fail('BAD_ATTRIBUTE', `${op}: s ${JSON.stringify(s)} and axes ${JSON.stringify(list)} have different lengths`);
  const lens = given ? given.map((d, i) => (d === -1 ? x.shape[list[i]] : d)) : list.map((a) => x.shape[a]);
  if (c2r && !given && list.length) lens[lens.length - 1] = 2 * (x.shape[list[list.length - 1]] - 1);
  return { lens, axes: list };
}

/** Validates the call and lists its 1-D steps with the result's shape and dtype. */
function plan(op: string, f: Family, x: Meta, attrs: Attrs): Plan {
  if (!NORMS.includes(attrs.norm)) fail('BAD_ATTRIBUTE', `${op}: norm must be null, 'backward', 'ortho' or 'forward', got ${JSON.stringify(attrs.norm)}`);
  if (f.kind === 'r2c' && isComplex(x.dtype)) fail('DTYPE_MISMATCH', `${op} takes real input, got complex128 of shape ${fmtShape(x.shape)} (use fft.fft for complex data)`);
  const { lens, axes } = lengthsAndAxes(op, f, x, attrs);
  lens.forEach((n, i) => {
    if (!(n >= 1)) fail('BAD_ATTRIBUTE', `${op}: invalid number of FFT data points (${n}) along axis ${axes[i]} of an array of shape ${fmtShape(x.shape)}; it must be at least 1`);
  });
  const c2c = (inverse: boolean) => (axis: number, i: number): Step => ({ axis, n: lens[i], kind: 'c2c', inverse });
  let steps: Step[];
  if (f.kind === 'c2c') steps = axes.map(c2c(f.inverse)).reverse();
  else {
    if (!axes.length) fail('BAD_ATTRIBUTE', `${op}: needs at least one axis`);
    const last = axes.length - 1, end: Step = { axis: axes[last], n: lens[last], kind: f.kind, inverse: f.kind === 'c2r' };
    const rest = axes.slice(0, last).map(c2c(f.inverse));
    steps = f.kind === 'r2c' ? [end, ...rest.reverse()] : [...rest, end];
  }
  const shape = [...x.shape];
  for (const st of steps) shape[st.axis] = stepLength(st);
  return { shape: checkShape(shape, op), dtype: f.kind === 'c2r' ? 'float64' : 'complex128', steps };
}

/** NumPy's normalisation of one step: 'backward' scales the inverse by 1/n, 'forward' the forward one, 'ortho' both by 1/√n. */
function scale(norm: string | null | undefined, { n, inverse }: Step): number {
  if (norm === 'ortho') return 1 / Math.sqrt(n);
  return (norm === 'forward') === !inverse ? 1 / n : 1;
}

const resized = (g: Value, shape: readonly number[]) => (sameShape(g.shape, shape) ? g : callOp('fft.truncate_pad', [g], { shape }) as Value);

/** Hermitian multiplicity of each of c2r's L input bins (1 for the real ones, 0 for those it drops), along `axis`. */
function hermitianWeights(n: number, L: number, axis: number, ndim: number): NDArray {
  const w = Float64Array.from({ length: L }, (_, k) => (k === 0 || 2 * k === n ? 1 : k <= n >> 1 ? 2 : 0));
  return new NDArray(w, range(0, ndim).map((i) => (i === axis ? L : 1)), 'float64');
}

/**
 * The transposed steps, last first. Every step is a symmetric matrix (up to padding): c2c and r2c transpose to
 * a c2c transform of the same direction and norm, truncated or padded back (r2c's bins are padded to n and the
 * real part is taken by the driver); c2r transposes to an inverse c2c transform times each bin's multiplicity.
 */
function transposed(g: Value, x: Meta, steps: Step[], norm: unknown): Value {
  const shapes = [x.shape];
  for (const st of steps) shapes.push(shapes[shapes.length - 1].map((d, i) => (i === st.axis ? stepLength(st) : d)));
  for (let i = steps.length - 1; i >= 0; i--) {
    const { axis, n, kind, inverse } = steps[i], before = shapes[i];
    g = resized(callOp(inverse ? 'fft.ifft' : 'fft.fft', [g], { n, axis, norm }) as Value, before);
    if (kind === 'c2r') g = mul(g, hermitianWeights(n, before[axis], axis, before.length));
  }
  return g;
}

const transform = (name: string, nd: Family['nd'], kind: Kind, inverse: boolean): OpDef => {
  const f: Family = { nd, kind, inverse };
  return {
    name, arity: 1, attrs: nd === 1 ? ['n', 'axis', 'norm'] : ['s', 'axes', 'norm'], linear: true,
    infer: ([x], attrs) => plan(name, f, x, attrs),
    forward: ([x], { norm }, out: Plan) =>
      out.steps.reduce((a, st) => fftAxis(a, st.axis, st.n, st.kind, st.inverse, scale(norm, st)), out.steps.length ? x : cast(x, 'complex128')),
    vjp: (g, _ans, [x], attrs) => transposed(g, x, plan(name, f, x, attrs).steps, attrs.norm),
  };
};

/** out[i] = x[tabs[0][i_0] + tabs[1][i_1] + …] (storage offsets per axis) over the region the tables span; zeros elsewhere. */
function gather(x: NDArray, shape: readonly number[], tabs: Int32Array[]): NDArray {
  const w = isComplex(x.dtype) ? 2 : 1, out = allocate(x.dtype, sizeOf(shape)), d = x.data;
  const region = tabs.map((t) => t.length), nd = region.length;
  if (nd === 0) { for (let c = 0; c < w; c++) out[c] = d[w * x.offset + c]; return new NDArray(out, shape, x.dtype); }
  if (sizeOf(region) === 0) return new NDArray(out, shape, x.dtype);
  const os = cStrides(shape), idx = new Array<number>(nd).fill(0), last = tabs[nd - 1], inner = region[nd - 1];
  for (let base = x.offset + tabs.slice(0, -1).reduce((acc, t) => acc + t[0], 0), dst = 0; ;) {
    for (let j = 0; j < inner; j++) {
      const p = w * (base + last[j]), q = w * (dst + j);
      out[q] = d[p];
      if (w === 2) out[q + 1] = d[p + 1];
    }
    let k = nd - 2;
    for (; k >= 0; k--) {
      const t = tabs[k], i = idx[k];
      if (i + 1 < region[k]) { idx[k] = i + 1; base += t[i + 1] - t[i]; dst += os[k]; break; }
      idx[k] = 0; base += t[0] - t[i]; dst -= i * os[k];
    }
    if (k < 0) return new NDArray(out, shape, x.dtype);
  }
}

/** fftshift's rolls per axis (summed over repeated axes, as np.roll): ⌊n/2⌋ forward, −⌊n/2⌋ for ifftshift. */
function shifts(op: string, x: Meta, axes: unknown, sign: 1 | -1): number[] {
  const ndim = x.shape.length, out = new Array<number>(ndim).fill(0);
  const list = axes === null || axes === undefined ? range(0, ndim) : intList(axes, op, 'axes').map((a) => normAxis(a, ndim, op));
  for (const a of list) out[a] += sign * Math.floor(x.shape[a] / 2);
  return out;
}

const shift = (name: string, sign: 1 | -1, inverse: string): OpDef => ({
  name, arity: 1, attrs: ['axes'], linear: true,
  infer: ([x], { axes }) => { shifts(name, x, axes, sign); return { shape: x.shape, dtype: x.dtype }; },
  forward: ([x], { axes }) => {
    const r = shifts(name, x, axes, sign);
    return gather(x, x.shape, x.shape.map((n, a) => Int32Array.from({ length: n }, (_, i) => ((((i - r[a]) % n) + n) % n) * x.strides[a])));
  },
  vjp: (g, _ans, _x, { axes }) => callOp(inverse, [g], { axes }) as Value,
});

defop(
  transform('fft.fft', 1, 'c2c', false),
  transform('fft.ifft', 1, 'c2c', true),
  transform('fft.fft2', 2, 'c2c', false),
  transform('fft.ifft2', 2, 'c2c', true),
  transform('fft.fftn', 'n', 'c2c', false),
  transform('fft.ifftn', 'n', 'c2c', true),
  transform('fft.rfft', 1, 'r2c', false),
  transform('fft.irfft', 1, 'c2r', true),
  transform('fft.rfft2', 2, 'r2c', false),
  transform('fft.irfft2', 2, 'c2r', true),
  transform('fft.rfftn', 'n', 'r2c', false),
  transform('fft.irfftn', 'n', 'c2r', true),
  shift('fft.fftshift', 1, 'fft.ifftshift'),
  shift('fft.ifftshift', -1, 'fft.fftshift'),
  {
    // autograd's own helper (autograd.numpy.fft.truncate_pad): zero-pads or truncates every axis at its end.
    name: 'fft.truncate_pad', arity: 1, attrs: ['shape'], linear: true,
    infer: ([x], { shape }) => {
      const s = checkShape(intList(shape, 'fft.truncate_pad', 'shape'), 'fft.truncate_pad');
      if (s.length !== x.shape.length) fail('SHAPE_MISMATCH', `fft.truncate_pad: shape ${fmtShape(s)} has ${s.length} axes; the array of shape ${fmtShape(x.shape)} has ${x.shape.length}`);
      return { shape: s, dtype: x.dtype };
    },
    forward: ([x], _a, out: Meta) =>
      gather(x, out.shape, out.shape.map((n, a) => Int32Array.from({ length: Math.min(n, x.shape[a]) }, (_, i) => i * x.strides[a]))),
    vjp: (g, _ans, [x]) => resized(g, x.shape),
  },
);
