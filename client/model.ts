// A registered model as the embedded differential operators would see its function: arguments and results
// in the containers the function was traced with (the graph's inputTree / outputTree), argnums selecting
// whole arguments, numbers in giving numbers out. The server speaks flat lists of tensors; this file maps.
import { timestampDate } from '@bufbuild/protobuf/wkt';
import { isComplexScalar } from '../core/containers.js';
import type { DType } from '../core/dtype.js';
import { fail } from '../core/errors.js';
import type { TensorSpec } from '../core/graph/ir.js';
import { countLeaves, flattenBy, fromTree, type TreeDef } from '../core/graph/tree.js';
import { DATATYPES, tensorFromProto, tensorToProto } from '../core/graph/wire.js';
import { Gradient, type Model as ModelMessage } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import type { Tensor } from '../core/graph/gen/gradd/v1/tensor_pb.js';
import { NDArray } from '../core/ndarray.js';
import type { Client } from './client.js';
import type { CallOptions } from './transport.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** Options of the differential calls: which arguments (autograd's argnum: one, or an array giving an array of results) and which output. */
export interface DiffOptions extends CallOptions {
  argnum?: number | number[];
  /** The model output (its index among the flat outputs) that valueAndGrad, grad, hvp and jacobian differentiate. */
  output?: number;
}

/** A forward pass kept on the server: `backward` runs a vector-Jacobian product on it, any number of times. */
export interface Tape {
  readonly id: string;
  /** The model's outputs. */
  readonly value: any;
  /** When the server may drop the tape. */
  readonly expires: Date;
  /** Cotangents shaped like the outputs → gradients shaped like the selected arguments. */
  backward(cotangent: unknown, opts?: CallOptions): Promise<any>;
  release(opts?: CallOptions): Promise<void>;
}

const G = Gradient.method;
const DTYPE_OF = new Map(Object.entries(DATATYPES).map(([d, w]) => [w as string, d as DType]));
const specOf = (s: { datatype: string; shape: bigint[] }): TensorSpec => ({ dtype: DTYPE_OF.get(s.datatype) ?? fail('INTERNAL', `the server sent datatype ${s.datatype}`), shape: s.shape.map(Number) });
const isPlain = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && Object.getPrototypeOf(x) === Object.prototype && !isComplexScalar(x);

/** A leaf as a tensor of `spec`'s dtype: numbers, booleans and {re, im} take it; arrays travel as they are (the server checks them). */
function toTensor(leaf: unknown, spec: TensorSpec, where: string): Tensor {
  if (leaf instanceof NDArray) return tensorToProto(leaf, {}, where);
  if (typeof leaf === 'number' || typeof leaf === 'boolean') return tensorToProto(NDArray.fromData(spec.dtype === 'complex128' ? [+leaf, 0] : [+leaf], [], spec.dtype), {}, where);
  if (isComplexScalar(leaf)) return tensorToProto(NDArray.fromData([leaf.re, leaf.im], [], 'complex128'), {}, where);
  return fail('BAD_ARGUMENT', `${where}: expected an NDArray or a number, got ${leaf === null ? 'null' : typeof leaf}`);
}

/** A result for a leaf given as `like`: a number for a number, {re, im} for a complex scalar, else the array. */
function asGiven(t: Tensor, like: unknown): any {
  const a = tensorFromProto(t);
  return typeof like === 'number' || isComplexScalar(like) ? a.item() : a;
}

export class Model {
  readonly id: string;
  readonly name: string;
  readonly contentHash: string;
  readonly catalogVersion: string;
  readonly inputs: TensorSpec[];
  readonly outputs: TensorSpec[];
  /** One tree per positional argument, and where each argument's leaves start among the graph's inputs. */
  private readonly args: TreeDef[];
  private readonly starts: number[] = [];
  private readonly outputTree: unknown;

