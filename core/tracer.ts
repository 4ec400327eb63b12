import { Attrs, getOp, JvpRule, NO_ATTRS, OpDef, Out, ruleFor, Value, VjpRule } from './catalog.js';
import { isComplex, type DType } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { NDArray, type Nested, type Scalar } from './ndarray.js';
import { Tensorish } from './tensorish.js';
import { checkUnwritten, mutationEpoch } from './versions.js';
import { checkAbort } from './cancel.js';
import { withBatch } from './ops/axes.js';
import { Reuse } from './reuse.js';

/**
 * Reverse mode: a recorded op application (the op, its arguments and result, and which arguments were traced,
 * kept on the node itself: no closure per op). `slot` ≥ 0 marks output `slot` of a multi-output node; leaves
 * have no op.
 */
export class RevNode {
  constructor(
    readonly parents: RevNode[],
    readonly op: OpDef | null = null,
    readonly inner: Value[] = NONE,
    readonly ans: Out | null = null,
    readonly attrs: Attrs = NO_ATTRS,
    /** The traced arguments' positions, one per parent. */
    readonly boxed: readonly number[] = NONE_I,
    readonly epoch = 0,
    readonly slot = -1,
    readonly nOut = 0,
  ) {}
  /** Scratch for `backward`: children not yet processed (-1 outside a pass) and the cotangent so far. */
  pending = -1;
  g: Value | (Value | undefined)[] | undefined = undefined;
}
const NONE: Value[] = [], NONE_I: number[] = [];
const ONE_BOXED: number[][] = [[0], [1], [2], [3]], ALL_BOXED: number[][] = [NONE_I, ONE_BOXED[0], [0, 1]];

/** Forward mode: the tangent travels with the value (undefined = symbolic zero). */
export class FwdNode {
  constructor(readonly tangent: Value | undefined) {}
}

/** A value traced by trace number `trace`; `value` may itself be traced by an outer (lower-numbered) trace. */
export class Box extends Tensorish {
  constructor(public value: Value, public trace: number, public node: RevNode | FwdNode) { super(); }
  /** Makes this box stand for `r` from now on: an in-place update of a traced value (copy-on-write). */
  rebind(r: Box): void { this.value = r.value; this.trace = r.trace; this.node = r.node; }
  get shape(): readonly number[] { return this.value.shape; }
  get dtype(): DType { return this.value.dtype; }
  get size(): number { return this.value.size; }
  get weak(): boolean { return this.value.weak; }
  /** The primal's number, for JS control flow; the gradient does not flow through it. */
  item(): Scalar { return this.value.item(); }
  toArray(): Nested { return this.value.toArray(); }
  override toString(): string { return `Traced<${this.dtype}${fmtShape(this.shape)}>(${this.value.toString()})`; }
}

let traceCount = 0;
export const newTrace = () => ++traceCount;

export const unboxAll = (v: Value): NDArray => (v instanceof Box ? unboxAll(v.value) : v);
const isValue = (v: unknown): v is Value => v instanceof NDArray || v instanceof Box;

const zerosLike = (v: Value) => NDArray.zeros(v.shape, v.dtype);

/** Set by core/graph/symbolic.ts: applies an op to graph-tracing values (not NDArray, not Box) by recording a node. */
export const symbolic: { apply: ((op: OpDef, args: Value[], attrs: Attrs) => Out) | null } = { apply: null };

