// validateGraph on untrusted graphs: one typed error per problem, naming the node.
import { describe, expect, it } from 'vitest';
import { GraddRangeError, GraddTypeError } from '../../core/errors.js';
import { evalGraph } from '../../core/graph/eval.js';
import type { Graph } from '../../core/graph/ir.js';
import { trace } from '../../core/graph/trace.js';
import { validateGraph, type GraphLimits } from '../../core/graph/validate.js';
import { CATALOG_SEMVER, catalogVersion } from '../../core/graph/version.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { clone } from './clone.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const f32 = (shape: number[]) => ({ dtype: 'float64', shape });
// nodes: 0 multiply, 1 tanh, 2 getitem, 3 sum
const simple = trace((x: any) => np.sum(np.tanh(x.mul(2)).get('1:')), f32([4]));
// nodes: 0 while_loop (subgraphs 0 cond, 1 body), 1 sum
const looped = trace((x: any) => np.sum(np.whileLoop((s: any) => np.sum(s).lt(10), (s: any) => s.mul(x), x)), f32([2]));

function rejects(g: unknown, code: string, message: RegExp, limits?: Partial<GraphLimits>) {
  let err: unknown;
  try { validateGraph(g, limits); } catch (e) { err = e; }
  expect(err instanceof GraddTypeError || err instanceof GraddRangeError).toBe(true);
  expect(err).toMatchObject({ code, message: expect.stringMatching(message) });
}
const edit = (g: Graph, f: (g: any) => void) => { const c = clone(g); f(c); return c; };

