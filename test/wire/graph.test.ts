// Graphs on the wire: every AttrValue kind round-trips through binary and canonical JSON; malformed
// messages and garbage bytes are typed errors naming the field, never a crash.
import { readFileSync } from 'node:fs';
import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { GraddRangeError, GraddTypeError } from '../../core/errors.js';
import { NDArray } from '../../core/ndarray.js';
import type { Graph } from '../../core/graph/ir.js';
import { GraphSchema } from '../../core/graph/gen/gradd/v1/graph_pb.js';
import { trace } from '../../core/graph/trace.js';
import { np } from '../../core/np.js';
import { TensorSchema } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { decode, encode, fromJsonString, graphFromProto, graphToProto, tensorFromProto, toJson, toJsonString } from '../../core/graph/wire.js';
import { throwsCode } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const f64 = (v: number[], shape = [v.length]) => NDArray.fromData(v, shape);
const spec = (dtype: any, shape: number[]) => ({ dtype, shape });
const weak = (v: number) => { const a = NDArray.scalar(v); a.weak = true; return a; };

// x[::-1, idx, ..., None][mask] style indexing, a cond with two branches, a two-output node and constants.
const branch = (op: string): Graph => ({
  catalogVersion: '1.0.0',
  inputs: [spec('float64', [3])],
  constants: [],
  nodes: [{ op, inputs: [{ input: 0 }], attrs: {}, outputs: [spec('float64', [3])] }],
  outputs: [{ node: 0 }],
  subgraphs: [],
});
const graph: Graph = {
  catalogVersion: '1.0.0',
  inputs: [spec('float64', [4, 3]), spec('bool', [])],
  constants: [f64([NaN, -0, Infinity]), NDArray.fromData([2 ** 53, -3], [2], 'int64'), weak(2.5)],
  nodes: [
    {
      op: 'getitem', inputs: [{ input: 0 }], outputs: [spec('float64', [3, 1])], name: 'rows',
      attrs: { index: [{ slice: [null, null, -1] }, { tensor: NDArray.fromData([0, 2, 2], [3], 'int64') }, '...', null, { slice: [1, 5, 2] }] },
    },
    { op: 'linalg.slogdet', inputs: [{ input: 0 }], attrs: {}, outputs: [spec('float64', []), spec('float64', [])] },
    {
      op: 'sum', inputs: [{ node: 0 }],
      attrs: { axis: [0, -1], keepdims: true, where: { tensor: NDArray.fromData([1, 0, 1], [3, 1], 'bool') }, initial: -0, dtype: null },
      outputs: [spec('float64', [1, 1])],
    },
    {
      op: 'cond', inputs: [{ input: 1 }, { constant: 0 }],
      attrs: { true_fun: { graph: 0 }, false_fun: { graph: 1 }, opts: { tol: 1e-12, big: 2 ** 60, bad: NaN, inf: -Infinity, tags: ['a', true, 3], nested: { deep: [[1], []] } } },
      outputs: [spec('float64', [3])],
    },
    { op: 'add', inputs: [{ node: 1, index: 1 }, { node: 3 }], attrs: {}, outputs: [spec('float64', [3])] },
    { op: 'getitem', inputs: [{ node: 4 }, { constant: 1 }], attrs: { index: [{ operand: 1 }, null] }, outputs: [spec('float64', [2, 1])] },
    { op: 'multiply', inputs: [{ node: 5 }, { constant: 2 }], attrs: {}, outputs: [spec('float64', [2, 1])] },
  ],
  outputs: [{ node: 4 }, { node: 1 }, { constant: 1 }],
  subgraphs: [branch('sin'), branch('cos')],
  inputTree: [[null], { flag: null }],
  outputTree: { y: null, det: [null, null] },
};

