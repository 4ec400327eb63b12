// The wire forms of tensors and graphs: gradd.v1 protobuf messages (proto/gradd/v1), their binary
// encoding and protobuf's canonical JSON mapping. Everything read from the wire is checked here and
// fails with a typed error naming the field; nothing in this file needs the native addon.
import { create, fromBinary, fromJson as pbFromJson, toBinary, toJson as pbToJson } from '@bufbuild/protobuf';
import type { DescMessage, JsonValue, MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { NullValue, ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import type { MethodDefinition } from '@grpc/grpc-js';
import { allocate, checkDType, type DType, type Storage } from '../dtype.js';
import { fail, fmtShape, type ErrorCode } from '../errors.js';
import { MAX_ELEMENTS, NDArray, sizeOf } from '../ndarray.js';
import type { AttrValue, Graph, Node, Ref, TensorSpec } from './ir.js';
import * as pb from './gen/gradd/v1/graph_pb.js';
import { emptyTensor, tensorBinaryReader, tensorReader, tensorWriters } from './tensor-wire.js';
import { TensorSchema, type Tensor, type TensorSpec as TensorSpecMsg } from './gen/gradd/v1/tensor_pb.js';

export const DATATYPES = { bool: 'BOOL', int32: 'INT32', int64: 'INT64', float32: 'FP32', float64: 'FP64', complex128: 'C128' } as const satisfies Record<DType, string>;
const DTYPE_OF = new Map(Object.entries(DATATYPES).map(([d, w]) => [w as string, d as DType]));
const COMPONENT_BYTES: Record<DType, number> = { bool: 1, int32: 4, int64: 8, float32: 4, float64: 8, complex128: 8 };
const components = (d: DType) => (d === 'complex128' ? 2 : 1);
type TypedField = 'boolContents' | 'intContents' | 'int64Contents' | 'fp32Contents' | 'fp64Contents';
const TYPED: Record<DType, TypedField> = { bool: 'boolContents', int32: 'intContents', int64: 'int64Contents', float32: 'fp32Contents', float64: 'fp64Contents', complex128: 'fp64Contents' };
const TYPED_FIELDS = ['boolContents', 'intContents', 'int64Contents', 'fp32Contents', 'fp64Contents'] as const;
const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** What a peer may send: elements per tensor (per graph, all tensors together), nodes per graph (subgraphs included), subgraph and attribute nesting. */
export interface WireLimits { maxElements: number; maxNodes: number; maxDepth: number }
export const DEFAULT_WIRE_LIMITS: WireLimits = { maxElements: MAX_ELEMENTS, maxNodes: 1_000_000, maxDepth: 32 };

// ---- tensors ----

/** An NDArray as a Tensor message: raw little-endian bytes (exact bit for bit), or the typed contents fields a JSON client reads. */
export function tensorToProto(nd: NDArray, { typed = false } = {}, where = 'tensor'): Tensor {
  const { dtype } = nd, values = nd.values();
  const t = emptyTensor(); // create()'s result, without its reflection
  t.datatype = DATATYPES[dtype];
  t.shape = nd.shape.map(BigInt);
  t.weak = nd.weak;
  if (!typed) { t.rawContents = toRaw(values, dtype, where); return t; }
  const list = dtype === 'bool' ? Array.from(values, (v) => v !== 0)
    : dtype === 'int64' ? Array.from(values, (v, i) => toInt64(v, i, where)) : Array.from(values);
  return create(TensorSchema, { datatype: t.datatype, shape: t.shape, weak: t.weak, contents: { [TYPED[dtype]]: list } });
}

/** A Tensor message as an NDArray; raw_contents wins when non-empty (and then the typed contents must be empty). */
export function tensorFromProto(msg: Tensor, limits: Partial<WireLimits> = {}, where = 'tensor'): NDArray {
  noUnknownFields(msg, where, 'BAD_ARGUMENT');
  const { dtype, shape } = specFromProto(msg, limits.maxElements ?? DEFAULT_WIRE_LIMITS.maxElements, where);
  const n = sizeOf(shape), raw = msg.rawContents, c = msg.contents;
  const typed = c ? TYPED_FIELDS.filter((f) => c[f].length > 0) : NONE;
  if (c) noUnknownFields(c, `${where}.contents`, 'BAD_ARGUMENT');
  const needs = () => `shape ${fmtShape(shape)} of ${msg.datatype}`;
  if (raw.length > 0) {
    if (typed.length) fail('BAD_ARGUMENT', `${where}: both raw_contents and contents.${snake(typed[0])} are set; send one of them`);
    const want = n * components(dtype) * COMPONENT_BYTES[dtype];
    if (raw.length !== want) fail('BAD_ARGUMENT', `${where}: raw_contents has ${raw.length} bytes; ${needs()} needs ${want}`);
    return withWeak(new NDArray(fromRaw(raw, dtype, where), shape, dtype), msg.weak);
  }
  const field = TYPED[dtype], values = c ? c[field] : [];
  const stray = typed.find((f) => f !== field);
  if (stray) fail('BAD_ARGUMENT', `${where}: a ${msg.datatype} tensor's values go in contents.${snake(field)}, not contents.${snake(stray)}`);
  const want = n * components(dtype);
  if (values.length !== want) fail('BAD_ARGUMENT', `${where}: contents.${snake(field)} has ${values.length} values and raw_contents is empty; ${needs()} needs ${want}`);
  const out = allocate(dtype, n);
  if (dtype === 'int64') (values as bigint[]).forEach((v, i) => { out[i] = fromInt64(v, i, where); });
  else if (dtype === 'bool') (values as boolean[]).forEach((v, i) => { out[i] = v ? 1 : 0; });
  else out.set(values as number[]);
  return withWeak(new NDArray(out, shape, dtype), msg.weak);
}

const withWeak = (nd: NDArray, weak: boolean) => { nd.weak = weak; return nd; };
const NONE: readonly TypedField[] = [];

function toRaw(values: Storage, dtype: DType, where: string): Uint8Array {
  if (LITTLE_ENDIAN && values.byteLength <= SMALL_BYTES && dtype in ELEMENT) return smallToRaw(values, dtype as Scratched);
  const src = dtype === 'int64' ? BigInt64Array.from(values, (v, i) => toInt64(v, i, where)) : values;
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength).slice();
  if (!LITTLE_ENDIAN) swapBytes(bytes, COMPONENT_BYTES[dtype]);
  return bytes;
}

// V8 keeps a typed array of at most 64 bytes inside the JS heap, and reading its .buffer moves it out, which costs
// more than a small tensor's values: those go byte by byte through one scratch element (little-endian hosts).
const SMALL_BYTES = 64, SCRATCH = new ArrayBuffer(8), SCRATCH_BYTES = new Uint8Array(SCRATCH);
const ELEMENT = { float64: new Float64Array(SCRATCH), complex128: new Float64Array(SCRATCH), float32: new Float32Array(SCRATCH), int32: new Int32Array(SCRATCH) };
type Scratched = keyof typeof ELEMENT;

function smallToRaw(values: Storage, dtype: Scratched): Uint8Array {
  const e = ELEMENT[dtype], w = COMPONENT_BYTES[dtype], out = new Uint8Array(values.length * w);
  for (let i = 0; i < values.length; i++) {
    e[0] = values[i];
    for (let b = 0; b < w; b++) out[i * w + b] = SCRATCH_BYTES[b];
  }
  return out;
}

function smallFromRaw(raw: Uint8Array, dtype: Scratched): Storage {
  const e = ELEMENT[dtype], w = COMPONENT_BYTES[dtype], n = raw.length / w;
  const out = dtype === 'float32' ? new Float32Array(n) : dtype === 'int32' ? new Int32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < w; b++) SCRATCH_BYTES[b] = raw[i * w + b];
    out[i] = e[0];
  }
  return out;
}

