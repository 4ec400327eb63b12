// A deep copy of graph data that keeps NDArrays (shared: tests replace them, never write into them).
import { NDArray } from '../../core/ndarray.js';

export function clone<T>(x: T): T {
  if (x === null || typeof x !== 'object' || x instanceof NDArray) return x;
  if (Array.isArray(x)) return x.map(clone) as T;
  return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, clone(v)])) as T;
}