describe('graph round trips', () => {
  it('every AttrValue kind survives binary and JSON, down to NaN and -0', () => {
    const msg = graphToProto(graph);
    const viaBinary = graphFromProto(decode(GraphSchema, encode(GraphSchema, msg)));
    const viaJson = graphFromProto(fromJsonString(GraphSchema, toJsonString(GraphSchema, msg)));
    for (const back of [viaBinary, viaJson]) {
      expect(back).toEqual(graph);
      expect(Object.is(back.nodes[2].attrs.initial, -0)).toBe(true);
      expect(Object.is(back.constants[0].data[1], -0)).toBe(true);
      expect((back.nodes[3].attrs.opts as any).bad).toBeNaN();
      expect(back.constants.map((c) => c.weak)).toEqual([false, false, true]);
    }
  });

  it('numbers travel as int_value when they are safe integers, else double_value (JSON literally)', () => {
    const json = toJson(GraphSchema, graphToProto(graph)) as any;
    const attrs = json.nodes[2].attrs, opts = json.nodes[3].attrs.opts.mapValue.entries;
    expect(attrs.axis).toEqual({ listValue: { values: [{ intValue: '0' }, { intValue: '-1' }] } });
    expect(attrs.initial).toEqual({ doubleValue: -0 });
    expect(attrs.dtype).toEqual({ nullValue: null });
    expect(attrs.keepdims).toEqual({ boolValue: true });
    expect(opts.big).toEqual({ doubleValue: 1152921504606846976 }); // 2^60 is not a safe integer
    expect(opts.bad).toEqual({ doubleValue: 'NaN' });
    expect(opts.inf).toEqual({ doubleValue: '-Infinity' });
    expect(json.nodes[3].attrs.true_fun).toEqual({ graphIndex: 0 });
    expect(json.nodes[0].attrs.index.listValue.values[0]).toEqual({ sliceValue: { step: '-1' } });
    expect(json.nodes[0].attrs.index.listValue.values[2]).toEqual({ stringValue: '...' });
    expect(json.outputs).toEqual([{ node: 4 }, { node: 1 }, { constant: 1 }]);
    expect(json.nodes[4].inputs[0]).toEqual({ node: 1, index: 1 });
    expect(json.nodes[5].attrs.index.listValue.values[0]).toEqual({ operandIndex: 1 });
    expect(json.constants[2]).toEqual({ datatype: 'FP64', rawContents: 'AAAAAAAABEA=', weak: true }); // a 0-d shape is the default, so absent
    expect(json.catalogVersion).toBe('1.0.0');
    expect(json.inputs[0]).toEqual({ datatype: 'FP64', shape: ['4', '3'] });
    expect(json.constants[1]).toEqual({ datatype: 'INT64', shape: ['2'], rawContents: 'AAAAAAAAIAD9/////////w==' });
  });

  it('attributes that cannot travel are refused when encoding', () => {
    const bad = (attrs: any) => graphToProto({ ...branch('sin'), nodes: [{ ...branch('sin').nodes[0], attrs }] });
    throwsCode(() => bad({ f: () => 1 }), 'BAD_ATTRIBUTE', 'nodes[0].attrs.f', 'function');
    throwsCode(() => bad({ x: undefined }), 'BAD_ATTRIBUTE', 'attrs.x');
    throwsCode(() => bad({ index: [{ slice: [0, 1.5, null] }] }), 'BAD_ATTRIBUTE', /index\[0\]\.slice/);
    throwsCode(() => bad({ a: new Map() }), 'BAD_ATTRIBUTE', 'Map');
    throwsCode(() => graphToProto({ ...branch('sin'), inputTree: [1n] }), 'BAD_ARGUMENT', 'inputTree');
  });
});