function fromRaw(raw: Uint8Array, dtype: DType, where: string): Storage {
  if (LITTLE_ENDIAN && raw.length <= SMALL_BYTES && dtype in ELEMENT) return smallFromRaw(raw, dtype as Scratched);
  const bytes = new Uint8Array(raw); // a copy: aligned, and not a view into the message's buffer (Buffer.slice would be one)
  if (!LITTLE_ENDIAN) swapBytes(bytes, COMPONENT_BYTES[dtype]);
  switch (dtype) {
    case 'bool': {
      const bad = bytes.findIndex((b) => b > 1);
      if (bad >= 0) fail('BAD_ARGUMENT', `${where}: BOOL raw_contents byte ${bad} is ${bytes[bad]}; each must be 0 or 1`);
      return bytes;
    }
    case 'int32': return new Int32Array(bytes.buffer);
    case 'float32': return new Float32Array(bytes.buffer);
    case 'int64': return Float64Array.from(new BigInt64Array(bytes.buffer), (v, i) => fromInt64(v, i, where));
    default: return new Float64Array(bytes.buffer);
  }
}

function swapBytes(b: Uint8Array, width: number) {
  if (width > 1) for (let i = 0; i < b.length; i += width) b.subarray(i, i + width).reverse();
}

// int64 arrays live in a Float64Array: exact to ±2^53, so anything beyond is refused rather than rounded.
const EXACT = 2n ** 53n;
function fromInt64(v: bigint, i: number, where: string): number {
  if (v > EXACT || v < -EXACT)
    fail('VALUE_OUT_OF_RANGE', `${where}: INT64 element ${i} is ${v}, beyond ±2^53; gradd's int64 arrays hold their values in float64 and cannot hold it exactly`);
  return Number(v);
}
function toInt64(v: number, i: number, where: string): bigint {
  if (!Number.isInteger(v) || v < -(2 ** 63) || v >= 2 ** 63) fail('VALUE_OUT_OF_RANGE', `${where}: int64 element ${i} is ${v}, not an integer in INT64's range`);
  return BigInt(v);
}

