// trace: shapes and dtypes by the catalog's rules, constants, weak scalars, containers, indexing, primitives.
import { describe, expect, it } from 'vitest';
import { hasOp } from '../../core/catalog.js';
import { grad, makeJvp } from '../../core/differential.js';
import { evalGraph } from '../../core/graph/eval.js';
import { trace } from '../../core/graph/trace.js';
import { validateGraph } from '../../core/graph/validate.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { checkpoint, defjvp, defvjp, primitive } from '../../core/primitive.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const spec = (shape: number[], dtype = 'float64') => ({ dtype, shape });
const traced = (f: (...a: any[]) => any, ...specs: unknown[]) => {
  const g = trace(f, ...specs);
  validateGraph(g);
  return g;
};

describe('trace', () => {
  it('infers every node\'s shape and dtype with the catalog\'s rules', () => {
    const g = traced((a: any, b: any) => np.sum(np.dot(a, b), { axis: 0 }), spec([2, 3]), spec([3, 4], 'float32'));
    expect(g.inputs).toEqual([spec([2, 3]), spec([3, 4], 'float32')]);
    expect(g.nodes).toEqual([
      { op: 'dot', inputs: [{ input: 0 }, { input: 1 }], attrs: {}, outputs: [spec([2, 4])] },
      { op: 'sum', inputs: [{ node: 0 }], attrs: { axis: 0 }, outputs: [spec([4])] },
    ]);
    expect(g.outputs).toEqual([{ node: 1 }]);
    const out = evalGraph(g, [np.array([[1, 2, 3], [4, 5, 6]]), np.ones([3, 4], { dtype: 'float32' })]);
    expect(out.toArray()).toEqual([21, 21, 21, 21]);
  });

  it('reports a shape mismatch at trace time, naming the op', () => {
    expect(() => trace((a: any, b: any) => np.tanh(np.matmul(a, b)), spec([2, 3]), spec([4, 2])))
      .toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH', message: expect.stringMatching(/matmul/) }));
    expect(() => trace((a: any) => a.reshape([4, 4]), spec([3, 5]))).toThrow(/reshape/);
  });

  it('turns closed-over arrays into constants (copied: a later write does not change the graph)', () => {
    const W = np.array([[1, 2], [3, 4]]);
    const g = traced((x: any) => np.dot(W, x), spec([2]));
    expect(g.constants.map((c) => c.toArray())).toEqual([[[1, 2], [3, 4]]]);
    W.data[0] = 100;
    expect(evalGraph(g, [np.array([1, 1])]).toArray()).toEqual([3, 7]);
  });

  it('keeps JS scalars weak, so the graph reproduces NumPy\'s promotion', () => {
    const g = traced((x: any) => x.mul(2).add(0.5), spec([2], 'float32'));
    expect(g.constants.map((c) => [c.dtype, c.weak, c.item()])).toEqual([['int64', true, 2], ['float64', true, 0.5]]);
    expect(g.nodes.map((n) => n.outputs[0].dtype)).toEqual(['float32', 'float32']);
    const y = evalGraph(g, [np.array([1, 2], { dtype: 'float32' })]);
    expect([y.dtype, y.toArray()]).toEqual(['float32', [2.5, 4.5]]);
    expect(traced((i: any) => i.mul(2.5), spec([], 'int64')).nodes[0].outputs[0].dtype).toBe('float64');
    expect(traced((x: any) => x.mul(2).add(x.mul(2)), spec([])).constants).toHaveLength(1);
  });

  it('takes containers in and gives them out; evalGraph reads dicts by key', () => {
    const g = traced(({ a, b }: any, [c]: any) => [a.add(b), { s: np.sum(c), t: 2 }], { a: spec([2]), b: np.zeros(2) }, [3.0]);
    expect(g.inputTree).toEqual([{ a: null, b: null }, [null]]);
    expect(g.outputTree).toEqual([null, { s: null, t: null }]);
    const [ab, { s, t }] = evalGraph(g, [{ b: np.array([1, 2]), a: np.array([10, 20]) }, [4]]);
    expect([ab.toArray(), s.item(), t.item()]).toEqual([[11, 22], 4, 2]);
    expect(() => evalGraph(g, [{ a: np.zeros(2) }, [4]])).toThrow(/expected an object with keys a, b/);
    expect(() => evalGraph(g, [{ a: np.zeros(3), b: np.zeros(2) }, [4]])).toThrow(/input 0 has shape \[3\], but the graph takes \[2\]/);
  });

  it('records multi-output ops with one reference per output', () => {
    const g = traced((a: any) => { const [w, v] = np.linalg.eigh(a); return np.sum(v.mul(w)); }, spec([2, 2]));
    expect(g.nodes[0].outputs).toEqual([spec([2]), spec([2, 2])]);
    expect(g.nodes[1].inputs).toEqual([{ node: 0, index: 1 }, { node: 0 }]);
    const a = np.array([[2, 1], [1, 2]]);
    expect(evalGraph(g, [a]).item()).toBeCloseTo(np.sum(np.linalg.eigh(a)[1].mul(np.linalg.eigh(a)[0])).item(), 14);
  });

  it('writes getitem indices in the conformance form; a computed integer index is a node input', () => {
    const g = traced((x: any) => x.get('1:', [0, 2, 2], null), spec([3, 3]));
    expect(g.nodes[0].attrs.index).toEqual([{ slice: [1, null, null] }, { tensor: expect.any(NDArray) }, null]);
    expect(evalGraph(g, [np.arange(9).astype('float64').reshape([3, 3])]).toArray()).toEqual([[[3], [5], [5]], [[6], [8], [8]]]);
    const h = traced((x: any, i: any) => np.sum(x.get(i)), spec([5]), spec([2], 'int64'));
    expect(h.nodes[0]).toMatchObject({ op: 'getitem', inputs: [{ input: 0 }, { input: 1 }], attrs: { index: [{ operand: 1 }] }, outputs: [spec([2])] });
    const x = np.array([1, 2, 3, 4, 5]), i = np.array([4, 4], { dtype: 'int64' });
    expect(evalGraph(h, [x, i]).item()).toBe(10);
    expect(grad((v: any) => evalGraph(h, [v, i]))(x).toArray()).toEqual([0, 0, 0, 0, 2]);
  });

  it('has a static rule for constant masks and linalg.eig, and refuses value-dependent shapes', () => {
    const mask = np.array([true, false, true]);
    expect(traced((x: any) => x.get(mask), spec([3])).nodes[0].outputs).toEqual([spec([2])]);
    expect(() => trace((x: any) => x.get(x.gt(0)), spec([3]))).toThrow(expect.objectContaining({ code: 'BAD_ARGUMENT', message: expect.stringMatching(/boolean mask computed by the graph/) }));
    for (const op of ['nonzero', 'real_if_close'].filter(hasOp))
      expect(() => trace((x: any) => np[op === 'nonzero' ? 'nonzero' : 'realIfClose'](x), spec([3]))).toThrow(expect.objectContaining({ code: 'NOT_IMPLEMENTED', message: expect.stringContaining(op) }));
    // Real eigenvalues: the engine gives float64, the graph its static complex128.
    const a = np.array([[2, 1], [1, 2]]), g = traced((m: any) => np.linalg.eig(m)[0], spec([2, 2]));
    expect(np.linalg.eig(a)[0].dtype).toBe('float64');
    const w = evalGraph(g, [a]);
    expect([w.dtype, w.toArray().map((z: any) => [z.re, z.im]).sort()]).toEqual(['complex128', [[1, 0], [3, 0]].map(([re, im]) => [expect.closeTo(re, 12), im])]);
  });

  it('refuses unknown parameters and function-valued attributes', () => {
    expect(() => trace((x: any) => np.sum(x, { axis: 0, foo: 1 }), spec([2]))).toThrow(expect.objectContaining({ code: 'BAD_ATTRIBUTE', message: expect.stringMatching(/sum: unknown parameter 'foo'/) }));
  });

  it('refuses graph values used after their trace', () => {
    let leaked: any;
    trace((x: any) => { leaked = x; return x; }, spec([]));
    expect(() => np.add(leaked, 1)).toThrow(/after its trace finished/);
  });

  it('traces in-place updates as functional ops', () => {
    const f = (x: any) => {
      const y = np.zeros(3), z = x.mul(1);
      y.set(0, x);
      y.set(2, x.mul(2));
      z.addInPlace(1);
      return np.sum(y.mul(z)); // 3x(x + 1)
    };
    const g = traced(f, spec([]));
    expect(g.nodes.filter((n) => n.op === 'index_update')).toHaveLength(2);
    expect(evalGraph(g, [2]).item()).toBe(18);
    expect(grad((x: any) => evalGraph(g, [x]))(2)).toBe(15);
    expect(() => trace((x: any) => np.whileLoop((s: any) => s.lt(3), (s: any) => { x.addInPlace(1); return s.add(x); }, x), spec([])))
      .toThrow(/np\.whileLoop bodyFn updates in place a value from outside it/);
  });

  it('traces grad inside the function: the graph computes the derivative', () => {
    const g = traced(grad((x: any) => np.sum(np.tanh(x))), spec([2]));
    const x = np.array([0.3, -1.1]);
    expect(evalGraph(g, [x]).toArray()).toEqual([0.3, -1.1].map((v) => expect.closeTo(1 - Math.tanh(v) ** 2, 14)));
  });
});

