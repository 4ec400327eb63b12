// np.cond / whileLoop / forLoop / scan: run directly and as graph nodes, differentiated in both modes.
import { describe, expect, it } from 'vitest';
import { loopLimits } from '../../core/control.js';
import { deriv, grad, makeJvp } from '../../core/differential.js';
import { evalGraph } from '../../core/graph/eval.js';
import { trace } from '../../core/graph/trace.js';
import { validateGraph } from '../../core/graph/validate.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const graphOf = (f: (...a: any[]) => any, ...specs: unknown[]) => {
  const g = trace(f, ...specs);
  validateGraph(g);
  return Object.assign((...args: any[]) => evalGraph(g, args), { graph: g });
};
const scalar = { dtype: 'float64', shape: [] } as const;
const vec = (n: number) => ({ dtype: 'float64', shape: [n] }) as const;
const num = (v: any) => (typeof v === 'number' ? v : v.item());

/** The same function run directly and from its graph: values, reverse and forward derivatives. */
function bothWays(f: (x: any) => any, x: number, value: number, derivative: number) {
  const g = graphOf(f, scalar);
  for (const h of [f, g]) {
    expect(num(h(NDArray.scalar(x)))).toBeCloseTo(value, 12);
    expect(grad(h)(x)).toBeCloseTo(derivative, 12);
    expect(num(deriv(h)(x))).toBeCloseTo(derivative, 12);
  }
  return g.graph;
}

describe('np.cond', () => {
  const f = (x: any) => np.cond(x.gt(0), (x: any) => x.mul(x), (x: any) => np.negative(x), x);

  it('takes the branch of the predicate, with either branch\'s derivative', () => {
    const g = bothWays(f, 3, 9, 6);
    bothWays(f, -2, 2, -1);
    expect(g.nodes.map((n) => n.op)).toEqual(['greater', 'cond']);
    expect(g.subgraphs.map((s) => s.nodes.map((n) => n.op))).toEqual([['multiply'], ['negative']]);
  });

  it('passes containers, captures enclosing values, and unifies the branches\' dtypes', () => {
    const h = (a: any, b: any) => np.cond(np.less(a, b), ([u, v]: any[]) => ({ s: u.add(v).mul(b) }), () => ({ s: 0 }), [a, b]);
    const g = graphOf(h, scalar, scalar);
    expect(g.graph.nodes[1].outputs).toEqual([{ dtype: 'float64', shape: [] }]);
    expect(num(g(1, 2).s)).toBe(6);
    expect(num(g(3, 2).s)).toBe(0);
    expect(grad((a: any, b: any) => h(a, b).s, [0, 1])(1.5, 2)).toEqual([2, 5.5]);
    expect(grad((a: any, b: any) => g(a, b).s, [0, 1])(1.5, 2)).toEqual([2, 5.5]);
    expect(grad((a: any, b: any) => g(a, b).s, [0, 1])(3, 2)).toEqual([0, 0]);
  });

  it('refuses branches of different shapes, naming them', () => {
    expect(() => trace((x: any) => np.cond(x.gt(0), () => x, () => np.zeros(2)), scalar)).toThrow(/np\.cond: output 0 has shape \[\] in trueFn but \[2\]/);
  });
});