const MAX_DIM = BigInt(MAX_ELEMENTS);

function specFromProto(msg: { datatype: string; shape: bigint[] }, maxElements: number, where: string): TensorSpec {
  const dtype = DTYPE_OF.get(msg.datatype);
  if (!dtype) fail('BAD_ARGUMENT', `${where}.datatype is ${JSON.stringify(msg.datatype)}; expected one of ${[...DTYPE_OF.keys()].join(', ')}`);
  const shape: number[] = [];
  for (let i = 0; i < msg.shape.length; i++) {
    const d = msg.shape[i];
    if (d < 0n || d > MAX_DIM) fail('BAD_ARGUMENT', `${where}.shape[${i}] is ${d}; a dimension is an integer from 0 to ${MAX_ELEMENTS}`);
    shape.push(Number(d) | 0); // exact (d < 2^31), and a small integer: Number(d) alone makes the shape an array of doubles
  }
  if (sizeOf(shape) > maxElements) fail('TOO_LARGE', `${where}: shape ${fmtShape(shape)} has ${sizeOf(shape)} elements; the limit is ${maxElements}`);
  return { dtype, shape };
}

const specToProto = (s: TensorSpec, where: string) =>
  ({ datatype: DATATYPES[checkDType(s.dtype, `${where}.dtype`)], shape: s.shape.map((d) => BigInt(d)) });

// ---- graphs ----

/** An IR graph as a gradd.v1.Graph message. Numbers that are safe integers (and not -0) travel as int_value, others as double_value. */
export function graphToProto(g: Graph, where = 'graph'): pb.Graph {
  return create(pb.GraphSchema, {
    catalogVersion: g.catalogVersion,
    inputs: g.inputs.map((s, i) => specToProto(s, `${where}.inputs[${i}]`)),
    constants: g.constants.map((t, i) => tensorToProto(t, {}, `${where}.constants[${i}]`)),
    nodes: g.nodes.map((n, i) => {
      const at = `${where}.nodes[${i}]`;
      return {
        op: n.op,
        inputs: n.inputs.map(refToProto),
        attrs: Object.fromEntries(Object.entries(n.attrs).map(([k, v]) => [k, attrToProto(v, `${at}.attrs.${k}`)])),
        outputs: n.outputs.map((s, j) => specToProto(s, `${at}.outputs[${j}]`)),
        name: n.name ?? '',
      };
    }),
    outputs: g.outputs.map(refToProto),
    subgraphs: g.subgraphs.map((s, i) => graphToProto(s, `${where}.subgraphs[${i}]`)),
    inputTree: treeToProto(g.inputTree, `${where}.inputTree`),
    outputTree: treeToProto(g.outputTree, `${where}.outputTree`),
  });
}

