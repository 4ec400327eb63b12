// Shape ops: views where the layout allows (reshape of contiguous data, transpose, broadcast_to).
import { defop, Meta } from '../catalog.js';
import { resultType } from '../dtype.js';
import { fail, fmtShape } from '../errors.js';
import { broadcastShapes, broadcastStrides, strided2 } from '../kernels.js';
import { checkShape, NDArray, sizeOf } from '../ndarray.js';
import { allocate, isComplex } from '../dtype.js';
import { intList, normAxis } from './axes.js';
import { reshape, transpose, where } from './prims.js';

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

defop(
  {
    name: 'reshape', arity: 1, attrs: ['shape'], linear: true,
    infer: ([x], { shape }) => ({ shape: resolveShape(x, shape), dtype: x.dtype }),
    forward: ([x], _a, out: Meta) => {
      const c = x.contiguous();
      return new NDArray(c.data, out.shape, x.dtype, undefined, c.offset);
    },
    vjp: (g, _ans, [x]) => reshape(g, x.shape),
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
