// validateGraph: checks a graph from an untrusted source before anything runs. Structure (every field,
// reference and attribute), limits, and types: each node's shape rule is re-run on its declared input types
// and must give its declared outputs; control-flow subgraphs must match their node's signature.
// Each problem is one GraddTypeError / GraddRangeError with a code, naming the node (path, index, op).
import { getOp, hasOp, type Meta } from '../catalog.js';
import { allocate, isDType } from '../dtype.js';
import { fail, fmtShape, graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { MAX_ELEMENTS, NDArray } from '../ndarray.js';
import { decodeAttrs, INDEX_ATTRS, operandsOf, placeholder } from './attrs.js';
import type { Graph, Ref, TensorSpec } from './ir.js';
import { countLeaves } from './tree.js';
import { checkCatalogVersion, CONTROL_ATTRS } from './version.js';

export interface GraphLimits {
  /** Nodes in the graph and all its subgraphs together. */
  maxNodes: number;
  /** Subgraph nesting, and nesting inside attributes and trees. */
  maxDepth: number;
  /** Elements of any one tensor (inputs, constants, node results), and of all constants together. */
  maxElements: number;
  /** evalGraph: loop iterations in one evaluation, all loops together. */
  maxLoopIterations: number;
}

export const DEFAULT_LIMITS: GraphLimits = { maxNodes: 1_000_000, maxDepth: 32, maxElements: MAX_ELEMENTS, maxLoopIterations: 1_000_000 };

const MAX_RANK = 64;
/** Attributes that size a result (counts, lengths, widths): no integer in them may exceed maxElements. */
const SIZING = ['repeats', 'reps', 'pad_width', 'num', 'n', 's', 'shape', 'indices_or_sections'];

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v));
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
function bad(where: string, msg: string): never {
  return fail('INVALID_GRAPH', `${where}: ${msg}`);
}
const fmt = (s: Meta) => `${s.dtype}${fmtShape(s.shape)}`;
const sameType = (a: Meta, b: Meta) => a.dtype === b.dtype && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

/** Throws unless `graph` is a valid graph within `limits` (defaults: DEFAULT_LIMITS). */
export function validateGraph(graph: unknown, limits: Partial<GraphLimits> = {}): asserts graph is Graph {
  const checker: Checker = new Checker({ ...DEFAULT_LIMITS, ...limits });
  checker.graph(graph, 0, 'graph');
}

/** The types of a valid graph's outputs. */
export function outputSpecs(g: Graph): Meta[] {
  return g.outputs.map((r) => refType(g, r));
}

function refType(g: Graph, r: Ref): Meta {
  if ('input' in r) return g.inputs[r.input];
  if ('constant' in r) return g.constants[r.constant];
  return g.nodes[r.node].outputs[r.index ?? 0];
}

class Checker {
  private nodes = 0;
  private elements = 0;
  constructor(private readonly L: GraphLimits) {}

  graph(g: unknown, depth: number, where: string): asserts g is Graph {
    if (!isObj(g)) bad(where, 'is not a graph (an object with catalogVersion, inputs, constants, nodes, outputs, subgraphs)');
    if (depth > this.L.maxDepth) fail('TOO_LARGE', `${where}: subgraphs nest deeper than ${this.L.maxDepth} levels`);
    checkCatalogVersion(g.catalogVersion, where);
    for (const k of ['inputs', 'constants', 'nodes', 'outputs', 'subgraphs'])
      if (!Array.isArray(g[k])) bad(where, `${k} must be an array`);
    const extra = Object.keys(g).find((k) => !['catalogVersion', 'inputs', 'constants', 'nodes', 'outputs', 'subgraphs', 'inputTree', 'outputTree'].includes(k));
    if (extra !== undefined) bad(where, `unknown field '${extra}'`);
    const G = g as unknown as Graph;
    G.inputs.forEach((s, i) => this.spec(s, `${where}.inputs[${i}]`));
    G.constants.forEach((c, i) => {
      this.tensor(c, `${where}.constants[${i}]`);
      if ((this.elements += c.size) > this.L.maxElements) fail('TOO_LARGE', `${where}.constants[${i}]: the constants hold more than ${this.L.maxElements} elements together`);
    });
    if ((this.nodes += G.nodes.length) > this.L.maxNodes) fail('TOO_LARGE', `${where}: the graph has more than ${this.L.maxNodes} nodes (subgraphs included)`);
    G.subgraphs.forEach((s, i) => this.graph(s, depth + 1, `${where}.subgraphs[${i}]`));
    const names = new Set<string>();
    G.nodes.forEach((n, i) => this.node(G, n, i, names, depth, `${where}.nodes[${i}]`));
    G.outputs.forEach((r, j) => this.ref(G, r, G.nodes.length, `${where}.outputs[${j}]`));
    if (G.inputTree !== undefined && countLeaves(G.inputTree, this.L.maxDepth, `${where}.inputTree`) !== G.inputs.length)
      bad(where, `inputTree has a different number of leaves than the graph's ${G.inputs.length} inputs`);
    if (G.outputTree !== undefined && countLeaves(G.outputTree, this.L.maxDepth, `${where}.outputTree`) !== G.outputs.length)
      bad(where, `outputTree has a different number of leaves than the graph's ${G.outputs.length} outputs`);
  }