const refToProto = (r: Ref): pb.Ref => create(pb.RefSchema,
  'input' in r ? { source: { case: 'input', value: r.input } }
    : 'constant' in r ? { source: { case: 'constant', value: r.constant } }
      : { source: { case: 'node', value: r.node }, index: r.index ?? 0 });

function attrToProto(v: AttrValue, where: string): pb.AttrValue {
  const of = (value: pb.AttrValue['value']) => create(pb.AttrValueSchema, { value });
  if (v === null) return of({ case: 'nullValue', value: NullValue.NULL_VALUE });
  if (typeof v === 'boolean') return of({ case: 'boolValue', value: v });
  if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? of({ case: 'intValue', value: BigInt(v) }) : of({ case: 'doubleValue', value: v });
  if (typeof v === 'string') return of({ case: 'stringValue', value: v });
  if (Array.isArray(v)) return of({ case: 'listValue', value: create(pb.AttrListSchema, { values: v.map((x, i) => attrToProto(x, `${where}[${i}]`)) }) });
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const keys = Object.keys(v), o = v as Record<string, unknown>;
    if (keys.length === 1 && o.tensor instanceof NDArray) return of({ case: 'tensorValue', value: tensorToProto(o.tensor, {}, `${where}.tensor`) });
    if (keys.length === 1 && Array.isArray(o.slice)) return of({ case: 'sliceValue', value: sliceToProto(o.slice, where) });
    if (keys.length === 1 && keys[0] === 'graph' && Number.isInteger(o.graph) && (o.graph as number) >= 0) return of({ case: 'graphIndex', value: o.graph as number });
    if (keys.length === 1 && keys[0] === 'operand' && Number.isInteger(o.operand) && (o.operand as number) >= 0) return of({ case: 'operandIndex', value: o.operand as number });
    return of({ case: 'mapValue', value: create(pb.AttrMapSchema, { entries: Object.fromEntries(keys.map((k) => [k, attrToProto(o[k] as AttrValue, `${where}.${k}`)])) }) });
  }
  fail('BAD_ATTRIBUTE', `${where}: ${typeof v === 'object' ? Object.getPrototypeOf(v)?.constructor?.name ?? 'object' : typeof v} cannot travel in a graph; attributes are null, booleans, numbers, strings, lists, plain objects, {tensor}, {slice}, {graph} and {operand}`);
}

function sliceToProto(s: unknown[], where: string): pb.Slice {
  if (s.length !== 3 || !s.every((x) => x === null || Number.isSafeInteger(x)))
    fail('BAD_ATTRIBUTE', `${where}.slice is ${JSON.stringify(s)}; it holds three integers or nulls (start, stop, step)`);
  const part = (x: unknown) => (x === null ? undefined : BigInt(x as number));
  return create(pb.SliceSchema, { start: part(s[0]), stop: part(s[1]), step: part(s[2]) });
}

function treeToProto(t: unknown, where: string): Value | undefined {
  if (t === undefined) return undefined;
  try { return pbFromJson(ValueSchema, t as JsonValue); } catch (e) {
    fail('BAD_ARGUMENT', `${where} must be JSON data (arrays, objects, strings, finite numbers, booleans, null): ${(e as Error).message}`);
  }
}

function treeFromProto(v: Value, where: string): unknown {
  try { return pbToJson(ValueSchema, v); } catch (e) {
    fail('INVALID_GRAPH', `${where}: ${(e as Error).message}`);
  }
}