describe('np.whileLoop', () => {
  it('runs a data-dependent loop (doubling until past 100)', () => {
    const f = (x: any) => np.whileLoop((s: any) => s.lt(100), (s: any) => s.mul(2), x);
    expect(bothWays(f, 3, 192, 64).nodes.map((n) => n.op)).toEqual(['while_loop']);
    bothWays(f, 7, 112, 16);
  });

  it('carries any container and closes over traced values', () => {
    const f = (x: any) => np.whileLoop(({ n }: any) => n.lt(5), ({ p, n }: any) => ({ p: p.mul(x), n: n.add(1) }), { p: 1, n: 0 }).p;
    const g = bothWays(f, 1.5, 1.5 ** 5, 5 * 1.5 ** 4);
    expect(g.subgraphs[1].inputs).toHaveLength(3);
    expect(g.nodes[0].inputs).toEqual([{ constant: 0 }, { constant: 1 }, { input: 0 }]);
  });

  it('differentiates twice through the loop (Taylor sine: second derivative −sin)', () => {
    const sine = (x: any) => np.whileLoop(([, term]: any[]) => np.abs(term).gt(1e-12), ([ans, term, i]: any[]) => {
      const t = np.negative(term).mul(np.square(x)).div(i.mul(2).add(3).mul(i.mul(2).add(2)));
      return [ans.add(t), t, i.add(1)];
    }, [x, x, 0])[0];
    const g = graphOf(sine, scalar);
    expect(grad(grad(g))(1.1)).toBeCloseTo(-Math.sin(1.1), 10);
    expect(num(makeJvp(grad(g))(1.1)(1)[1])).toBeCloseTo(-Math.sin(1.1), 10);
  });

  it('stops at maxLoopIterations with LIMIT_EXCEEDED', () => {
    const forever = (x: any) => np.whileLoop(() => true, (s: any) => s.add(1), x);
    const saved = loopLimits.maxLoopIterations;
    loopLimits.maxLoopIterations = 50;
    try {
      expect(() => forever(np.array(0))).toThrow(expect.objectContaining({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/np\.whileLoop: more than 50 iterations/) }));
    } finally { loopLimits.maxLoopIterations = saved; }
    const g = trace(forever, scalar);
    expect(() => evalGraph(g, [0], { limits: { maxLoopIterations: 30 } })).toThrow(/node 0 \(while_loop\): np\.whileLoop: more than 30 loop iterations in one graph evaluation/);
  });

  it('refuses a body that changes the state\'s shape or widens its dtype', () => {
    expect(() => np.whileLoop((s: any) => s.size < 3, (s: any) => np.concatenate([s, s]), np.zeros(1))).toThrow(/state entry 0 has shape \[1\], but the body returned shape \[2\]/);
    expect(() => trace((x: any) => np.whileLoop(() => false, () => x.astype('complex128'), x), scalar)).toThrow(expect.objectContaining({ code: 'DTYPE_MISMATCH' }));
  });
});

describe('np.forLoop', () => {
  const poly = (x: any) => np.forLoop(0, 4, (i: any, s: any) => s.add(np.power(x, i)), 0);

  it('sums 1 + x + x² + x³ with the counter as an int64 array', () => {
    bothWays(poly, 2, 15, 17);
    bothWays(poly, -0.5, 0.625, 0.75);
  });

  it('takes a bound computed in the graph, and indexes with the counter', () => {
    const f = (xs: any, n: any) => np.forLoop(1, n, (i: any, acc: any) => acc.add(xs.get(i).mul(i)), 0);
    const g = graphOf(f, vec(4), { dtype: 'int64', shape: [] });
    const xs = np.array([5, 1, 2, 3]);
    expect(num(g(xs, 3))).toBe(1 + 4);
    expect(num(g(xs, 4))).toBe(1 + 4 + 9);
    expect(grad((v: any) => g(v, 4))(xs).toArray()).toEqual([0, 1, 2, 3]);
    expect(num(f(xs, 4))).toBe(14);
  });
});

