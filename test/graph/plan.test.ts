// Compiled graphs (core/graph/plan.ts) against evalGraph: every catalog op, driven by its generic spec, gives
// the same arrays bit for bit; broadcasting, dtypes, errors and cancellation as evalGraph has them.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { allOps } from '../../core/catalog.js';
import { withSignal } from '../../core/cancel.js';
import { valueAndGrad } from '../../core/differential.js';
import { evalGraph } from '../../core/graph/eval.js';
import type { Graph } from '../../core/graph/ir.js';
import { compile } from '../../core/graph/plan.js';
import { trace } from '../../core/graph/trace.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { rng, seedOf } from '../helpers/fd.js';
import { SPECS } from '../generic/specs.js';
import { label, makeArg, variants } from '../generic/variants.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const flat = (g: Graph): Graph => ({ ...g, inputTree: undefined, outputTree: undefined });
const bits = (a: NDArray) => ({ dtype: a.dtype, shape: a.shape, values: Array.from(a.values(), (v) => (Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v)) });

/** compile(g)(xs) and evalGraph(g, xs), as dtypes, shapes and values with -0 and NaN spelled out. */
function both(g: Graph, xs: NDArray[]) {
  const run = compile(flat(g));
  expect(run, 'compiled').not.toBeNull();
  return { got: run!(xs).map(bits), want: (evalGraph(flat(g), xs) as NDArray[]).map(bits) };
}

describe('every catalog op compiled equals evalGraph', () => {
  for (const op of allOps()) {
    const spec = SPECS[op.name];
    if (!spec) continue; // the generic finite-difference test asks for the spec
    describe(op.name, () => {
      for (const v of variants(spec)) {
        it(label(v), () => {
          const r = rng(seedOf(`${op.name} ${label(v)}`));
          const args = v.config.shapes.map((s, i) => makeArg(s, v.dtypes[i], spec.domains?.[i] ?? [-2, 2], r));
          const call = (...xs: unknown[]) => callOp(op.name, xs, v.config.attrs ?? {});
          const f = spec.fn ? spec.fn(call) : call;
          let g: Graph;
          try { g = trace(f, ...args); } catch (e) {
            expect(op.valueDependent, `only ops whose result's shape depends on the values have no graph form: ${(e as Error).message}`).toBe(true);
            return;
          }
          const { got, want } = both(g, args);
          expect(got).toEqual(want);
        });
      }
    });
  }
});

describe('compiled elementwise loops', () => {
  const r = rng(7);
  const arg = (shape: number[], dtype: 'float64' | 'float32' | 'int32' | 'bool') => makeArg(shape, dtype, [-3, 3], r);
  const pairs: [number[], number[]][] = [[[2, 3], [2, 3]], [[2, 1, 3], [4, 1]], [[3], [2, 1]], [[], [2, 3]], [[1, 1], [5]], [[0, 3], [3]]];
  for (const [sa, sb] of pairs) {
    for (const [da, db] of [['float64', 'float64'], ['float32', 'float32'], ['float32', 'float64'], ['int32', 'float64'], ['bool', 'float32']] as const) {
      it(`broadcast ${da}[${sa}] with ${db}[${sb}]: add, arctan2, maximum, power and logaddexp as evalGraph`, () => {
        const a = arg(sa, da), b = arg(sb, db);
        for (const name of ['add', 'arctan2', 'maximum', 'power', 'logaddexp', 'divide']) {
          const { got, want } = both(trace((x: any, y: any) => callOp(name, [x, y]), a, b), [a, b]);
          expect(got, name).toEqual(want);
        }
      });
    }
  }

  it('runs consecutive nodes of one shape as one loop, each value as evalGraph gives it node by node', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const xs = [arg([2, 3], dtype), arg([3], dtype), arg([2, 1], 'float64')], ys = [arg([2, 3], dtype), arg([3], dtype), arg([2, 1], 'float64')];
      // u: read by later nodes of its run, by a reduction after it, and by a run after that; c promotes float32 to float64
      const f = (a: any, b: any, c: any) => {
        const u = np.tanh(np.multiply(a, b)), w = np.divide(np.add(np.exp(np.negative(u)), c), np.add(u, 3));
        const m = np.sum(u, 0);
        return [w, m, np.subtract(np.square(w), np.multiply(u, m))];
      };
      const g = flat(trace(f, ...xs)), run = compile(g)!;
      const first = run(xs).map(bits);
      expect(first, dtype).toEqual((evalGraph(g, xs) as NDArray[]).map(bits));
      expect(first[0].dtype).toBe('float64');
      const again = run(ys);
      expect(again.map(bits), dtype).toEqual((evalGraph(g, ys) as NDArray[]).map(bits));
      expect(run(xs).map(bits), `${dtype}, first inputs again`).toEqual(first);
    }
  });

  it('runs small matrix products and totals in its loops, as jsGemm and sum3 add up', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const shapes = [[3, 4], [4], [4, 2], [3]], xs = shapes.map((s) => arg(s, dtype)), ys = shapes.map((s) => arg(s, dtype));
      // every kind of product (matrix·vector, vector·matrix, matrix·matrix, vector·vector); totals of values made in
      // their loop (q, t), read after it by 0-d nodes (worked out after the loop, with a total of an earlier loop) and
      // by nodes of the loop's shape (a loop after it); a product of a value of the loop before it (d)
      const f = (a: any, v: any, b: any, s: any) => {
        const h = np.tanh(np.dot(a, v)), q = np.sum(np.multiply(h, s)), e = np.log1p(np.square(q)), r = np.subtract(q, h);
        const z = np.multiply(np.matmul(a, b), 2), t = np.sum(np.exp(z)), u = np.add(np.negative(t), q), d = np.dot(r, h);
        return [r, e, u, np.add(np.exp(np.dot(v, b)), t), np.divide(z, t), np.multiply(d, np.dot(v, v))];
      };
      const g = flat(trace(f, ...xs)), run = compile(g)!;
      const first = run(xs).map(bits);
      expect(first, dtype).toEqual((evalGraph(g, xs) as NDArray[]).map(bits));
      expect(run(ys).map(bits), dtype).toEqual((evalGraph(g, ys) as NDArray[]).map(bits));
      expect(run(xs).map(bits), `${dtype}, first inputs again`).toEqual(first);
    }
    // sum3 starts from +0: a total of -0 is +0, and NaN propagates through an inner product
    const z = NDArray.fromData([-0, -0], [2]), n = NDArray.fromData([1, NaN], [2]);
    const { got, want } = both(trace((x: any, y: any) => [np.sum(np.negative(np.abs(x))), np.dot(np.abs(x), y)], z, n), [z, n]);
    expect(got).toEqual(want);
    expect(got[0].values).toEqual([0]);
  });

  it('keeps -0, NaN and ±inf as the ops do', () => {
    const x = NDArray.fromData([-0, 0, NaN, Infinity, -Infinity, 1e-320, -2.5], [7]);
    for (const name of ['negative', 'sign', 'sqrt', 'tanh', 'log1p', 'abs', 'floor', 'reciprocal']) {
      const { got, want } = both(trace((v: any) => callOp(name, [v]), x), [x]);
      expect(got, name).toEqual(want);
    }
  });

  it('reads views made by other nodes (transpose, broadcast_to, a slice)', () => {
    const x = NDArray.fromData([1, -2, 3, 0.5, -0.25, 6], [2, 3]);
    const f = (v: any) => np.add(np.tanh(np.transpose(v)), np.multiply(np.broadcastTo(v.get('0:1'), [3, 2, 3]).sum(0).T, 2));
    const { got, want } = both(trace(f, x), [x]);
    expect(got).toEqual(want);
    expect(got[0].values[0]).toBeCloseTo(Math.tanh(1) + 2 * 3 * 1, 14);
  });
});