  spec(s: unknown, where: string): asserts s is TensorSpec {
    if (!isObj(s) || Object.keys(s).some((k) => k !== 'dtype' && k !== 'shape')) bad(where, 'is not a tensor type {dtype, shape}');
    if (!isDType(s.dtype)) bad(where, `unknown dtype ${JSON.stringify(s.dtype)?.slice(0, 40)}`);
    this.shape(s.shape, where);
  }

  private shape(shape: unknown, where: string): void {
    if (!Array.isArray(shape) || shape.length > MAX_RANK || !shape.every(isIndex))
      bad(where, `shape must be a list of at most ${MAX_RANK} non-negative integers, got ${JSON.stringify(shape)?.slice(0, 60)}`);
    if (shape.reduce((n: number, d: number) => n * d, 1) > this.L.maxElements)
      fail('TOO_LARGE', `${where}: shape ${fmtShape(shape)} has more than ${this.L.maxElements} elements`);
  }

  tensor(a: unknown, where: string): asserts a is NDArray {
    if (!(a instanceof NDArray)) return bad(where, 'is not an array (NDArray)');
    if (!isDType(a.dtype)) bad(where, `unknown dtype ${JSON.stringify(a.dtype)}`);
    this.shape(a.shape, where);
    const { shape, strides, offset, data } = a, w = a.dtype === 'complex128' ? 2 : 1;
    if (!Array.isArray(strides) || strides.length !== shape.length || !strides.every(Number.isSafeInteger) || !isIndex(offset) ||
      !(data instanceof (allocate(a.dtype, 0).constructor as typeof Float64Array)) || typeof a.weak !== 'boolean')
      bad(where, 'is a malformed array (strides, offset, storage or weak flag)');
    if (a.size > 0) {
      let lo = offset, hi = offset;
      shape.forEach((d, i) => { const s = (d - 1) * strides[i]; if (s < 0) lo += s; else hi += s; });
      if (lo < 0 || (hi + 1) * w > data.length) bad(where, 'is a malformed array: its strides reach outside its storage');
    }
  }

  ref(g: Graph, r: unknown, before: number, where: string): Meta {
    const keys = isObj(r) ? Object.keys(r) : [];
    if (!isObj(r)) return bad(where, 'is not a reference ({input: k}, {constant: k} or {node: k, index?: j})');
    if (keys.length === 1 && isIndex(r.input)) {
      if (r.input >= g.inputs.length) bad(where, `refers to input ${r.input}, but the graph has ${g.inputs.length} inputs`);
      return g.inputs[r.input];
    }
    if (keys.length === 1 && isIndex(r.constant)) {
      if (r.constant >= g.constants.length) bad(where, `refers to constant ${r.constant}, but the graph has ${g.constants.length} constants`);
      return g.constants[r.constant];
    }
    if (isIndex(r.node) && (keys.length === 1 || (keys.length === 2 && isIndex(r.index)))) {
      if (r.node >= before) bad(where, `refers to node ${r.node}, which does not come before it (nodes are topologically ordered: no cycles or forward references)`);
      const outs = g.nodes[r.node].outputs, k = (r.index as number | undefined) ?? 0;
      if (k >= outs.length) bad(where, `refers to output ${k} of node ${r.node}, which has ${outs.length} outputs`);
      return outs[k];
    }
    return bad(where, `is not a reference ({input: k}, {constant: k} or {node: k, index?: j}): ${JSON.stringify(r)?.slice(0, 60)}`);
  }