describe('graphFromProto validates structure', () => {
  const base = () => toJson(GraphSchema, graphToProto(graph)) as any;
  const read = (j: any, limits = {}) => graphFromProto(fromJsonString(GraphSchema, JSON.stringify(j)), limits);
  const broken = (edit: (j: any) => void) => { const j = base(); edit(j); return () => read(j); };

  it('names the field of each structural mistake', () => {
    throwsCode(broken((j) => { delete j.catalogVersion; }), 'INVALID_GRAPH', 'graph.catalog_version');
    throwsCode(broken((j) => { j.outputs = []; }), 'INVALID_GRAPH', 'graph.outputs is empty');
    throwsCode(broken((j) => { j.nodes[0].op = ''; }), 'INVALID_GRAPH', 'graph.nodes[0].op');
    throwsCode(broken((j) => { j.nodes[0].inputs[0] = { node: 0 }; }), 'INVALID_GRAPH', 'graph.nodes[0].inputs[0].node is 0', 'topologically');
    throwsCode(broken((j) => { j.nodes[2].inputs[0] = { node: 3 }; }), 'INVALID_GRAPH', 'graph.nodes[2].inputs[0].node is 3');
    throwsCode(broken((j) => { j.nodes[4].inputs[0] = { node: 1, index: 2 }; }), 'INVALID_GRAPH', 'nodes[4].inputs[0].index is 2', 'node 1 has 2 outputs');
    throwsCode(broken((j) => { j.nodes[1].inputs[0] = { input: 2 }; }), 'INVALID_GRAPH', 'nodes[1].inputs[0].input is 2', '2 inputs');
    throwsCode(broken((j) => { j.outputs[0] = { constant: 7 }; }), 'INVALID_GRAPH', 'graph.outputs[0].constant is 7');
    throwsCode(broken((j) => { j.outputs[0] = { input: 0, index: 1 }; }), 'INVALID_GRAPH', 'outputs[0].index', 'only to a node');
    throwsCode(broken((j) => { j.outputs[0] = {}; }), 'INVALID_GRAPH', 'graph.outputs[0] refers to nothing');
    throwsCode(broken((j) => { j.nodes[3].attrs.true_fun = { graphIndex: 2 }; }), 'INVALID_GRAPH', 'attrs.true_fun.graph_index is 2', '2 subgraphs');
    throwsCode(broken((j) => { j.nodes[5].attrs.index.listValue.values[0] = { operandIndex: 2 }; }), 'INVALID_GRAPH', /nodes\[5\]\.attrs\.index\[0\]\.operand_index is 2, but the node has 2 inputs/);
    throwsCode(broken((j) => { j.nodes[3].attrs.opts.mapValue.entries.tags.listValue.values[1] = {}; }), 'INVALID_GRAPH', 'attrs.opts.tags[1] has no value');
    throwsCode(broken((j) => { j.subgraphs[1].nodes[0].inputs = [{ constant: 0 }]; }), 'INVALID_GRAPH', 'graph.subgraphs[1].nodes[0].inputs[0].constant is 0');
    throwsCode(broken((j) => { j.inputs[1].datatype = 'FP16'; }), 'BAD_ARGUMENT', 'graph.inputs[1].datatype', 'FP16');
    throwsCode(broken((j) => { j.constants[0].rawContents = 'AAAA'; }), 'BAD_ARGUMENT', 'graph.constants[0]: raw_contents has 3 bytes');
    throwsCode(broken((j) => { j.nodes[0].attrs.index.listValue.values[1].tensorValue.datatype = 'X'; }), 'BAD_ARGUMENT', /attrs\.index\[1\]\.tensor\.datatype/);
    throwsCode(broken((j) => { j.nodes[2].attrs.axis = { intValue: '9007199254740993' }; }), 'VALUE_OUT_OF_RANGE', 'attrs.axis is 9007199254740993');
    throwsCode(broken((j) => { j.nodes[0].attrs.index.listValue.values[4].sliceValue.stop = '-9223372036854775808'; }), 'VALUE_OUT_OF_RANGE', 'slice.stop');
  });

  it('refuses an attribute named __proto__ instead of dropping it', () => {
    const text = toJsonString(GraphSchema, graphToProto(branch('sin'))).replace('"op":"sin"', '"op":"sin","attrs":{"__proto__":{"boolValue":true}}');
    expect(text).toContain('__proto__');
    throwsCode(() => graphFromProto(fromJsonString(GraphSchema, text)), 'INVALID_GRAPH', 'nodes[0].attrs', '__proto__');
  });

  it('container trees: null (one array) and nesting survive', () => {
    const g = { ...branch('sin'), inputTree: null, outputTree: [null, { a: null, b: [null] }] };
    const back = graphFromProto(fromJsonString(GraphSchema, toJsonString(GraphSchema, graphToProto(g))));
    expect(back).toEqual(g);
    expect('inputTree' in back).toBe(true);
  });

  it('a node reference with index 0 reads back without it (absent means 0)', () => {
    const g = { ...branch('sin'), outputs: [{ node: 0, index: 0 }] };
    expect(graphFromProto(graphToProto(g)).outputs).toEqual([{ node: 0 }]);
  });

  it('refuses fields gradd.v1 does not define (binary), which could change what a graph means', () => {
    const bytes = encode(GraphSchema, graphToProto(branch('sin')));
    const extra = Uint8Array.of(...bytes, 0x78, 0x01); // field 15, varint 1
    throwsCode(() => graphFromProto(decode(GraphSchema, extra)), 'INVALID_GRAPH', 'graph has field number 15');
  });

  it('enforces node, element and nesting limits', () => {
    throwsCode(() => read(base(), { maxNodes: 8 }), 'TOO_LARGE', 'more than 8 nodes');
    expect(read(base(), { maxNodes: 9 }).nodes.length).toBe(7); // 7 + one in each subgraph
    throwsCode(() => read(base(), { maxElements: 11 }), 'TOO_LARGE', 'graph.inputs[0]: shape [4, 3] has 12 elements');
    expect(() => read(base(), { maxElements: 12 })).not.toThrow(); // per tensor; 12 elements in tensors together
    const consts = { ...branch('sin'), constants: [f64([1, 2, 3]), f64([4, 5, 6])] };
    throwsCode(() => read(toJson(GraphSchema, graphToProto(consts)), { maxElements: 5 }), 'TOO_LARGE', "graph.constants[1]: the graph's tensors hold more than 5 elements");
    let deep: any = { catalogVersion: '1', outputs: [{ constant: 0 }], constants: [{ datatype: 'FP64', shape: [], rawContents: 'AAAAAAAA8D8=' }] };
    for (let i = 0; i < 5; i++) deep = { ...deep, subgraphs: [deep] };
    throwsCode(() => read(deep, { maxDepth: 4 }), 'TOO_LARGE', 'nest deeper than 4');
    expect(read(deep, { maxDepth: 5 }).subgraphs[0].subgraphs[0].subgraphs.length).toBe(1);
    let list: any = { intValue: '1' };
    for (let i = 0; i < 40; i++) list = { listValue: { values: [list] } };
    throwsCode(broken((j) => { j.nodes[2].attrs.x = list; }), 'TOO_LARGE', 'nodes[2].attrs.x');
  });
});

