// Containers of arrays: JS arrays are tuples, plain objects are dicts, nested to any depth.
import type { Value } from './catalog.js';
import type { Complex } from './ndarray.js';
import { Tensorish } from './tensorish.js';

export type Leaf = Value | number | Complex;
export type Tree = Leaf | Tree[] | { [k: string]: Tree };

export const isComplexScalar = (x: unknown): x is Complex =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensorish) &&
  Object.keys(x).length === 2 && typeof (x as Complex).re === 'number' && typeof (x as Complex).im === 'number';

export const isLeaf = (x: unknown): x is Leaf =>
  x instanceof Tensorish || typeof x === 'number' || typeof x === 'boolean' || isComplexScalar(x);

const isDict = (x: unknown): x is Record<string, Tree> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !isLeaf(x) && Object.getPrototypeOf(x) === Object.prototype;

/** The leaves of a tree, in a fixed order (arrays by index, objects by insertion order). */
export function leaves(t: unknown, out: Leaf[] = []): Leaf[] {
  if (isLeaf(t)) out.push(t);
  else if (Array.isArray(t)) for (const c of t) leaves(c, out);
  else if (isDict(t)) for (const k of Object.keys(t)) leaves(t[k], out);
  else throw new TypeError(`expected an array, a number, or a JS array / plain object of them; got ${t === null ? 'null' : typeof t}`);
  return out;
}

/** Rebuilds a tree of `template`'s structure from leaves in `leaves` order. */
export function unleaves<T>(template: unknown, ls: readonly T[]): unknown {
  let k = 0;
  const build = (t: unknown): unknown => {
    if (isLeaf(t)) return ls[k++];
    if (Array.isArray(t)) return t.map(build);
    return Object.fromEntries(Object.keys(t as object).map((key) => [key, build((t as Record<string, unknown>)[key])]));
  };
  return build(template);
}

export const treeMap = (t: unknown, f: (l: Leaf) => unknown) => unleaves(t, leaves(t).map(f));