/** A gradd.v1.Graph message as an IR graph, checked: every index in range, nodes topologically ordered, sizes within `limits`. */
export function graphFromProto(msg: pb.Graph, limits: Partial<WireLimits> = {}): Graph {
  const lim = { ...DEFAULT_WIRE_LIMITS, ...limits };
  return new GraphReader(lim).graph(msg, 0, 'graph');
}

class GraphReader {
  private elements = 0;
  private nodes = 0;
  constructor(private readonly limits: WireLimits) {}

  graph(m: pb.Graph, depth: number, where: string): Graph {
    this.checkDepth(depth, where);
    noUnknownFields(m, where);
    if (!m.catalogVersion) fail('INVALID_GRAPH', `${where}.catalog_version is empty; a graph records the catalog version it was built against`);
    const inputs = m.inputs.map((s, i) => this.spec(s, `${where}.inputs[${i}]`));
    const constants = m.constants.map((t, i) => this.tensor(t, `${where}.constants[${i}]`));
    const nodeOutputs: number[] = [];
    const scope = { inputs: inputs.length, constants: constants.length, nodeOutputs, subgraphs: m.subgraphs.length };
    const nodes = m.nodes.map((n, i): Node => {
      const at = `${where}.nodes[${i}]`;
      if (++this.nodes > this.limits.maxNodes) fail('TOO_LARGE', `${at}: the graph has more than ${this.limits.maxNodes} nodes`);
      noUnknownFields(n, at);
      if (!n.op) fail('INVALID_GRAPH', `${at}.op is empty; it names a catalog op`);
      const node: Node = {
        op: n.op,
        inputs: n.inputs.map((r, j) => this.ref(r, scope, `${at}.inputs[${j}]`)),
        attrs: Object.fromEntries(entries(n.attrs, `${at}.attrs`).map(([k, v]) => [k, this.attr(v, { subgraphs: scope.subgraphs, operands: n.inputs.length }, depth, `${at}.attrs.${k}`)])),
        outputs: n.outputs.map((s, j) => this.spec(s, `${at}.outputs[${j}]`)),
      };
      if (n.name) node.name = n.name;
      nodeOutputs.push(node.outputs.length);
      return node;
    });
    // A subgraph may return nothing (a scan body with no carry and no ys); the model itself must return something.
    if (m.outputs.length === 0 && depth === 0) fail('INVALID_GRAPH', `${where}.outputs is empty; a graph has at least one output`);
    const g: Graph = {
      catalogVersion: m.catalogVersion,
      inputs, constants, nodes,
      outputs: m.outputs.map((r, j) => this.ref(r, scope, `${where}.outputs[${j}]`)),
      subgraphs: m.subgraphs.map((s, i) => this.graph(s, depth + 1, `${where}.subgraphs[${i}]`)),
    };
    if (m.inputTree) g.inputTree = treeFromProto(m.inputTree, `${where}.input_tree`);
    if (m.outputTree) g.outputTree = treeFromProto(m.outputTree, `${where}.output_tree`);
    return g;
  }

  ref(r: pb.Ref, scope: { inputs: number; constants: number; nodeOutputs: number[] }, where: string): Ref {
    noUnknownFields(r, where);
    const { case: kind, value } = r.source;
    if (kind === undefined) fail('INVALID_GRAPH', `${where} refers to nothing; set one of input, constant, node`);
    if (kind !== 'node' && r.index !== 0) fail('INVALID_GRAPH', `${where}.index is ${r.index}; index applies only to a node reference`);
    if (kind === 'input' && value >= scope.inputs) fail('INVALID_GRAPH', `${where}.input is ${value}, but the graph has ${scope.inputs} inputs`);
    if (kind === 'constant' && value >= scope.constants) fail('INVALID_GRAPH', `${where}.constant is ${value}, but the graph has ${scope.constants} constants`);
    if (kind === 'input') return { input: value };
    if (kind === 'constant') return { constant: value };
    const outs = scope.nodeOutputs[value];
    if (outs === undefined) fail('INVALID_GRAPH', `${where}.node is ${value}, which is not an earlier node (${scope.nodeOutputs.length} precede it; nodes are topologically ordered)`);
    if (r.index >= outs) fail('INVALID_GRAPH', `${where}.index is ${r.index}, but node ${value} has ${outs} outputs`);
    return r.index ? { node: value, index: r.index } : { node: value };
  }