  private node(g: Graph, n: unknown, i: number, names: Set<string>, depth: number, where: string): void {
    if (!isObj(n)) return bad(where, 'is not a node (an object with op, inputs, attrs, outputs)');
    const at = typeof n.op === 'string' ? `${where} (${n.op.slice(0, 60)})` : where;
    if (typeof n.op !== 'string') bad(at, 'op must be a string');
    if (!Array.isArray(n.inputs) || !isObj(n.attrs) || !Array.isArray(n.outputs)) bad(at, 'inputs and outputs must be arrays and attrs an object');
    const extra = Object.keys(n).find((k) => !['op', 'inputs', 'attrs', 'outputs', 'name'].includes(k));
    if (extra !== undefined) bad(at, `unknown field '${extra}'`);
    if (n.name !== undefined) {
      if (typeof n.name !== 'string') bad(at, 'name must be a string');
      if (names.has(n.name)) bad(at, `the name '${n.name.slice(0, 60)}' is already used by another node`);
      names.add(n.name);
    }
    const ins = (n.inputs as unknown[]).map((r, j) => this.ref(g, r, i, `${at}.inputs[${j}]`));
    (n.outputs as unknown[]).forEach((s, j) => this.spec(s, `${at}.outputs[${j}]`));
    const outs = n.outputs as TensorSpec[], attrs = n.attrs as Obj, op = n.op as string;
    if (Object.hasOwn(CONTROL_ATTRS, op)) {
      for (const [k, v] of Object.entries(attrs)) {
        if (!CONTROL_ATTRS[op].includes(k)) fail('BAD_ATTRIBUTE', `${at}: unknown attribute '${k}'; ${op} has ${CONTROL_ATTRS[op].join(', ')}`);
        this.attr(v, depth, `${at}.attrs.${k}`, { graph: true });
      }
      new ControlCheck(g, ins, outs, attrs, at)[op as 'cond' | 'while_loop' | 'for_loop' | 'scan' | 'primitive']();
    } else this.op(op, attrs, ins, outs, depth, at);
  }

  private op(name: string, attrs: Obj, ins: Meta[], outs: TensorSpec[], depth: number, at: string): void {
    if (!hasOp(name)) fail('UNKNOWN_OP', `${at}: unknown op '${name.slice(0, 60)}'; a graph names catalog ops by NumPy's dotted names ('tanh', 'linalg.inv') or control-flow nodes (${Object.keys(CONTROL_ATTRS).join(', ')})`);
    const op = getOp(name), names = op.attrs ?? [];
    for (const [k, v] of Object.entries(attrs)) {
      if (!names.includes(k)) fail('BAD_ATTRIBUTE', `${at}: unknown attribute '${k.slice(0, 60)}'; ${name}'s attributes are ${names.join(', ') || '(none)'}`);
      this.attr(v, depth, `${at}.attrs.${k}`, { operand: Object.hasOwn(INDEX_ATTRS, name) && INDEX_ATTRS[name] === k });
    }
    const operands = operandsOf(attrs), arrays = ins.length - operands.length;
    if ([...operands].sort((a, b) => a - b).some((k, j) => k !== arrays + j))
      bad(at, `its {operand: k} attributes must name its inputs after the ${arrays} array arguments, each once; they name ${operands.join(', ')}`);
    if (op.arity !== 'variadic' && (arrays < (op.minArity ?? op.arity) || arrays > op.arity))
      bad(at, `takes ${op.minArity !== undefined ? `${op.minArity} to ` : ''}${op.arity} array arguments, but has ${arrays}`);
    if (op.valueDependent) fail('NOT_IMPLEMENTED', `${at}: the result's shape or dtype depends on the values, so ${name} cannot be part of a graph`);
    this.sizes(name, attrs, ins, outs, at);
    let got: Meta | Meta[];
    try {
      got = op.infer(ins.slice(0, arrays), decodeAttrs(attrs as never, (k) => placeholder(ins[k], name)));
    } catch (e) {
      throw e instanceof GraddTypeError || e instanceof GraddRangeError ? graddError(e.code, `${at}: ${e.message}`)
        : graddError('BAD_ATTRIBUTE', `${at}: the shape rule rejects these inputs and attributes (${(e as Error)?.message})`);
    }
    const metas = Array.isArray(got) ? got : [got];
    if (metas.length !== outs.length) bad(at, `declares ${outs.length} outputs, but ${name} gives ${metas.length} here`);
    metas.forEach((m, j) => {
      if (!sameType(m, outs[j]))
        fail(m.dtype === outs[j].dtype ? 'SHAPE_MISMATCH' : 'DTYPE_MISMATCH', `${at}: output ${j} is declared ${fmt(outs[j])}, but the shape rule gives ${fmt(m)}`);
    });
  }

