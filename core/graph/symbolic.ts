// Graph tracing. A Sym stands for a graph value while a traced function runs; applyOp hands any op applied
// to one to `applySymbolic` (core/tracer.ts's `symbolic` hook), which infers its shape and dtype with the
// catalog's rule and records a node instead of computing. A Frame is a graph being built: a trace's root, a
// loop body or cond branch (which may use values of enclosing frames: captured as extra inputs), or a
// primitive's forward or rule (isolated: it sees only its arguments).
import { getOp, hasOp, Meta, OpDef, Out, ruleFor, Value, type JvpRule, type VjpRule } from '../catalog.js';
import { toValue } from '../call.js';
import type { DType } from '../dtype.js';
import { fail, fmtShape, graddError, GraddRangeError, GraddTypeError } from '../errors.js';
import { NDArray, sizeOf } from '../ndarray.js';
import { Tensorish } from '../tensorish.js';
import { Box, symbolic } from '../tracer.js';
import { decodeAttrs, encodeAttrs, frozen, placeholder } from './attrs.js';
import type { AttrValue, Graph, Node, Ref, TensorSpec } from './ir.js';
import { flattenBy, treeOf, type TreeDef } from './tree.js';
import { catalogVersion } from './version.js';

export const CONTROL_OPS = 'np.cond, np.whileLoop, np.forLoop or np.scan';

/** A value of the graph being traced: its shape and dtype are known, its numbers are not. */
export class Sym extends Tensorish {
  constructor(readonly frame: Frame, public ref: Ref, readonly shape: readonly number[], readonly dtype: DType) { super(); }
  get size(): number { return sizeOf(this.shape); }
  /** An in-place update (x.set, x.addInPlace) while tracing: from now on this value is `r` (same shape and dtype). */
  rebind(r: unknown): void {
    if (!(r instanceof Sym)) fail('NOT_DIFFERENTIABLE', 'an in-place update of a graph value with a value being differentiated (grad inside trace) is not supported');
    else if (r.frame !== this.frame)
      fail('BAD_ARGUMENT', `${r.frame.what} updates in place a value from outside it; return the new value instead (as part of the loop state or the branch's result)`);
    this.ref = r.ref;
  }
  item(): never { return coerced(this, 'read with .item()'); }
  toArray(): never { return coerced(this, 'read with .toArray()'); }
  override [Symbol.toPrimitive](hint: string): string {
    return hint === 'string' ? this.toString() : coerced(this, 'used with a JavaScript operator or converted to a number');
  }
  override toString(): string { return `Traced<${this.dtype}${fmtShape(this.shape)}>(graph value)`; }
}

const coerced = (s: Sym, how: string): never =>
  fail('TRACED_COERCION', `an array of shape ${fmtShape(s.shape)} (${s.dtype}) was ${how} while tracing a graph, where its numbers are not known ` +
    `until the graph runs: use np functions and methods for arithmetic (x.mul(y), x.gt(0)) and ${CONTROL_OPS} for control flow that depends on values`);

export const specOf = (v: { shape: readonly number[]; dtype: DType }): TensorSpec => ({ dtype: v.dtype, shape: [...v.shape] });

export const differentiatedWhileTracing = (where: string): never =>
  fail('NOT_DIFFERENTIABLE', `${where}: differentiating through ${CONTROL_OPS} inside a function being traced to a graph ` +
    '(grad inside trace) is not supported; trace the function itself and differentiate evalGraph(graph, inputs) instead');

export class Frame {
  readonly inputs: TensorSpec[] = [];
  readonly constants: NDArray[] = [];
  readonly nodes: Node[] = [];
  readonly subgraphs: Graph[] = [];
  /** Values of enclosing frames used here, in the order of the inputs standing for them (after the explicit inputs). */
  readonly captures: Sym[] = [];
  private readonly captured = new Map<Sym, Sym>();
  private readonly constIndex = new Map<unknown, number>();
  constructor(readonly parent: Frame | null, readonly what: string) {}

  input(spec: { shape: readonly number[]; dtype: DType }): Sym {
    const k = this.inputs.push(specOf(spec)) - 1;
    return new Sym(this, { input: k }, this.inputs[k].shape, spec.dtype);
  }

