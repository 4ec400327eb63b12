// trace(f, ...argSpecs): a function as a graph, by running it once on symbolic values.
import { isComplexScalar } from '../containers.js';
import { isDType } from '../dtype.js';
import { fail } from '../errors.js';
import { checkShape } from '../ndarray.js';
import { Tensorish } from '../tensorish.js';
import type { Graph, TensorSpec } from './ir.js';
import { subtrace } from './symbolic.js';
import { fromTree, sortedKeys, type TreeDef } from './tree.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;

const isSpec = (x: unknown): x is TensorSpec =>
  typeof x === 'object' && x !== null && Object.keys(x).length === 2 && isDType((x as TensorSpec).dtype) && Array.isArray((x as TensorSpec).shape);

/** An argument spec's structure, its leaves' types appended to `specs`: {dtype, shape}, an example array or number, or containers of them. */
function readSpec(x: unknown, where: string, specs: TensorSpec[]): TreeDef {
  if (isSpec(x)) specs.push({ dtype: x.dtype, shape: [...checkShape(x.shape, where)] });
  else if (x instanceof Tensorish) specs.push({ dtype: x.dtype, shape: [...x.shape] });
  else if (typeof x === 'number') specs.push({ dtype: 'float64', shape: [] });
  else if (typeof x === 'boolean') specs.push({ dtype: 'bool', shape: [] });
  else if (isComplexScalar(x)) specs.push({ dtype: 'complex128', shape: [] });
  else if (Array.isArray(x)) return x.map((c, i) => readSpec(c, `${where}[${i}]`, specs));
  else if (typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype)
    return Object.fromEntries(sortedKeys(x).map((k) => [k, readSpec((x as Record<string, unknown>)[k], `${where}.${k}`, specs)]));
  else fail('BAD_ARGUMENT', `${where}: expected {dtype, shape}, an example array or number, or a JS array / plain object of them; got ${x === null ? 'null' : typeof x}`);
  return null;
}

/**
 * f as a graph. Each argSpec describes one argument: {dtype, shape}, an example value (an array, a number —
 * float64 —, a boolean, {re, im}), or a JS array / plain object of them. Shapes and dtypes are inferred by the
 * catalog's shape rules as f runs, so a mismatch is an error here, naming the op; arrays f closes over become constants.
 */
export function trace(f: Fn, ...argSpecs: unknown[]): Graph {
  if (typeof f !== 'function') fail('BAD_ARGUMENT', `trace(f, ...argSpecs): f must be a function, got ${typeof f}`);
  const specs: TensorSpec[] = [];
  const inputTree = argSpecs.map((a, i) => readSpec(a, `trace: argument ${i}`, specs));
  const t = subtrace(`trace(${f.name || 'f'})`, specs, (xs) => f(...(fromTree(inputTree, xs) as unknown[])), { isolated: true });
  return t.frame.graph(t.outputs, { inputTree, outputTree: t.tree });
}