describe('validateGraph', () => {
  it('accepts traced graphs, which then run', () => {
    validateGraph(simple);
    validateGraph(looped);
    expect(evalGraph(looped, [np.array([1, 2])]).item()).toBe(1 + 16);
  });

  it('rejects unknown ops and wrong arity', () => {
    rejects(edit(simple, (g) => { g.nodes[1].op = 'tanhh'; }), 'UNKNOWN_OP', /^graph\.nodes\[1\] \(tanhh\): unknown op 'tanhh'/);
    rejects(edit(simple, (g) => { g.nodes[0].inputs.pop(); }), 'INVALID_GRAPH', /nodes\[0\] \(multiply\): takes 2 array arguments, but has 1/);
    rejects(edit(simple, (g) => { g.nodes[1].inputs.push({ input: 0 }); }), 'INVALID_GRAPH', /nodes\[1\] \(tanh\): takes 1 array arguments, but has 2/);
  });

  it('rejects bad, unknown and missing attributes', () => {
    rejects(edit(simple, (g) => { g.nodes[3].attrs.axes = 0; }), 'BAD_ATTRIBUTE', /nodes\[3\] \(sum\): unknown attribute 'axes'/);
    rejects(edit(simple, (g) => { g.nodes[3].attrs.axis = 5; }), 'AXIS_OUT_OF_RANGE', /nodes\[3\] \(sum\): /);
    rejects(edit(simple, (g) => { g.nodes[2].attrs.index = [{ slice: [0, 'x', null] }]; }), 'INVALID_GRAPH', /nodes\[2\] \(getitem\)\.attrs\.index\[0\]: a slice is/);
    rejects(edit(simple, (g) => { delete g.nodes[2].attrs.index; }), 'BAD_ARGUMENT', /nodes\[2\] \(getitem\): /);
    rejects(edit(simple, (g) => { g.nodes[3].attrs.keepdims = { weird: () => 1 }; }), 'INVALID_GRAPH', /attrs\.keepdims\.weird: is not an attribute value/);
    rejects(edit(simple, (g) => { g.nodes[1].attrs.x = { operand: 1 }; }), 'BAD_ATTRIBUTE', /unknown attribute 'x'/);
  });

  it('rejects dangling references, forward references and cycles', () => {
    rejects(edit(simple, (g) => { g.nodes[0].inputs[0] = { input: 3 }; }), 'INVALID_GRAPH', /nodes\[0\] \(multiply\)\.inputs\[0\]: refers to input 3, but the graph has 1 inputs/);
    rejects(edit(simple, (g) => { g.nodes[0].inputs[1] = { constant: 7 }; }), 'INVALID_GRAPH', /refers to constant 7/);
    rejects(edit(simple, (g) => { g.nodes[1].inputs[0] = { node: 2 }; }), 'INVALID_GRAPH', /nodes\[1\] \(tanh\)\.inputs\[0\]: refers to node 2, which does not come before it/);
    rejects(edit(simple, (g) => { g.nodes[1].inputs[0] = { node: 1 }; }), 'INVALID_GRAPH', /does not come before it/);
    rejects(edit(simple, (g) => { g.nodes[1].inputs[0] = { node: 0, index: 1 }; }), 'INVALID_GRAPH', /refers to output 1 of node 0, which has 1 outputs/);
    rejects(edit(simple, (g) => { g.outputs = [{ node: 4 }]; }), 'INVALID_GRAPH', /^graph\.outputs\[0\]: refers to node 4/);
    rejects(edit(simple, (g) => { g.nodes[1].inputs[0] = { node: -1 }; }), 'INVALID_GRAPH', /is not a reference/);
  });

  it('rejects duplicate node names and malformed objects', () => {
    rejects(edit(simple, (g) => { g.nodes[0].name = 'a'; g.nodes[2].name = 'a'; }), 'INVALID_GRAPH', /nodes\[2\] \(getitem\): the name 'a' is already used/);
    rejects(null, 'INVALID_GRAPH', /^graph: is not a graph/);
    rejects(edit(simple, (g) => { g.nodes = {}; }), 'INVALID_GRAPH', /nodes must be an array/);
    rejects(edit(simple, (g) => { g.nodes[0] = 'multiply'; }), 'INVALID_GRAPH', /nodes\[0\]: is not a node/);
    rejects(edit(simple, (g) => { g.constants[0] = 2; }), 'INVALID_GRAPH', /constants\[0\]: is not an array/);
    rejects(edit(simple, (g) => { g.constants[0] = new NDArray(new Float64Array(1), [3], 'float64'); }), 'INVALID_GRAPH', /strides reach outside its storage/);
  });

  it('re-runs the shape rules: declared outputs must be what they give', () => {
    rejects(edit(simple, (g) => { g.nodes[1].outputs[0].shape = [5]; }), 'SHAPE_MISMATCH', /nodes\[1\] \(tanh\): output 0 is declared float64\[5\], but the shape rule gives float64\[4\]/);
    rejects(edit(simple, (g) => { g.nodes[1].outputs[0].dtype = 'float32'; }), 'DTYPE_MISMATCH', /declared float32\[4\], but the shape rule gives float64\[4\]/);
    rejects(edit(simple, (g) => { g.inputs[0].shape = [2, 2]; }), 'SHAPE_MISMATCH', /nodes\[0\] \(multiply\): output 0 is declared float64\[4\], but the shape rule gives float64\[2, 2\]/);
    rejects(edit(simple, (g) => { g.inputs[0].dtype = 'float16'; }), 'INVALID_GRAPH', /inputs\[0\]: unknown dtype "float16"/);
    rejects(edit(simple, (g) => { g.nodes[1].outputs.push(f32([4])); }), 'INVALID_GRAPH', /declares 2 outputs, but tanh gives 1/);
  });

  it('checks subgraph signatures', () => {
    rejects(edit(looped, (g) => { g.nodes[0].inputs[1] = { constant: g.constants.push(np.zeros(3)) - 1 }; }), 'INVALID_GRAPH',
      /nodes\[0\] \(while_loop\): subgraph 'cond' takes \(float64\[2\], float64\[2\]\) but the node passes \(float64\[2\], float64\[3\]\)/);
    rejects(edit(looped, (g) => { g.subgraphs[0].outputs.push({ input: 0 }); }), 'INVALID_GRAPH', /subgraph 'cond' must give one value, gives 2/);
    rejects(edit(looped, (g) => { g.nodes[0].attrs.body = { graph: 5 }; }), 'INVALID_GRAPH', /attribute 'body' must be \{graph: k\} naming one of the graph's 2 subgraphs/);
    rejects(edit(looped, (g) => { g.nodes[0].outputs[0].dtype = 'float32'; }), 'INVALID_GRAPH', /loop state's inputs/);
    rejects(edit(looped, (g) => { g.subgraphs[1].nodes[0].op = 'exp'; }), 'INVALID_GRAPH', /^graph\.subgraphs\[1\]\.nodes\[0\] \(exp\): takes 1 array arguments, but has 2/);
  });

  it('enforces the limits: nodes, nesting, tensor elements', () => {
    rejects(simple, 'TOO_LARGE', /more than 3 nodes/, { maxNodes: 3 });
    rejects(looped, 'TOO_LARGE', /graph\.subgraphs\[0\]: subgraphs nest deeper than 0 levels/, { maxDepth: 0 });
    rejects(simple, 'TOO_LARGE', /graph\.inputs\[0\]: shape \[4\] has more than 3 elements/, { maxElements: 3 });
    rejects(edit(simple, (g) => { g.inputs[0].shape = [2 ** 40, 2 ** 40]; }), 'TOO_LARGE', /more than 2147483647 elements/);
    rejects(edit(simple, (g) => { g.subgraphs.push(g); }), 'TOO_LARGE', /subgraphs nest deeper than 32/);
  });

  it('accepts catalog versions of the same major and an older or equal minor', () => {
    const [major, minor] = CATALOG_SEMVER.split('.').map(Number);
    expect(catalogVersion()).toMatch(new RegExp(`^${CATALOG_SEMVER.replace(/\./g, '\\.')}\\+[0-9a-f]{8}$`));
    for (const v of [`${major}.0.0`, `${major}.${minor}.7+0badcafe`, catalogVersion()]) validateGraph(edit(simple, (g) => { g.catalogVersion = v; }));
    rejects(edit(simple, (g) => { g.catalogVersion = `${major + 1}.0.0`; }), 'INVALID_GRAPH', /built for op catalog .* which this engine .* cannot run/);
    rejects(edit(simple, (g) => { g.catalogVersion = `${major}.${minor + 1}.0`; }), 'INVALID_GRAPH', /cannot run/);
    rejects(edit(simple, (g) => { g.catalogVersion = 'latest'; }), 'INVALID_GRAPH', /is not a catalog version/);
  });
});