  constructor(readonly client: Client, msg: ModelMessage, trees: { inputTree?: unknown; outputTree?: unknown }) {
    this.name = msg.name;
    this.contentHash = msg.contentHash;
    this.catalogVersion = msg.catalogVersion;
    this.inputs = msg.inputs.map(specOf);
    this.outputs = msg.outputs.map(specOf);
    this.id = msg.id;
    this.args = (trees.inputTree as TreeDef[] | undefined) ?? this.inputs.map(() => null);
    this.outputTree = trees.outputTree;
    let k = 0;
    for (const t of this.args) { this.starts.push(k); k += count(t); }
  }

  /** The forward pass: the model's outputs. */
  async evaluate(...args: unknown[]): Promise<any> {
    const { xs, opts } = this.split('evaluate', args, 0, []);
    const res = await this.client.call(G.evaluate, { modelId: this.id, inputs: this.tensors(xs).tensors }, opts, true);
    return this.structured(res.outputs);
  }

  /** [value, gradient] of the selected output (a real scalar). */
  async valueAndGrad(...args: unknown[]): Promise<[NDArray, any]> {
    const { xs, opts } = this.split('valueAndGrad', args, 0, ['argnum', 'output']);
    const { tensors, leaves } = this.tensors(xs), sel = this.select(opts.argnum);
    const res = await this.client.call(G.valueAndGrad, { modelId: this.id, inputs: tensors, argnums: sel.flat, output: opts.output ?? 0 }, opts, true);
    return [tensorFromProto(res.value!), sel.result(res.grads, leaves)];
  }

  async grad(...args: unknown[]): Promise<any> {
    return (await this.valueAndGrad(...args))[1];
  }

  /** The forward pass, kept on a tape for backward passes with any cotangents. */
  async vjp(...args: unknown[]): Promise<Tape> {
    const { xs, opts } = this.split('vjp', args, 0, ['argnum']);
    const { tensors, leaves } = this.tensors(xs), sel = this.select(opts.argnum);
    // Not retried: each Vjp makes a tape.
    const res = await this.client.call(G.vjp, { modelId: this.id, inputs: tensors, argnums: sel.flat }, opts);
    const { client } = this, tapeId = res.tapeId;
    return {
      id: tapeId,
      value: this.structured(res.outputs),
      expires: res.expireTime ? timestampDate(res.expireTime) : new Date(NaN),
      backward: async (cotangent, o = {}) => {
        const cotangents = this.outputLeaves(cotangent, 'cotangent').map((c, k) => toTensor(c, this.outputs[k], `cotangent ${k}`));
        return sel.result((await client.call(G.backward, { tapeId, cotangents }, o, true)).grads, leaves);
      },
      release: async (o = {}) => { await client.call(G.releaseTape, { tapeId }, o); },
    };
  }

  /** Forward mode: [outputs, their tangents] along `tangent` (one per argnum when argnum is an array), as autograd's makeJvp. */
  async jvp(...args: unknown[]): Promise<[any, any]> {
    const { xs, extra: [tangent], opts } = this.split('jvp', args, 1, ['argnum']);
    const sel = this.select(opts.argnum);
    const res = await this.client.call(G.jvp, { modelId: this.id, inputs: this.tensors(xs).tensors, argnums: sel.flat, tangents: sel.tensors(tangent, 'tangent') }, opts, true);
    return [this.structured(res.outputs), this.structured(res.tangents)];
  }

  /** The Hessian of the selected output times `vector` (one per argnum when argnum is an array), shaped like the selected arguments. */
  async hvp(...args: unknown[]): Promise<any> {
    const { xs, extra: [vector], opts } = this.split('hvp', args, 1, ['argnum', 'output']);
    const { tensors, leaves } = this.tensors(xs), sel = this.select(opts.argnum);
    const res = await this.client.call(G.hvp, { modelId: this.id, inputs: tensors, argnums: sel.flat, output: opts.output ?? 0, vectors: sel.tensors(vector, 'vector') }, opts, true);
    return sel.result(res.hvps, leaves);
  }

  /** The Jacobian of the selected output, of shape output.shape + argument.shape (per leaf of a container argument). */
  async jacobian(...args: unknown[]): Promise<any> {
    const { xs, opts } = this.split('jacobian', args, 0, ['argnum', 'output']);
    const sel = this.select(opts.argnum);
    const res = await this.client.call(G.jacobian, { modelId: this.id, inputs: this.tensors(xs).tensors, argnums: sel.flat, output: opts.output ?? 0 }, opts, true);
    return sel.result(res.jacobians);
  }

