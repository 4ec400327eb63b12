// Attributes between JS calls and the graph: NDArrays become {tensor}, getitem's index strings {slice},
// and an index array computed by the graph becomes {operand: k}, standing for node input k.
import type { Attrs, OpDef, Value } from '../catalog.js';
import { fail } from '../errors.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { Tensorish } from '../tensorish.js';
import { Box, unboxAll } from '../tracer.js';
import type { AttrValue, TensorSpec } from './ir.js';

/** The attribute of each op that may hold index arrays computed by the graph (node inputs). */
export const INDEX_ATTRS: Readonly<Record<string, string>> = { getitem: 'index', index_add: 'index', index_update: 'index', take: 'indices' };

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));

/** A copy that later in-place writes to the original cannot change. */
export function frozen(a: NDArray): NDArray {
  const c = new NDArray(a.values().slice(), [...a.shape], a.dtype);
  c.weak = a.weak;
  return c;
}

/** An op's attributes as graph data; `operand(v)` adds a graph value as a node input and returns its position. */
export function encodeAttrs(op: OpDef, attrs: Attrs, operand: (v: Value) => number): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {}, names = op.attrs ?? [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    if (!names.includes(k)) fail('BAD_ATTRIBUTE', `${op.name}: unknown parameter '${k}'; its parameters are ${names.join(', ') || '(none)'} (NumPy's names)`);
    const where = `${op.name}: parameter '${k}'`;
    out[k] = INDEX_ATTRS[op.name] === k
      ? (op.name === 'take' ? encode(v, where, operand) : (Array.isArray(v) ? v : [v]).map((c) => component(c, where, operand)))
      : encode(v, where, null);
  }
  return out;
}

function encode(v: unknown, where: string, operand: ((v: Value) => number) | null): AttrValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Box) return encode(unboxAll(v), where, operand);
  if (v instanceof NDArray) return v.tracedAs ? encode(v.tracedAs, where, operand) : { tensor: frozen(v) };
  if (v instanceof Tensorish) {
    if (!operand) fail('BAD_ATTRIBUTE', `${where} must be a constant, but it is a value computed by the graph`);
    return { operand: operand(v as Value) };
  }
  if (Array.isArray(v)) return v.map((c) => encode(c, where, operand));
  if (typeof v === 'function')
    fail('BAD_ATTRIBUTE', `${where} is a function; JavaScript code never travels in a graph (use np.cond, np.whileLoop, np.forLoop, np.scan or a primitive)`);
  if (isPlain(v)) return Object.fromEntries(Object.entries(v).filter(([, c]) => c !== undefined).map(([k, c]) => [k, encode(c, where, operand)]));
  return fail('BAD_ATTRIBUTE', `${where}: a ${typeof v} cannot be part of a graph`);
}

const SLICE = /^\s*(-?\d+)?\s*:\s*(-?\d+)?\s*(?::\s*(-?\d+)?\s*)?$/;

/** One getitem index component in the conformance form: integers, {slice}, null, '...', tensors. */
function component(c: unknown, where: string, operand: (v: Value) => number): AttrValue {
  if (typeof c === 'string') {
    if (/^\s*-?\d+\s*$/.test(c)) return Number(c);
    const m = SLICE.exec(c);
    return m ? { slice: [m[1], m[2], m[3]].map((s) => (s === undefined ? null : Number(s))) } : c.trim() === '...' ? '...' : c;
  }
  if (typeof c === 'boolean') return { tensor: NDArray.scalar(+c, 'bool') };
  if (Array.isArray(c)) {
    const shape: number[] = [];
    for (let v: unknown = c; Array.isArray(v); v = v[0]) shape.push(v.length);
    const flat = c.flat(Infinity);
    if (flat.length === sizeOf(shape) && flat.length > 0 && flat.every((v) => typeof v === 'boolean')) return { tensor: NDArray.fromData(flat.map(Number), shape, 'bool') };
    if (flat.length === sizeOf(shape) && flat.every(Number.isSafeInteger)) return { tensor: NDArray.fromData(flat as number[], shape, 'int64') };
  }
  return encode(c, where, operand);
}

/** Graph attributes as an op reads them: {tensor} → NDArray, {operand: k} → `operand(k)`. */
export function decodeAttrs(attrs: Readonly<Record<string, AttrValue>>, operand: (k: number) => unknown): Attrs {
  const dec = (v: AttrValue): unknown => {
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) return v.map(dec);
    if ('tensor' in v) return v.tensor;
    if ('operand' in v && typeof v.operand === 'number') return operand(v.operand);
    if ('slice' in v || 'graph' in v) return v;
    return Object.fromEntries(Object.entries(v).map(([k, c]) => [k, dec(c as AttrValue)]));
  };
  const out: Attrs = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = dec(v);
  return out;
}

/** The positions {operand} attributes name, in the order they appear. */
export function operandsOf(attrs: Readonly<Record<string, unknown>>): number[] {
  const found: number[] = [];
  const walk = (v: unknown) => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) v.forEach(walk);
    else if ('operand' in v && Object.keys(v).length === 1) found.push((v as { operand: number }).operand);
    else if (!('tensor' in v)) Object.values(v).forEach(walk);
  };
  Object.values(attrs).forEach(walk);
  return found;
}

/**
 * What stands for a computed index array while shapes are inferred: zeros of its type, since an integer index's
 * result shape depends only on the index's shape. A computed boolean mask has no static result shape.
 */
export function placeholder(spec: { readonly shape: readonly number[]; readonly dtype: TensorSpec['dtype'] }, where: string): NDArray {
  if (spec.dtype === 'bool')
    fail('BAD_ARGUMENT', `${where}: a boolean mask computed by the graph selects a number of elements known only when it runs, so it cannot be part of a graph; ` +
      'use np.where(mask, x, 0) (or a mask that is a constant array)');
  return NDArray.zeros(spec.shape, spec.dtype);
}
