// Container structure as data, for Graph.inputTree / outputTree and loop states: null stands for one array,
// JS arrays are tuples, plain objects dicts (JSON, so a client in any language reads it). A dict's leaves
// come in sorted key order (JAX's convention): protobuf maps and JSON objects keep no order across languages.
import { isLeaf } from '../containers.js';
import { fail } from '../errors.js';

export type TreeDef = null | TreeDef[] | { [k: string]: TreeDef };

const isDict = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;

export const sortedKeys = (o: object) => Object.keys(o).sort();

const what = (x: unknown) => (x === null ? 'null' : typeof x === 'object' ? (Object.getPrototypeOf(x)?.constructor?.name ?? 'object') : typeof x);

/** The structure of a tree of arrays, numbers and booleans. */
export function treeOf(x: unknown, where: string): TreeDef {
  if (isLeaf(x)) return null;
  if (Array.isArray(x)) return x.map((c) => treeOf(c, where));
  if (isDict(x)) return Object.fromEntries(sortedKeys(x).map((k) => [k, treeOf(x[k], where)]));
  return fail('BAD_ARGUMENT', `${where}: expected an array, a number, or a JS array / plain object of them; got ${what(x)}`);
}

/** The leaves of `x`, read in the order of `tree` (dict entries by key, not by x's key order). */
export function flattenBy(tree: unknown, x: unknown, where: string, out: unknown[] = []): unknown[] {
  if (tree === null) {
    if (!isLeaf(x)) fail('BAD_ARGUMENT', `${where}: expected an array or a number; got ${what(x)}`);
    out.push(x);
  } else if (Array.isArray(tree)) {
    if (!Array.isArray(x) || x.length !== tree.length)
      fail('BAD_ARGUMENT', `${where}: expected a JS array of ${tree.length} entries; got ${Array.isArray(x) ? `${x.length} entries` : what(x)}`);
    tree.forEach((t, i) => flattenBy(t, x[i], `${where}[${i}]`, out));
  } else if (isDict(tree)) {
    const keys = sortedKeys(tree);
    if (!isDict(x) || Object.keys(x).length !== keys.length || keys.some((k) => !(k in x)))
      fail('BAD_ARGUMENT', `${where}: expected an object with keys ${keys.join(', ') || '(none)'}; got ${isDict(x) ? `keys ${Object.keys(x).join(', ')}` : what(x)}`);
    for (const k of keys) flattenBy(tree[k], x[k], `${where}.${k}`, out);
  } else fail('INVALID_GRAPH', `${where}: the tree ${JSON.stringify(tree)} is not null, a JS array or a plain object`);
  return out;
}

/** The leaves of a tree, in its own order. */
export const treeLeaves = (x: unknown, where: string): unknown[] => flattenBy(treeOf(x, where), x, where);

/** Builds the structure `tree` from leaves in order. */
export function fromTree<T>(tree: unknown, leaves: readonly T[]): unknown {
  let k = 0;
  const build = (t: unknown): unknown =>
    t === null ? leaves[k++] : Array.isArray(t) ? t.map(build) : Object.fromEntries(sortedKeys(t as object).map((key) => [key, build((t as Record<string, unknown>)[key])]));
  return build(tree);
}

/** How many leaves `tree` has; throws INVALID_GRAPH for anything but null, arrays and plain objects (at most maxDepth deep). */
export function countLeaves(tree: unknown, maxDepth: number, where: string): number {
  if (maxDepth < 0) fail('TOO_LARGE', `${where}: the tree nests too deeply`);
  if (tree === null) return 1;
  if (Array.isArray(tree)) return tree.reduce((n: number, t) => n + countLeaves(t, maxDepth - 1, where), 0);
  if (isDict(tree)) return Object.values(tree).reduce((n: number, t) => n + countLeaves(t, maxDepth - 1, where), 0);
  return fail('INVALID_GRAPH', `${where}: a tree is null (one array), a JS array or a plain object; found ${what(tree)}`);
}