describe('garbage in, typed error out', () => {
  // xorshift32: reproducible buffers
  let s = 0x9e3779b9;
  const next = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s; };
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff);
  const typed = (e: unknown) => (e instanceof GraddTypeError || e instanceof GraddRangeError) && typeof e.code === 'string';

  it('1,000 random buffers: as a Graph and as a Tensor', () => {
    const codes = new Set<string>();
    for (let k = 0; k < 1000; k++) {
      const bytes = randomBytes(next() % 300);
      for (const read of [() => graphFromProto(decode(GraphSchema, bytes)), () => tensorFromProto(decode(TensorSchema, bytes))]) {
        let err: unknown;
        try { read(); } catch (e) { err = e; }
        expect(typed(err), `buffer ${k} (${Buffer.from(bytes).toString('hex')}): ${String(err)}`).toBe(true);
        codes.add((err as GraddTypeError).code);
      }
    }
    expect([...codes].sort()).toEqual(['BAD_ARGUMENT', 'INVALID_GRAPH']);
  });

  it('1,000 mutations of a valid graph: a valid graph or a typed error, never anything else', () => {
    const good = encode(GraphSchema, graphToProto(graph));
    let valid = 0;
    for (let k = 0; k < 1000; k++) {
      const bytes = good.slice(0, good.length - (next() % 3 === 0 ? next() % good.length : 0));
      for (let m = 1 + (next() % 4); m > 0 && bytes.length; m--) bytes[next() % bytes.length] = next() & 0xff;
      try { graphFromProto(decode(GraphSchema, bytes)); valid++; } catch (e) {
        expect(typed(e), `mutation ${k}: ${String(e)}`).toBe(true);
      }
    }
    expect(valid).toBeLessThan(1000);
  });

  it('JSON that is not a Graph', () => {
    for (const text of ['', '{', '[]', 'null', '{"nodes":7}', '{"catalogVersion":1}', '{"outputs":[{"node":"x"}]}', '{"unknownField":1}', '{"constants":[{"rawContents":"%%%"}]}'])
      throwsCode(() => fromJsonString(GraphSchema, text), 'BAD_ARGUMENT', 'gradd.v1.Graph');
  });
});