export function applyOp(op: OpDef, args: Value[], attrs: Attrs): Out {
  let top = 0, sym = false;
  for (let i = 0; i < args.length; i++) {
    let a: unknown = args[i];
    if (a instanceof NDArray && a.tracedAs) a = args[i] = a.tracedAs;
    if (a instanceof Box) { if (a.trace > top) top = a.trace; } else if (!(a instanceof NDArray) && a instanceof Tensorish) sym = true;
  }
  if (top === 0) return sym ? symbolic.apply!(op, args, attrs) : op.forward(args as NDArray[], attrs, op.infer(args, attrs));
  if (op.nondiff) return applyOp(op, args.map(unboxAll), attrs);

  // Exact-size arrays (a push onto [] reserves 17 slots), and the common position lists shared.
  const inner = args.slice();
  let count = 0;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof Box && a.trace === top) { inner[i] = a.value; count++; }
  }
  const shared = count === args.length && count <= 2;
  let boxed: number[] = shared ? ALL_BOXED[count] : count === 1 ? NONE_I : new Array(count);
  const nodes: (RevNode | FwdNode)[] = new Array(count);
  for (let i = 0, k = 0; k < count; i++) {
    const a = args[i];
    if (a instanceof Box && a.trace === top) {
      if (!shared) { if (count === 1) boxed = ONE_BOXED[i] ?? [i]; else boxed[k] = i; }
      nodes[k++] = a.node;
    }
  }
  const ans = applyOp(op, inner, attrs);
  return nodes[0] instanceof RevNode ? recordReverse(op, nodes as RevNode[], inner, boxed, ans, attrs, top) : pushForward(op, nodes as FwdNode[], inner, boxed, ans, attrs, top);
}

function recordReverse(op: OpDef, parents: RevNode[], inner: Value[], boxed: number[], ans: Out, attrs: Attrs, trace: number): Out {
  if (!Array.isArray(ans)) return new Box(ans, trace, new RevNode(parents, op, inner, ans, attrs, boxed, mutationEpoch()));
  const node = new RevNode(parents, op, inner, ans, attrs, boxed, mutationEpoch(), -1, ans.length);
  return ans.map((a, k) => new Box(a, trace, new RevNode([node], null, NONE, null, NO_ATTRS, NONE_I, 0, k)));
}

/** The cotangent of node's k-th traced argument given the cotangent g of its result(s) (undefined = zero). */
function pullback(node: RevNode, g: Value | Value[], k: number): Value | undefined {
  const { op, inner, ans, attrs } = node, i = node.boxed[k];
  if (mutationEpoch() !== node.epoch) checkUnwritten(op!.name, [...inner, ...[ans!].flat()].filter(isValue).map(unboxAll), node.epoch);
  const rule = ruleFor<VjpRule>(op!.vjp, i);
  if (!rule) fail('NOT_DIFFERENTIABLE', `${op!.name} is not differentiable with respect to argument ${i} in reverse mode`);
  const gi = rule(g, ans, inner, attrs, i) as Value | undefined;
  return gi === undefined ? gi : fitCotangent(gi, inner[i]);
}

function pushForward(op: OpDef, nodes: FwdNode[], inner: Value[], boxed: number[], ans: Out, attrs: Attrs, trace: number): Out {
  const tangents = nodes.map((n) => n.tangent);
  let t: Out | undefined;
  if (op.linear) {
    if (tangents.some((x) => x !== undefined)) {
      const full: Value[] = inner.map(zerosLike);
      boxed.forEach((i, k) => { if (tangents[k] !== undefined) full[i] = tangents[k]!; });
      t = applyOp(op, full, attrs);
    }
  } else {
    boxed.forEach((i, k) => {
      const ti = tangents[k];
      if (ti === undefined) return;
      const rule = ruleFor<JvpRule>(op.jvp, i);
      if (!rule) fail('NOT_DIFFERENTIABLE', `${op.name} has no forward-mode (JVP) rule for argument ${i}`);
      const c = rule(ti, ans, inner, attrs, i);
      t = t === undefined ? c : Array.isArray(c) ? c.map((cj, j) => addTo((t as Value[])[j], cj)) : addTo(t as Value, c);
    });
  }
  if (!Array.isArray(ans)) return new Box(ans, trace, new FwdNode(t === undefined ? undefined : fitTangent(t as Value, ans)));
  return ans.map((a, j) => new Box(a, trace, new FwdNode(t === undefined || (t as Value[])[j] === undefined ? undefined : fitTangent((t as Value[])[j], a))));
}

const call = (name: string, args: Value[], attrs: Attrs = NO_ATTRS) => applyOp(getOp(name), args, attrs) as Value;

export const addTo = (a: Value | undefined, b: Value): Value => (a === undefined ? b : call('add', [a, b]));

/**
 * The leading axes of a batched backward pass (core/differential.ts's Jacobian pushes all its cotangents through
 * one pass): every cotangent then has them in front of its argument's shape. Empty outside such a pass.
 */