  /** `s` as a value of this frame: a value of an enclosing frame becomes a captured input. */
  local(s: Sym): Sym {
    if (s.frame === this) return s;
    let c = this.captured.get(s);
    if (!c) {
      let f = this.parent;
      while (f && f !== s.frame) f = f.parent;
      if (!f) fail('BAD_ARGUMENT', `${this.what} uses a graph value of ${s.frame.what}, which it cannot see: ` +
        'values made inside a loop body, a cond branch or a primitive stay there, and a primitive sees only its arguments');
      c = this.input(s);
      this.captures.push(s);
      this.captured.set(s, c);
    }
    return c;
  }

  ref(v: unknown): Ref {
    if (v instanceof NDArray && v.tracedAs) v = v.tracedAs;
    if (v instanceof Sym) return this.local(v).ref;
    if (v instanceof Box) return differentiatedWhileTracing(this.what);
    return { constant: this.constant(toValue(v, this.what) as NDArray) };
  }

  /** Scalars are shared by value (x.mul(2) twice holds one 2), arrays by identity. */
  private constant(a: NDArray): number {
    const key = a.ndim === 0 ? `${a.dtype}:${a.weak}:${Array.from(a.values(), (x) => (Object.is(x, -0) ? '-0' : String(x))).join()}` : a;
    let k = this.constIndex.get(key);
    if (k === undefined) this.constIndex.set(key, (k = this.constants.push(frozen(a)) - 1));
    return k;
  }

  emit(op: string, inputs: readonly unknown[], attrs: Record<string, AttrValue>, outputs: TensorSpec[]): Sym[] {
    const node: Node = { op, inputs: inputs.map((v) => this.ref(v)), attrs, outputs };
    const at = this.nodes.push(node) - 1;
    return outputs.map((s, k) => new Sym(this, k ? { node: at, index: k } : { node: at }, s.shape, s.dtype));
  }

  subgraph(g: Graph): { graph: number } {
    return { graph: this.subgraphs.push(g) - 1 };
  }

  graph(outputs: readonly unknown[], trees: { inputTree?: TreeDef; outputTree?: TreeDef } = {}): Graph {
    const refs = outputs.map((v) => this.ref(v));
    return { catalogVersion: catalogVersion(), inputs: this.inputs, constants: this.constants, nodes: this.nodes, outputs: refs, subgraphs: this.subgraphs, ...trees };
  }
}

let current: Frame | null = null;

/** The frame being traced, or null outside trace(). */
export const tracing = (): Frame | null => current;

/** A function's run on fresh inputs of a new frame: its output leaves as values of that frame, and their structure. */
export interface Traced { frame: Frame; outputs: Value[]; tree: TreeDef }

/**
 * Runs fn on inputs of the given types in a new frame: a child of the current frame, or `isolated`.
 * `captures` pre-captures values (in that order), so that sibling bodies share their captured inputs.
 */
export function subtrace(what: string, specs: readonly TensorSpec[], fn: (xs: Sym[]) => unknown, opts: { isolated?: boolean; captures?: readonly Sym[] } = {}): Traced {
  const frame = new Frame(opts.isolated ? null : current, what);
  const xs = specs.map((s) => frame.input(s));
  for (const s of opts.captures ?? []) frame.local(s);
  const prev = current;
  current = frame;
  try {
    const out = fn(xs);
    const tree = treeOf(out, `${what} returned`);
    const outputs = flattenBy(tree, out, `${what} returned`).map((l) =>
      (l instanceof Sym ? frame.local(l) : l instanceof Box ? differentiatedWhileTracing(what) : toValue(l, what)) as Value);
    return { frame, outputs, tree };
  } catch (e) {
    throw e instanceof GraddTypeError || e instanceof GraddRangeError ? graddError(e.code, `${what}: ${e.message}`) : e;
  } finally {
    current = prev;
  }
}

/** Runs fn with `frame` as the current frame (to add nodes to a finished subtrace). */
export function within<T>(frame: Frame, fn: () => T): T {
  const prev = current;
  current = frame;
  try { return fn(); } finally { current = prev; }
}

const isCatalogOp = (op: OpDef) => hasOp(op.name) && getOp(op.name) === op;

