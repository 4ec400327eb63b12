// autograd's flatten: any container of arrays ↔ one flat vector (differentiable both ways).
import type { Value } from './catalog.js';
import { callOp } from './call.js';
import { isComplexScalar, leaves, unleaves } from './containers.js';
import { allocate, DType, type Storage } from './dtype.js';
import { output } from './kernels.js';
import { NDArray } from './ndarray.js';
import { Tensorish } from './tensorish.js';
import { reshape } from './ops/prims.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const asArray = (l: unknown): Value =>
  l instanceof Tensorish ? l as Value
    : isComplexScalar(l) ? NDArray.fromData([l.re, l.im], [], 'complex128') : NDArray.scalar(l as number);

/** [flat, unflatten]: the leaves of `value` ravelled and concatenated; unflatten(flat) rebuilds the container. */
export function flatten(value: unknown): [Value, (flat: any, opts?: { views?: boolean }) => any] {
  const ls = leaves(value);
  const arrays = ls.map(asArray);
  const shapes = arrays.map((a) => a.shape);
  const sizes = arrays.map((a) => a.size);
  const dtype: DType = arrays.some((a) => a.dtype === 'complex128') ? 'complex128' : arrays.some((a) => a.dtype === 'float32') && arrays.every((a) => a.dtype === 'float32') ? 'float32' : 'float64';
  const total = sizes.reduce((s, n) => s + n, 0);
  let flat: Value;
  if (arrays.some((a) => !(a instanceof NDArray))) flat = callOp('concatenate', [arrays.map((a) => reshape(a, [-1]))], { axis: 0 }) as Value;
  else {
    const w = dtype === 'complex128' ? 2 : 1, out = w === 2 ? allocate(dtype, total) : output(dtype, total); // every element is set
    let k = 0;
    for (const a of arrays as NDArray[]) {
      const v = a.values();
      if (a.dtype === dtype || w === 1) out.set(v, k * w); else for (let i = 0; i < a.size; i++) out[2 * (k + i)] = v[i];
      k += a.size;
    }
    flat = new NDArray(out, [total], dtype);
  }
  /** `views`: a concrete vector's pieces share its memory (for a vector that is never written again) instead of copies. */
  const unflatten = (vec: Value, { views = false }: { views?: boolean } = {}) => {
    const parts: unknown[] = [];
    // A traced vector is split in one op, whose VJP concatenates the pieces' cotangents (one slice per piece would
    // each scatter into a vector of zeros as long as all of them).
    const pieces = !(vec instanceof NDArray) ? callOp('split', [vec], { indices_or_sections: sizes.slice(0, -1).map((_, i) => sizes.slice(0, i + 1).reduce((s, n) => s + n, 0)) }) as Value[] : [];
    let k = 0;
    ls.forEach((l, i) => {
      let part: Value;
      if (!(vec instanceof NDArray)) part = reshape(pieces[i], shapes[i]);
      else {
        const w = vec.dtype === 'complex128' ? 2 : 1, all = vec.values();
        part = new NDArray(views ? all.subarray(k * w, (k + sizes[i]) * w) as Storage : all.slice(k * w, (k + sizes[i]) * w), shapes[i], vec.dtype);
      }
      parts.push(typeof l === 'number' && part instanceof NDArray ? part.item() : part);
      k += sizes[i];
    });
    return unleaves(value, parts);
  };
  return [flat, unflatten];
}