  /**
   * Bounds the work of shape rules that build something as large as an attribute asks before the result's
   * shape is known (and so before it can be compared with the declared outputs): split's pieces, repeat's
   * and pad's index plans, the broadcast index arrays of getitem.
   */
  private sizes(name: string, attrs: Obj, ins: Meta[], outs: TensorSpec[], at: string): void {
    const max = this.L.maxElements, size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
    const tooBig = (what: string, n: number) => { if (n > max) fail('TOO_LARGE', `${at}: ${what} asks for more than ${max} elements`); };
    const big = (v: unknown): boolean => (typeof v === 'number' ? Math.abs(v) > max : Array.isArray(v) && v.some(big));
    for (const k of SIZING) if (big(attrs[k])) tooBig(`attribute '${k}'`, Infinity);
    if (typeof attrs.indices_or_sections === 'number' && attrs.indices_or_sections > outs.length)
      fail('SHAPE_MISMATCH', `${at}: splits into ${attrs.indices_or_sections} pieces but declares ${outs.length} outputs`);
    const x = ins[0];
    if (name === 'repeat' && x) {
      const r = [attrs.repeats].flat(), n = attrs.axis == null ? size(x.shape) : Number.isInteger(attrs.axis) ? x.shape.at(attrs.axis as number) : undefined;
      if (n && r.every((v) => typeof v === 'number')) tooBig('repeats', (r.length === 1 ? (r[0] as number) * n : (r as number[]).reduce((a, b) => a + b, 0)) * size(x.shape) / n);
    }
    if (Object.hasOwn(INDEX_ATTRS, name)) {
      const shapes: (readonly number[])[] = [];
      const walk = (v: unknown) => {
        if (!v || typeof v !== 'object') return;
        if (Array.isArray(v)) return v.forEach(walk);
        const c = v as { tensor?: NDArray; operand?: number };
        if (c.tensor instanceof NDArray) shapes.push(c.tensor.dtype === 'bool' ? [c.tensor.size] : c.tensor.shape);
        else if (typeof c.operand === 'number' && ins[c.operand]) shapes.push(ins[c.operand].shape);
      };
      walk(attrs[INDEX_ATTRS[name]]);
      const rank = Math.max(0, ...shapes.map((s) => s.length));
      tooBig('the index arrays broadcast together', size(Array.from({ length: rank }, (_, d) => Math.max(1, ...shapes.map((s) => s[s.length - rank + d] ?? 1)))));
    }
  }

  private attr(v: unknown, depth: number, where: string, allow: { operand?: boolean; graph?: boolean }): void {
    if (depth > this.L.maxDepth) fail('TOO_LARGE', `${where}: the attribute nests deeper than ${this.L.maxDepth} levels`);
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return;
    if (Array.isArray(v)) return v.forEach((c, i) => this.attr(c, depth + 1, `${where}[${i}]`, allow));
    if (!isObj(v)) return bad(where, `is not an attribute value (null, boolean, number, string, list, object, {tensor}, {slice}, {graph}, {operand})`);
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === 'tensor') return this.tensor(v.tensor, `${where}.tensor`);
    if (keys.length === 1 && keys[0] === 'slice') {
      if (!Array.isArray(v.slice) || v.slice.length !== 3 || !v.slice.every((x) => x === null || Number.isSafeInteger(x)))
        bad(where, 'a slice is {slice: [start, stop, step]}, each an integer or null');
      return;
    }
    if (keys.length === 1 && (keys[0] === 'graph' || keys[0] === 'operand')) {
      if (!allow[keys[0] as 'graph' | 'operand']) bad(where, `{${keys[0]}} is not allowed here`);
      if (!isIndex(v[keys[0]])) bad(where, `{${keys[0]}: k} needs a non-negative integer k`);
      return;
    }
    for (const k of keys) this.attr(v[k], depth + 1, `${where}.${k}`, allow);
  }
}

/** The signature rules of the control-flow nodes and primitives (run after their subgraphs were validated). */
class ControlCheck {
  constructor(readonly g: Graph, readonly ins: Meta[], readonly outs: TensorSpec[], readonly attrs: Obj, readonly at: string) {}

  private graphOf(v: unknown, name: string): Graph {
    if (!isObj(v) || !isIndex(v.graph) || v.graph >= this.g.subgraphs.length)
      bad(this.at, `attribute '${name}' must be {graph: k} naming one of the graph's ${this.g.subgraphs.length} subgraphs`);
    return this.g.subgraphs[(v as { graph: number }).graph];
  }

  private sub = (name: string) => this.graphOf(this.attrs[name], name);