describe('traced graphs', () => {
  it('a graph from trace() round-trips: weak constants, slices, computed indices, container trees', () => {
    const g = trace((p: any, x: any) => {
      const i = np.argmax(x);
      return { y: np.sum(np.tanh(x.mul(2.5)).get({ slice: [null, null, -1] })), z: p.w.get(i) };
    }, { w: { dtype: 'float32', shape: [4] } }, { dtype: 'float64', shape: [4] });
    for (const back of [graphFromProto(decode(GraphSchema, encode(GraphSchema, graphToProto(g)))),
      graphFromProto(fromJsonString(GraphSchema, toJsonString(GraphSchema, graphToProto(g))))]) expect(back).toEqual(g);
    expect(g.constants.some((c) => c.weak)).toBe(true);
    expect(g.nodes.at(-1)?.attrs).toEqual({ index: [{ operand: 1 }] }); // x[argmax(x)]: an index the graph computes
  });
});

describe('init shapes', () => {
  it('a hand-built message (as another language would send it) reads back', () => {
    const init: MessageInitShape<typeof GraphSchema> = {
      catalogVersion: '1.0.0',
      inputs: [{ datatype: 'FP64', shape: [2n] }],
      nodes: [{ op: 'tanh', inputs: [{ source: { case: 'input', value: 0 } }], outputs: [{ datatype: 'FP64', shape: [2n] }] }],
      outputs: [{ source: { case: 'node', value: 0 } }],
    };
    expect(graphFromProto(create(GraphSchema, init))).toEqual({
      catalogVersion: '1.0.0', inputs: [spec('float64', [2])], constants: [],
      nodes: [{ op: 'tanh', inputs: [{ input: 0 }], attrs: {}, outputs: [spec('float64', [2])] }],
      outputs: [{ node: 0 }], subgraphs: [],
    });
  });
});

describe("proto/README.md's JSON examples", () => {
  const readme = readFileSync(new URL('../../proto/README.md', import.meta.url), 'utf8');
  const blocks = [...readme.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]);

  it('the tensors read as documented', () => {
    const [a, b, c] = blocks[0].trim().split('\n').map((line) => fromJsonString(TensorSchema, line));
    expect(Array.from(tensorFromProto(a).data)).toEqual([1.5, NaN, -Infinity]);
    expect(b.contents?.int64Contents).toEqual([2n ** 53n + 1n, -3n]);
    expect(() => tensorFromProto(b)).toThrow(/9007199254740993/);
    expect(Array.from(tensorFromProto(c).data)).toEqual([1.5, -0]);
  });

  it('the graph is a valid graph', () => {
    const g = graphFromProto(fromJsonString(GraphSchema, blocks[1]));
    expect(g.nodes.map((n) => n.op)).toEqual(['tanh', 'multiply', 'sum']);
    expect(g.nodes[2].attrs).toEqual({ axis: null });
  });
});