  attr(a: pb.AttrValue, counts: { subgraphs: number; operands: number }, depth: number, where: string): AttrValue {
    this.checkDepth(depth, where);
    noUnknownFields(a, where);
    const v = a.value;
    switch (v.case) {
      case 'nullValue': return null;
      case 'boolValue': case 'doubleValue': case 'stringValue': return v.value;
      case 'intValue': return safeNumber(v.value, where);
      case 'listValue':
        noUnknownFields(v.value, where);
        return v.value.values.map((x, i) => this.attr(x, counts, depth + 1, `${where}[${i}]`));
      case 'mapValue':
        noUnknownFields(v.value, where);
        return Object.fromEntries(entries(v.value.entries, where).map(([k, x]) => [k, this.attr(x, counts, depth + 1, `${where}.${k}`)]));
      case 'tensorValue': return { tensor: this.tensor(v.value, `${where}.tensor`) };
      case 'sliceValue': {
        noUnknownFields(v.value, where);
        const s = v.value, part = (x: bigint | undefined, f: string) => (x === undefined ? null : safeNumber(x, `${where}.slice.${f}`));
        return { slice: [part(s.start, 'start'), part(s.stop, 'stop'), part(s.step, 'step')] };
      }
      case 'graphIndex':
        if (v.value >= counts.subgraphs) fail('INVALID_GRAPH', `${where}.graph_index is ${v.value}, but the graph has ${counts.subgraphs} subgraphs`);
        return { graph: v.value };
      case 'operandIndex':
        if (v.value >= counts.operands) fail('INVALID_GRAPH', `${where}.operand_index is ${v.value}, but the node has ${counts.operands} inputs`);
        return { operand: v.value };
      default: fail('INVALID_GRAPH', `${where} has no value; set one of the AttrValue fields`);
    }
  }

  spec(s: TensorSpecMsg, where: string): TensorSpec {
    noUnknownFields(s, where);
    return specFromProto(s, this.limits.maxElements, where);
  }

  tensor(t: Tensor, where: string): NDArray {
    const nd = tensorFromProto(t, this.limits, where);
    if ((this.elements += nd.size) > this.limits.maxElements)
      fail('TOO_LARGE', `${where}: the graph's tensors hold more than ${this.limits.maxElements} elements together`);
    return nd;
  }

  private checkDepth(depth: number, where: string) {
    if (depth > this.limits.maxDepth) fail('TOO_LARGE', `${where}: subgraphs or attributes nest deeper than ${this.limits.maxDepth}`);
  }
}

function safeNumber(v: bigint, where: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) fail('VALUE_OUT_OF_RANGE', `${where} is ${v}, beyond ±(2^53 - 1), which a JavaScript number cannot hold exactly`);
  return Number(v);
}

// A decoded map whose key was "__proto__" got a prototype instead of an entry: refuse it rather than drop it.
function entries<T>(map: { [k: string]: T }, where: string): [string, T][] {
  if (Object.getPrototypeOf(map) !== Object.prototype) fail('INVALID_GRAPH', `${where}: the name "__proto__" is not allowed`);
  return Object.entries(map);
}

// Graph messages are strict: a field this version does not know could change what the graph means.
function noUnknownFields(m: { $unknown?: { no: number }[] }, where: string, code: ErrorCode = 'INVALID_GRAPH') {
  if (m.$unknown?.length) fail(code, `${where} has field number ${m.$unknown[0].no}, which gradd.v1 does not define`);
}

// ---- encodings ----

/** Binary protobuf encoding (the gradient RPCs' responses without reflection: tensor-wire.ts). */
export const encode = <D extends DescMessage>(schema: D, msg: MessageShape<D>): Uint8Array => tensorWriters(schema)?.binary(msg) ?? toBinary(schema, msg);

