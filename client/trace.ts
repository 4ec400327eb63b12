// The thin client's tracing entry: a function to a checked graph, with the catalog's shape rules and no native addon.
import { getOp } from '../core/catalog.js';
import { fail } from '../core/errors.js';
import type { Graph, TensorSpec } from '../core/graph/ir.js';
import { specOf } from '../core/graph/symbolic.js';
import { trace as traceGraph } from '../core/graph/trace.js';
import { validateGraph } from '../core/graph/validate.js';
import '../core/np.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** f as a graph (see core/graph/trace.ts), validated as a server will validate it before it is sent. */
export function trace(f: (...args: any[]) => any, ...argSpecs: unknown[]): Graph {
  const g = traceGraph(f, ...argSpecs);
  validateGraph(g);
  return g;
}

/** The catalog's shape rule: the result types of op `name` on arguments of types `args` with `attrs` (NumPy's names). */
export function inferOp(name: string, args: readonly TensorSpec[], attrs: Record<string, unknown> = {}): TensorSpec[] {
  const op = getOp(name);
  if (op.valueDependent) fail('NOT_IMPLEMENTED', `${name}: the result's shape or dtype depends on the values; it has no shape rule`);
  const out = op.infer(args, attrs);
  return (Array.isArray(out) ? out : [out]).map(specOf);
}