describe('primitives in graphs', () => {
  const cube = primitive((x: any) => np.multiply(x, np.multiply(x, x)));
  defvjp(cube, (_ans, x) => (g) => np.multiply(g, np.multiply(3, np.square(x))));
  defjvp(cube, (t, _ans, x) => np.multiply(t, np.multiply(3, np.square(x))));

  it('travel as a forward subgraph and one subgraph per rule, differentiable again', () => {
    const g = traced((x: any) => cube(x.add(1)), spec([]));
    expect(g.nodes[1]).toMatchObject({ op: 'primitive', attrs: { name: expect.any(String), forward: { graph: 2 }, vjp: [{ graph: 0 }], jvp: [{ graph: 1 }] } });
    const f = (x: any) => evalGraph(g, [x]);
    expect(f(1).item()).toBe(8);
    expect(grad(f)(1)).toBe(12);
    expect(makeJvp(f)(1)(0.5)[1].item()).toBe(6);
    expect(grad(grad(f))(1)).toBe(12);
  });

  it('trace their rules when a rule calls the primitive again, to third order', () => {
    const ex = primitive((x: any) => np.exp(x));
    defvjp(ex, (_ans, x) => (g) => np.multiply(g, ex(x)));
    const f = (x: any) => evalGraph(traced((x: any) => ex(x), spec([])), [x]);
    expect(grad(grad(grad(f)))(0.5)).toBeCloseTo(Math.exp(0.5), 14);
    expect(() => grad(grad(grad(grad(f))))(0.5)).toThrow(expect.objectContaining({ code: 'NOT_DIFFERENTIABLE' }));
  });

  it('checkpoint travels as a primitive whose VJP recomputes', () => {
    const f = checkpoint((x: any) => np.sin(np.square(x)));
    const g = traced((x: any) => f(x), spec([]));
    expect(g.nodes.map((n) => n.op)).toEqual(['primitive']);
    expect(grad((x: any) => evalGraph(g, [x]))(0.7)).toBeCloseTo(Math.cos(0.49) * 1.4, 14);
  });
});
