// The op graph: what `trace` produces, `evalGraph` runs, the validator checks and the wire carries.
// Plain data (JSON-friendly apart from tensors), so a client in any language can build one.
import type { DType } from '../dtype.js';
import type { NDArray } from '../ndarray.js';

/** A value's static type. */
export interface TensorSpec { dtype: DType; shape: number[] }

/** A reference to a value inside a graph: a graph input, a constant, or output `index` of a node. */
export type Ref = { input: number } | { constant: number } | { node: number; index?: number };

/** An attribute value: NumPy's non-array parameters, index specs (getitem), and subgraphs (loop bodies, primitives). */
export type AttrValue =
  | null | boolean | number | string
  | AttrValue[]
  | { tensor: NDArray }                 // a constant array inside an attribute (e.g. a fancy index)
  | { slice: (number | null)[] }        // getitem slice component
  | { graph: number }                   // index into Graph.subgraphs of the graph holding the node
  | { operand: number }                 // node input `operand`, standing in an attribute: an index array computed by the graph
  | { [k: string]: AttrValue };

export interface Node {
  op: string;                  // the catalog's NumPy dotted name, a control-flow op (cond, while_loop, for_loop, scan) or primitive
  inputs: Ref[];
  attrs: Record<string, AttrValue>;
  outputs: TensorSpec[];       // inferred by the catalog's shape rules
  name?: string;
}

export interface Graph {
  catalogVersion: string;
  inputs: TensorSpec[];
  constants: NDArray[];        // a constant's `weak` flag (a JS number, NEP 50) matters: it changes result dtypes
  nodes: Node[];               // topologically ordered: a node refers only to earlier nodes
  outputs: Ref[];
  subgraphs: Graph[];
  /** Container structure of inputs/outputs (JS arrays = tuples, objects = dicts, null = one array); absent = flat lists. */
  inputTree?: unknown;
  outputTree?: unknown;
}