describe('np.scan', () => {
  it('returns the final carry and the stacked ys (cumulative sum)', () => {
    const f = (xs: any) => np.scan((c: any, x: any) => { const s = c.add(x); return [s, s]; }, 0, xs);
    const xs = np.array([1, 2, 3, 4]), g = graphOf(f, vec(4));
    for (const h of [f, g]) {
      const [carry, ys] = h(xs);
      expect(num(carry)).toBe(10);
      expect(ys.toArray()).toEqual([1, 3, 6, 10]);
      expect(grad((v: any) => np.sum(h(v)[1]))(xs).toArray()).toEqual([4, 3, 2, 1]);
    }
    expect(g.graph.nodes[0]).toMatchObject({ op: 'scan', attrs: { length: 4, num_carry: 1, num_xs: 1 } });
  });

  it('runs an RNN h ← tanh(w·h + x) over containers, as the unrolled loop', () => {
    const rnn = (w: any, xs: any) => np.scan((h: any, { a, b }: any) => {
      const hn = np.tanh(w.mul(h).add(a).sub(b));
      return [hn, { h: hn }];
    }, 0, { a: xs, b: xs.mul(0.5) })[1].h;
    const unrolled = (w: any, xs: any) => {
      let h: any = 0;
      const out = [];
      for (let k = 0; k < 3; k++) { h = np.tanh(w.mul(h).add(xs.get(k).mul(0.5))); out.push(h); }
      return np.stack(out);
    };
    const g = graphOf(rnn, scalar, vec(3)), w = np.array(0.7), xs = np.array([0.3, -1.2, 2.0]);
    expect(g(w, xs).toArray()).toEqual((unrolled(w, xs).toArray() as number[]).map((v) => expect.closeTo(v, 14)));
    const loss = (h: any) => (w: any, xs: any) => np.sum(np.square(h(w, xs)));
    const flat = (gs: any[]) => gs.flatMap((a) => [a.toArray()].flat());
    expect(flat(grad(loss(g), [0, 1])(w, xs))).toEqual(flat(grad(loss(unrolled), [0, 1])(w, xs)).map((v: number) => expect.closeTo(v, 12)));
  });

  it('nests loops: a forLoop inside the scan body, capturing the scan\'s x and an outer value', () => {
    const f = (w: any, xs: any) => np.scan((c: any, x: any) => {
      const cube = np.forLoop(0, 3, (_i: any, p: any) => p.mul(x), 1);
      return [c.add(cube.mul(w)), cube];
    }, 0, xs)[0];
    const g = graphOf(f, scalar, vec(3)), xs = np.array([1, 2, -1]);
    expect(num(g(2, xs))).toBe(2 * (1 + 8 - 1));
    expect(grad((v: any) => g(2, v))(xs).toArray()).toEqual([6, 24, 6]);
    expect(grad((w: any) => g(w, xs))(5)).toBe(8);
  });

  it('scans a length with no xs, and a zero-length graph scan keeps its ys\' type', () => {
    const f = (x: any) => np.scan((c: any) => [c.mul(x), c], 1, undefined, { length: 3 })[1];
    expect(f(np.array(2)).toArray()).toEqual([1, 2, 4]);
    const g = graphOf((xs: any) => np.scan((c: any, x: any) => [c, x.mul(2)], 0, xs)[1], vec(0));
    expect(g(np.zeros(0))).toMatchObject({ shape: [0], dtype: 'float64' });
  });
});

describe('tracing and control flow', () => {
  it('names the structured ops when a traced value is read as a number', () => {
    const err = { code: 'TRACED_COERCION', message: expect.stringMatching(/np\.cond, np\.whileLoop, np\.forLoop or np\.scan/) };
    expect(() => trace((x: any) => (x.item() > 0 ? x : x.neg()), scalar)).toThrow(expect.objectContaining(err));
    expect(() => trace((x: any) => (x > 0 ? x : x.neg()), scalar)).toThrow(expect.objectContaining(err));
    expect(() => trace((x: any) => Number(x), scalar)).toThrow(expect.objectContaining(err));
    expect(() => trace((x: any) => np.whileLoop((s: any) => s.item() < 3, (s: any) => s, x), scalar))
      .toThrow(expect.objectContaining({ code: 'TRACED_COERCION', message: expect.stringMatching(/^trace\(f\): np\.whileLoop condFn: an array/) }));
  });

  it('refuses to differentiate through a loop while tracing, and says what to do instead', () => {
    const f = (x: any) => np.whileLoop((s: any) => s.lt(10), (s: any) => s.mul(2), x);
    expect(() => trace(grad(f), scalar)).toThrow(expect.objectContaining({ code: 'NOT_DIFFERENTIABLE', message: expect.stringMatching(/differentiate evalGraph/) }));
  });

  it('runs the loops of a graph evaluated inside another trace as nodes of the new graph', () => {
    const inner = trace((x: any) => np.whileLoop((s: any) => s.lt(10), (s: any) => s.mul(2), x), scalar);
    const outer = graphOf((x: any) => evalGraph(inner, [x]).add(1), scalar);
    expect(outer.graph.nodes.map((n) => n.op)).toEqual(['while_loop', 'add']);
    expect(num(outer(3))).toBe(13);
    expect(outer(NDArray.scalar(3))).toBeInstanceOf(NDArray);
  });
});
