import { fail, fmtShape } from '../errors.js';

/**
 * The leading axes a cotangent has beyond its value's: the batch axes of a batched backward pass (a Jacobian's
 * cotangents all at once), none otherwise. Rules that reshape their cotangent keep them in front.
 */
const NO_AXES: readonly number[] = Object.freeze([]);
export const batchAxes = (g: { shape: readonly number[] }, ans: { shape: readonly number[] }): readonly number[] =>
  g.shape.length > ans.shape.length ? g.shape.slice(0, g.shape.length - ans.shape.length) : NO_AXES;

/** `shape` after the batch axes `b`. */
export const withBatch = (b: readonly number[], shape: readonly number[]): readonly number[] => (b.length ? [...b, ...shape] : shape);

/** Normalises one axis (negative counts from the end) for an array of `ndim` dimensions. */
export function normAxis(axis: unknown, ndim: number, where: string): number {
  if (typeof axis !== 'number' || !Number.isInteger(axis))
    fail('BAD_ATTRIBUTE', `${where}: axis must be an integer, got ${JSON.stringify(axis)}`);
  if (axis < -ndim || axis >= ndim)
    fail('AXIS_OUT_OF_RANGE', `${where}: axis ${axis} is out of bounds for an array of dimension ${ndim}`);
  return axis < 0 ? axis + ndim : axis;
}

/** All axes of an ndim-dimensional array, one shared frozen list per ndim (reductions over everything are common). */
const ALL_AXES: (readonly number[])[] = [];

/** Normalises null/undefined (all axes), an int or a list of ints into sorted distinct axes. */
export function normAxes(axis: unknown, ndim: number, where: string): readonly number[] {
  if (axis === null || axis === undefined) return (ALL_AXES[ndim] ??= Object.freeze(Array.from({ length: ndim }, (_, i) => i)));
  const list = Array.isArray(axis) ? axis : [axis];
  const out = list.map((a) => normAxis(a, ndim, where));
  if (new Set(out).size !== out.length) fail('BAD_ATTRIBUTE', `${where}: repeated axis in ${JSON.stringify(axis)}`);
  return out.sort((a, b) => a - b);
}

/** Checks an integer list attribute such as a shape. */
export function intList(v: unknown, where: string, name: string): number[] {
  const list = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(list) || !list.every((d) => typeof d === 'number' && Number.isInteger(d)))
    fail('BAD_ATTRIBUTE', `${where}: ${name} must be an integer or a list of integers, got ${JSON.stringify(v)}`);
  return list as number[];
}

export const keepdimsShape = (shape: readonly number[], axes: readonly number[]) => shape.map((d, i) => (axes.includes(i) ? 1 : d));
export const reducedShape = (shape: readonly number[], axes: readonly number[], keepdims: boolean) =>
  keepdims ? keepdimsShape(shape, axes) : shape.filter((_, i) => !axes.includes(i));
export { fmtShape };