/** Binary protobuf decoding; any malformed input is a BAD_ARGUMENT error. A Node Buffer is read as a plain Uint8Array, so bytes fields are too. */
export function decode<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try { return tensorBinaryReader(schema)?.(plain) ?? fromBinary(schema, plain); } catch (e) {
    fail('BAD_ARGUMENT', `cannot decode ${bytes.length} bytes as ${schema.typeName}: ${(e as Error).message}`);
  }
}

/** Protobuf's canonical JSON mapping (int64 as strings, NaN and ±Infinity as strings, bytes as base64). */
export const toJson = <D extends DescMessage>(schema: D, msg: MessageShape<D>): JsonValue => pbToJson(schema, msg);

/** Parses the canonical JSON mapping; unknown fields and malformed values are BAD_ARGUMENT errors. */
export function fromJson<D extends DescMessage>(schema: D, json: JsonValue): MessageShape<D> {
  try { return tensorReader(schema)?.(json) ?? pbFromJson(schema, json); } catch (e) {
    fail('BAD_ARGUMENT', `not a valid JSON ${schema.typeName}: ${(e as Error).message}`);
  }
}

/** toJson as text; unlike JSON.stringify it writes -0 as -0, so typed contents keep it too. */
export const toJsonString = <D extends DescMessage>(schema: D, msg: MessageShape<D>): string => tensorWriters(schema)?.json(msg) ?? stringify(toJson(schema, msg));

export function fromJsonString<D extends DescMessage>(schema: D, text: string): MessageShape<D> {
  let json: JsonValue;
  try { json = JSON.parse(text) as JsonValue; } catch (e) {
    fail('BAD_ARGUMENT', `not JSON (${schema.typeName} expected): ${(e as Error).message}`);
  }
  return fromJson(schema, json);
}

// JSON.stringify unless a -0 is there to keep (only typed contents and float attributes can hold one).
const stringify = (v: JsonValue): string => (hasNegativeZero(v) ? stringifyKeepingSign(v) : JSON.stringify(v));
const hasNegativeZero = (v: JsonValue): boolean =>
  typeof v === 'number' ? Object.is(v, -0)
    : Array.isArray(v) ? v.some(hasNegativeZero) : v !== null && typeof v === 'object' && Object.values(v).some(hasNegativeZero);
const stringifyKeepingSign = (v: JsonValue): string =>
  Object.is(v, -0) ? '-0'
    : Array.isArray(v) ? `[${v.map(stringifyKeepingSign).join(',')}]`
      : v !== null && typeof v === 'object' ? `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${stringifyKeepingSign(x)}`).join(',')}}`
        : JSON.stringify(v);

// ---- gRPC ----

/** A grpc-js service definition for a generated service: `/gradd.v1.Gradient/Evaluate`, messages as binary protobuf. */
export type GrpcServiceDefinition<T extends GenServiceMethods> = {
  [K in keyof T]: MethodDefinition<MessageShape<T[K]['input']>, MessageShape<T[K]['output']>>;
};

/** Methods are keyed by their JS name (`evaluate`) with the proto name (`Evaluate`) as grpc-js's alias, as @grpc/proto-loader does the other way round. */
export function grpcService<T extends GenServiceMethods>(service: GenService<T>): GrpcServiceDefinition<T> {
  const buffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  return Object.fromEntries(service.methods.map((m) => [m.localName, {
    path: `/${service.typeName}/${m.name}`,
    originalName: m.name,
    requestStream: m.methodKind === 'client_streaming' || m.methodKind === 'bidi_streaming',
    responseStream: m.methodKind === 'server_streaming' || m.methodKind === 'bidi_streaming',
    requestSerialize: (msg: MessageShape<typeof m.input>) => buffer(toBinary(m.input, create(m.input, msg))),
    requestDeserialize: (b: Buffer) => decode(m.input, b),
    responseSerialize: (msg: MessageShape<typeof m.output>) => buffer(encode(m.output, create(m.output, msg))),
    responseDeserialize: (b: Buffer) => decode(m.output, b),
  }])) as unknown as GrpcServiceDefinition<T>;
}