  /** Deletes the model and its tapes on the server. */
  async delete(opts: CallOptions = {}): Promise<void> {
    await this.client.call(G.deleteModel, { modelId: this.id }, opts);
  }

  // ---- arguments and results ----

  /** The model's arguments, `extra` positional values after them, and the trailing options object if there is one. */
  private split(what: string, args: unknown[], extra: number, keys: (keyof DiffOptions)[]) {
    const n = this.args.length + extra;
    if (args.length !== n && !(args.length === n + 1 && isPlain(args[n])))
      fail('BAD_ARGUMENT', `model.${what} takes the model's ${this.args.length} argument${this.args.length === 1 ? '' : 's'}${extra ? ' and a vector' : ''}, then optionally an options object; got ${args.length} values`);
    const opts = (args[n] ?? {}) as DiffOptions;
    const allowed = new Set<string>(['deadline', 'signal', ...keys]);
    const unknown = Object.keys(opts).find((k) => !allowed.has(k));
    if (unknown) fail('BAD_ARGUMENT', `model.${what}: unknown option ${JSON.stringify(unknown)}; it takes ${[...allowed].join(', ')}`);
    return { xs: args.slice(0, this.args.length), extra: args.slice(this.args.length, n), opts };
  }

  private outputLeaves(x: unknown, what: string): unknown[] {
    return this.outputTree === undefined ? flattenBy(this.outputs.map(() => null), x, what) : flattenBy(this.outputTree, x, what);
  }

  private structured(ts: Tensor[]): any {
    const xs = ts.map((t) => tensorFromProto(t));
    return this.outputTree === undefined ? xs : fromTree(this.outputTree, xs);
  }

  // For the services' modules (jobs): the graph's flat inputs from arguments, and back.

  /** The arguments' leaves, and as tensors in the graph's input order. */
  tensors(xs: unknown[]) {
    const leaves = xs.map((x, i) => flattenBy(this.args[i], x, `argument ${i}`));
    return { leaves, tensors: leaves.flatMap((ls, i) => ls.map((l, j) => toTensor(l, this.inputs[this.starts[i] + j], `argument ${i}, leaf ${j}`))) };
  }

  /** An argnum selector: the graph inputs it covers, vectors for them, and per-input results regrouped per argument. */
  select(argnum: number | number[] = 0) {
    const nums = Array.isArray(argnum) ? argnum : [argnum];
    nums.forEach((a) => {
      if (!Number.isInteger(a) || a < 0 || a >= this.args.length) fail('BAD_ARGUMENT', `argnum ${a} is out of range for a model of ${this.args.length} arguments`);
    });
    const counts = nums.map((a) => count(this.args[a])), many = Array.isArray(argnum);
    const one = <T>(per: T[]) => (many ? per : per[0]);
    return {
      flat: nums.flatMap((a, k) => Array.from({ length: counts[k] }, (_, j) => this.starts[a] + j)),
      tensors: (v: unknown, what: string) => {
        if (many && (!Array.isArray(v) || v.length !== nums.length)) fail('BAD_ARGUMENT', `${what}: with argnum [${nums}], a JS array of ${nums.length} (one per argnum)`);
        return (many ? v as unknown[] : [v]).flatMap((x, k) => flattenBy(this.args[nums[k]], x, `${what} for argument ${nums[k]}`)
          .map((l, j) => toTensor(l, this.inputs[this.starts[nums[k]] + j], `${what} for argument ${nums[k]}, leaf ${j}`)));
      },
      result: (ts: Tensor[], given?: unknown[][]) => {
        let j = 0;
        return one(nums.map((a, k) => fromTree(this.args[a], Array.from({ length: counts[k] }, (_, i) => {
          const t = ts[j++];
          return given ? asGiven(t, given[a][i]) : tensorFromProto(t);
        }))));
      },
    };
  }
}

const count = (t: TreeDef) => countLeaves(t, 64, 'the model\'s inputTree');