symbolic.apply = (op, args, attrs): Out => {
  const frame = current ?? fail('BAD_ARGUMENT', `${op.name}: a graph value was used after its trace finished; graph values exist only while trace() runs the function`);
  return isCatalogOp(op) ? applyCatalog(frame, op, args, attrs) : applyPrimitive(frame, op, args);
};

function applyCatalog(frame: Frame, op: OpDef, args: Value[], attrs: Record<string, unknown>): Out {
  if (op.valueDependent)
    fail('NOT_IMPLEMENTED', `${op.name}: its result's shape or dtype depends on the values, so it cannot be part of a graph (see docs/graph.md); ` +
      'compute it before tracing, or use an op with a static shape (np.where, a mask that is a constant array)');
  const extra: Value[] = [];
  const enc = encodeAttrs(op, attrs, (v) => args.length + extra.push(v) - 1);
  const out = op.infer(args, decodeAttrs(enc, (k) => placeholder(specOf(extra[k - args.length]), op.name)));
  const metas: Meta[] = Array.isArray(out) ? out : [out];
  const syms = frame.emit(op.name, [...args, ...extra], enc, metas.map(specOf));
  return Array.isArray(out) ? syms as unknown as Value[] : syms[0] as unknown as Value;
}

/** How deeply a primitive's rules are traced when they call the primitive again (grad of grad of …). */
const MAX_RULE_DEPTH = 3;
const ruleDepth = new Map<OpDef, number>();

/**
 * A user primitive as a node: its forward traced as one subgraph, and each rule as another, with the
 * primitive's array arguments (graph values) as inputs and its other arguments fixed.
 */
function applyPrimitive(frame: Frame, op: OpDef, args: unknown[]): Value {
  const at = args.flatMap((a, i) => (a instanceof Sym ? [i] : []));
  const specs = at.map((i) => specOf(args[i] as Sym));
  const full = (xs: Value[]) => { const c = [...args]; at.forEach((i, k) => { c[i] = xs[k]; }); return c as Value[]; };
  const name = `primitive '${op.name}'`;
  const fwd = subtrace(`the forward of ${name}`, specs, (xs) => op.forward(full(xs as never) as NDArray[], {}, undefined), { isolated: true });
  if (fwd.tree !== null) fail('NOT_IMPLEMENTED', `${name} returns a container; a primitive in a graph returns one array`);
  const out = specOf(fwd.outputs[0]);
  const depth = ruleDepth.get(op) ?? 0;
  const rules = <R>(list: R | (R | undefined)[] | undefined, kind: string, inputs: (k: number) => TensorSpec[], call: (rule: R, xs: Sym[], i: number) => unknown) =>
    at.map((i, k) => {
      const rule = ruleFor<R>(list, i);
      if (!rule || depth >= MAX_RULE_DEPTH) return null;
      const t = subtrace(`the ${kind} of ${name} for argument ${i}`, inputs(k), (xs) => call(rule, xs, i), { isolated: true });
      if (t.tree !== null) fail('NOT_IMPLEMENTED', `the ${kind} of ${name} returns a container; it returns one array`);
      return frame.subgraph(t.frame.graph(t.outputs));
    });
  ruleDepth.set(op, depth + 1);
  let vjp: AttrValue[], jvp: AttrValue[];
  try {
    vjp = rules<VjpRule>(op.vjp, 'VJP', () => [out, ...specs, out], (rule, [ans, ...rest], i) =>
      rule(rest[rest.length - 1], ans, full(rest.slice(0, -1) as never), {}, i) ?? NDArray.zeros(specs[at.indexOf(i)].shape, specs[at.indexOf(i)].dtype));
    jvp = rules<JvpRule>(op.jvp, 'JVP', (k) => [specs[k], out, ...specs], (rule, [t, ans, ...xs], i) => rule(t as never, ans, full(xs as never), {}, i));
  } finally {
    if (depth) ruleDepth.set(op, depth); else ruleDepth.delete(op);
  }
  const forward = frame.subgraph(fwd.frame.graph(fwd.outputs));
  return frame.emit('primitive', at.map((i) => args[i]), { name: op.name, forward, vjp, jvp }, [out])[0] as unknown as Value;
}
