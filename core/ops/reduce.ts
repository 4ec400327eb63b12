// Reductions over axes.
import { defop, Meta } from '../catalog.js';
import { allocate, DType, isComplex, kindOf } from '../dtype.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { keepdimsShape, normAxes, reducedShape } from './axes.js';
import { broadcastTo, reshape } from './prims.js';

/** Sums x over `axes` (sorted) into an array of the kept dimensions' shape. */
export function sumKernel(x: NDArray, axes: number[], dtype: DType, outShape: readonly number[]): NDArray {
  const out = allocate(dtype, sizeOf(outShape));
  const w = isComplex(dtype) ? 2 : 1, cx = isComplex(x.dtype);
  const v = x.values();
  if (axes.length === x.ndim) {
    let re = 0, im = 0;
    if (cx) for (let i = 0; i < x.size; i++) { re += v[2 * i]; im += v[2 * i + 1]; }
    else for (let i = 0; i < v.length; i++) re += v[i];
    out[0] = re;
    if (w === 2) out[1] = im;
    return new NDArray(out, outShape, dtype);
  }
  // Output strides along the input's axes, 0 on the reduced ones; walk the input in C order.
  const kept = keepdimsShape(x.shape, axes);
  const os: number[] = new Array(x.ndim);
  for (let d = x.ndim - 1, acc = 1; d >= 0; d--) { os[d] = axes.includes(d) ? 0 : acc; acc *= kept[d]; }
  const idx = new Array<number>(x.ndim).fill(0);
  let o = 0;
  for (let i = 0; i < x.size; i++) {
    if (cx) { out[2 * o] += v[2 * i]; out[2 * o + 1] += v[2 * i + 1]; } else out[w * o] += v[i];
    for (let d = x.ndim - 1; d >= 0; d--) {
      o += os[d];
      if (++idx[d] < x.shape[d]) break;
      o -= os[d] * x.shape[d];
      idx[d] = 0;
    }
  }
  return new NDArray(out, outShape, dtype);
}

const sumDtype = (d: DType): DType => (kindOf(d) < 2 ? 'int64' : d);

defop({
  name: 'sum', arity: 1, attrs: ['axis', 'keepdims'], linear: true,
  infer: ([x], { axis, keepdims = false }) => ({ shape: reducedShape(x.shape, normAxes(axis, x.shape.length, 'sum'), !!keepdims), dtype: sumDtype(x.dtype) }),
  forward: ([x], { axis }, out: Meta) => sumKernel(x, normAxes(axis, x.ndim, 'sum'), out.dtype, out.shape),
  vjp: (g, _ans, [x], { axis }) => broadcastTo(reshape(g, keepdimsShape(x.shape, normAxes(axis, x.ndim, 'sum'))), x.shape),
});