let batch: readonly number[] = [];

/** The batch axes of the backward pass being run (empty outside a batched one). */
export const batchedCotangents = (): readonly number[] => batch;

export function withBatchedCotangents<T>(shape: readonly number[], f: () => T): T {
  const outer = batch;
  batch = shape;
  try { return f(); } finally { batch = outer; }
}

/**
 * Sums a broadcast cotangent back to the argument's shape (after the batch axes, in a batched pass) and matches its
 * dtype (real part for real inputs).
 */
export function fitCotangent(g: Value, arg: Value): Value {
  const nb = batch.length, target = withBatch(batch, arg.shape);
  if (!sameShape(g.shape, target)) {
    if (nb && !sameShape(g.shape.slice(0, nb), batch)) fail('SHAPE_MISMATCH', `a batched cotangent of shape ${fmtShape(g.shape)} for an argument of shape ${fmtShape(arg.shape)}`);
    const lead = g.shape.length - nb - arg.shape.length;
    const axes: number[] = [];
    for (let d = 0; d < g.shape.length - nb; d++) if (d < lead || (arg.shape[d - lead] === 1 && g.shape[nb + d] !== 1)) axes.push(nb + d);
    g = call('sum', [g], { axis: axes, keepdims: true });
    if (lead > 0 || !sameShape(g.shape, target)) g = call('reshape', [g], { shape: target });
  }
  return matchDtype(g, arg.dtype);
}

export function fitTangent(t: Value, ans: Value): Value {
  if (!sameShape(t.shape, ans.shape)) t = call('broadcast_to', [t], { shape: ans.shape });
  return matchDtype(t, ans.dtype);
}

function matchDtype(v: Value, dtype: Value['dtype']): Value {
  if (v.dtype === dtype) return v;
  if (isComplex(v.dtype) && !isComplex(dtype)) v = call('real', [v]);
  return v.dtype === dtype ? v : call('astype', [v], { dtype });
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Runs reverse mode from the seeded nodes and returns the cotangents reaching `leaves`.
 * Counts and cotangents live on the nodes during the pass (no maps: this loop is the per-op overhead).
 */
export function backward(seeds: [RevNode, Value][], leaves: RevNode[]): (Value | undefined)[] {
  const stack: RevNode[] = [];
  for (const [n] of seeds) if (n.pending < 0) { n.pending = 0; stack.push(n); }
  const roots = [...stack], seen = [...stack];
  while (stack.length) {
    for (const p of stack.pop()!.parents) if (p.pending++ < 0) { p.pending = 1; stack.push(p); seen.push(p); }
  }
  try {
    return run(seeds, roots, leaves);
  } finally {
    for (const n of seen) { n.pending = -1; n.g = undefined; }
  }
}

function run(seeds: [RevNode, Value][], roots: RevNode[], leaves: RevNode[]): (Value | undefined)[] {
  for (const [n, g] of seeds) n.g = addTo(n.g as Value | undefined, g);
  const ready = roots.filter((n) => n.pending === 0), reuse = new Reuse();
  try {
    while (ready.length) {
      const node = ready.pop()!, parents = node.parents;
      checkAbort();
      const gn = node.g;
      if (gn !== undefined && parents.length) {
        if (node.slot >= 0) {
          const p = parents[0];
          const acc = (p.g as (Value | undefined)[] | undefined) ?? new Array(p.nOut).fill(undefined);
          reuse.pin(acc[node.slot] = addTo(acc[node.slot], gn as Value));
          p.g = acc;
        } else {
          for (let k = 0; k < parents.length; k++) {
            const gk = pullback(node, gn as Value | Value[], k), p = parents[k];
            if (gk !== undefined) p.g = reuse.accumulate(p.g as Value | undefined, gk, node.op!, addTo);
          }
          if (!Array.isArray(gn)) reuse.release(gn, node.op!);
        }
        node.g = undefined; // leaves (no parents) keep theirs: it is the result
      }
      for (const p of parents) if (--p.pending === 0) ready.push(p);
    }
  } finally {
    reuse.close();
  }
  return leaves.map((n) => n.g as Value | undefined);
}