describe('compiled graphs', () => {
  const scalar = { dtype: 'float64', shape: [] };

  it('are not made for graphs with control flow (evalGraph runs those)', () => {
    const g = trace((x: any) => np.whileLoop((s: any) => s.lt(10), (s: any) => s.mul(2), x), scalar);
    expect(compile(flat(g))).toBeNull();
  });

  it('run a gradient graph to the eager gradient', () => {
    const X = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]]), t = np.array([true, true, false, true]);
    const loss = (w: any) => {
      const p = np.multiply(0.5, np.add(np.tanh(np.dot(X, w)), 1));
      return np.negative(np.sum(np.log(np.add(np.multiply(p, t), np.multiply(np.subtract(1, p), np.subtract(1, t))))));
    };
    const w = np.array([0.1, -0.2, 0.3]);
    const g = trace((v: any) => { const [value, grad] = valueAndGrad(loss)(v) as any; return [value, grad]; }, w);
    const run = compile(flat(g))!, [value, grad] = run([w]), kept = Array.from(grad.values());
    const [v0, g0] = valueAndGrad(loss)(w) as [NDArray, NDArray];
    expect(value.item()).toBe(v0.item());
    expect(kept).toEqual(Array.from(g0.values()));
    // A second run (its arrays made once are written again) leaves the first run's results as they were.
    const w2 = np.array([-1, 0.5, 2]), [, grad2] = run([w2]);
    expect(Array.from(grad.values())).toEqual(kept);
    expect(Array.from(grad2.values())).toEqual(Array.from((valueAndGrad(loss)(w2) as [NDArray, NDArray])[1].values()));
    // and to central differences of the loss
    const h = 1e-6, fd = [0, 1, 2].map((i) => {
      const e = np.zeros(3).toArray() as number[]; e[i] = h;
      const at = (v: any) => (loss(v) as NDArray).item() as number;
      return (at(np.add(w, np.array(e))) - at(np.subtract(w, np.array(e)))) / (2 * h);
    });
    Array.from(grad.values()).forEach((d, i) => expect(d).toBeCloseTo(fd[i], 8));
  });

  it('name the node that fails, as evalGraph does', () => {
    const g = flat(trace((a: any) => np.linalg.cholesky(a), { dtype: 'float64', shape: [2, 2] }));
    const bad = NDArray.fromData([1, 2, 2, 1], [2, 2]);
    let want = '';
    try { evalGraph(g, [bad]); } catch (e) { want = (e as Error).message; }
    expect(want).toMatch(/^node 0 \(linalg\.cholesky\): /);
    expect(() => compile(g)!([bad])).toThrow(want);
  });

  it('stop at the next node once the computation is cancelled', () => {
    const g = flat(trace((x: any) => np.sin(np.cos(x)), scalar));
    const run = compile(g)!, x = NDArray.fromData([0.5], []);
    expect(() => withSignal({ aborted: true, reason: 'the client left' }, () => run([x])))
      .toThrow(expect.objectContaining({ code: 'CANCELLED', message: expect.stringMatching(/the client left/) }));
  });
});