  /** Subgraph `name` takes `inputs` and (unless null) gives `outputs`. */
  private signature(name: string, inputs: readonly Meta[], outputs: readonly Meta[] | null, s = this.sub(name)): Meta[] {
    const types = (ms: readonly Meta[]) => ms.map(fmt).join(', ');
    if (s.inputs.length !== inputs.length || !s.inputs.every((t, k) => sameType(t, inputs[k])))
      bad(this.at, `subgraph '${name}' takes (${types(s.inputs)}) but the node passes (${types(inputs)})`);
    const got = outputSpecs(s);
    if (outputs && (got.length !== outputs.length || !got.every((t, k) => sameType(t, outputs[k]))))
      bad(this.at, `subgraph '${name}' gives (${types(got)}) but the node needs (${types(outputs)})`);
    return got;
  }

  private count(name: string): number {
    const v = this.attrs[name];
    if (!isIndex(v)) bad(this.at, `attribute '${name}' must be a non-negative integer`);
    return v as number;
  }

  /** The first n inputs are the loop state, which the outputs are too. */
  private state(from: number, n: number): void {
    if (this.ins.length < from + n || !this.outs.every((t, k) => k >= n || sameType(t, this.ins[from + k])))
      bad(this.at, `the loop state's inputs (from input ${from}) must match its ${n} outputs`);
  }

  private scalar(m: Meta | undefined, what: string, ints = false): void {
    if (!m || m.shape.reduce((a, b) => a * b, 1) !== 1 || (ints && m.dtype !== 'int64' && m.dtype !== 'int32'))
      bad(this.at, `${what} must be ${ints ? 'an integer array' : 'an array'} of one element`);
  }

  cond(): void {
    this.scalar(this.ins[0], 'the predicate (input 0)');
    this.signature('true_branch', this.ins.slice(1), this.outs);
    this.signature('false_branch', this.ins.slice(1), this.outs);
  }

  while_loop(): void {
    this.state(0, this.outs.length);
    const c = this.signature('cond', this.ins, null);
    if (c.length !== 1) bad(this.at, `subgraph 'cond' must give one value, gives ${c.length}`);
    this.scalar(c[0], "subgraph 'cond''s result");
    this.signature('body', this.ins, this.outs);
  }

  for_loop(): void {
    this.scalar(this.ins[0], 'the lower bound (input 0)', true);
    this.scalar(this.ins[1], 'the upper bound (input 1)', true);
    this.state(2, this.outs.length);
    this.signature('body', [{ dtype: 'int64', shape: [] }, ...this.ins.slice(2)], this.outs);
  }

  scan(): void {
    const n = this.count('length'), nc = this.count('num_carry'), nx = this.count('num_xs');
    if (nc + nx > this.ins.length || nc > this.outs.length) bad(this.at, `num_carry ${nc} and num_xs ${nx} do not fit its ${this.ins.length} inputs and ${this.outs.length} outputs`);
    this.state(0, nc);
    const xs = this.ins.slice(nc, nc + nx);
    if (xs.some((x) => x.shape[0] !== n)) bad(this.at, `every xs input runs over a leading axis of length ${n}`);
    const ys = this.outs.slice(nc);
    this.signature('body', [...this.ins.slice(0, nc), ...xs.map((x) => ({ dtype: x.dtype, shape: x.shape.slice(1) })), ...this.ins.slice(nc + nx)],
      [...this.outs.slice(0, nc), ...ys.map((y) => ({ dtype: y.dtype, shape: y.shape.slice(1) }))]);
    if (ys.some((y) => y.shape[0] !== n)) bad(this.at, `every ys output has a leading axis of length ${n}`);
  }

  primitive(): void {
    if (typeof this.attrs.name !== 'string') bad(this.at, "attribute 'name' must be a string");
    if (this.outs.length !== 1) bad(this.at, `a primitive gives one output, this one declares ${this.outs.length}`);
    this.signature('forward', this.ins, this.outs);
    const out = this.outs[0];
    for (const [kind, inputs] of [['vjp', () => [out, ...this.ins, out]], ['jvp', (k: number) => [this.ins[k], out, ...this.ins]]] as const) {
      const rules = this.attrs[kind];
      if (rules === undefined) continue;
      if (!Array.isArray(rules) || rules.length !== this.ins.length) bad(this.at, `attribute '${kind}' must list one rule subgraph (or null) per input`);
      (rules as unknown[]).forEach((r, k) => {
        const name = `${kind}[${k}]`;
        if (r !== null && this.signature(name, inputs(k), null, this.graphOf(r, name)).length !== 1) bad(this.at, `subgraph '${name}' must give one value`);
      });
    }
  }
}
