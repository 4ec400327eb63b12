import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { grad, valueAndGrad } from '../../core/differential.js';
import { lbfgsInit, lbfgsStep, optimizers, rules, type Objective, type State } from '../../core/optimizers.js';
import { flatten } from '../../core/flatten.js';

const target = [1, -2, 3];
const loss = (x: any) => np.sum(np.square(np.subtract(x, np.array(target))));

describe('optimizers', () => {
  it('adam\'s first step moves each coordinate by stepSize against the gradient\'s sign', () => {
    const x = optimizers.adam(grad(loss), np.zeros(3), { numIters: 1, stepSize: 0.1 });
    // m̂ = g, v̂ = g², so x₁ = −0.1·g/(|g| + 1e-8)
    (x.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.1 * Math.sign(target[i]), 7));
  });

  it('sgd with momentum follows autograd\'s update rule', () => {
    // v₁ = −(1−0.9)·g₀, x₁ = 0.5·v₁ with g₀ = −2·target
    const x = optimizers.sgd(grad(loss), np.zeros(3), { numIters: 1, stepSize: 0.5 });
    (x.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(0.5 * 0.1 * 2 * target[i], 12));
  });

  it('rmsprop\'s first step divides by √(0.9 + 0.1 g²)', () => {
    const x = optimizers.rmsprop(grad(loss), np.zeros(3), { numIters: 1, stepSize: 0.1 });
    (x.toArray() as number[]).forEach((v, i) => { const g = -2 * target[i]; expect(v).toBeCloseTo(-0.1 * g / (Math.sqrt(0.9 + 0.1 * g * g) + 1e-8), 12); });
  });

  it('all three converge on a quadratic over a container', () => {
    const f = (p: any) => np.add(loss(p.a), np.square(np.subtract(p.b, 4)));
    for (const opt of [optimizers.sgd, optimizers.rmsprop, optimizers.adam]) {
      const calls: number[] = [];
      const p = opt(grad(f), { a: np.zeros(3), b: 0 }, { numIters: 2000, stepSize: 0.01, callback: (_x: any, i: number) => calls.push(i) });
      expect(calls.length).toBe(2000);
      (p.a.toArray() as number[]).forEach((v, i) => expect(v).toBeCloseTo(target[i], 2));
      expect(p.b).toBeCloseTo(4, 2);
    }
  });

  it('parameters handed to the gradient and the callback keep their values after later steps', () => {
    for (const opt of [optimizers.sgd, optimizers.rmsprop, optimizers.adam]) {
      const seen: number[][] = [], given: any[] = [];
      opt((p: any) => { given.push(p.a); return grad((q: any) => loss(q.a))(p); }, { a: np.zeros(3) }, {
        numIters: 3, stepSize: 0.1, callback: (p: any) => seen.push([...(p.a.toArray() as number[])]),
      });
      expect(given.map((a) => a.toArray())).toEqual(seen); // each step's own values, not the last step's
      expect(seen[0]).toEqual([0, 0, 0]);
      expect(seen[1]).not.toEqual(seen[2]);
    }
  });

  it('flatten and unflatten round-trip containers', () => {
    const [flat, unflatten] = flatten({ w: np.array([[1, 2], [3, 4]]), b: [5, np.array([6])] });
    expect(flat.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    const back = unflatten(np.array([6, 5, 4, 3, 2, 1]));
    expect(back.w.toArray()).toEqual([[6, 5], [4, 3]]);
    expect(back.b[0]).toBe(2);
    expect(back.b[1].toArray()).toEqual([1]);
  });

  it('a run stopped after any step resumes bit for bit from a byte copy of x and the state', () => {
    const g = (x: Float64Array) => x.map((v, j) => 2 * (v - target[j]) + Math.sin(v));
    const copy = (a: Float64Array) => new Float64Array(new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice().buffer);
    for (const rule of [rules.sgd({ stepSize: 0.05 }), rules.rmsprop({ stepSize: 0.05 }), rules.adam({ stepSize: 0.05 })]) {
      const x = new Float64Array(3), state = rule.init(3);
      for (let i = 0; i < 40; i++) rule.step(x, g(x), i, state);
      const y = new Float64Array(3);
      let st = rule.init(3);
      for (let i = 0; i < 40; i++) {
        if (i === 17) { st = Object.fromEntries(Object.entries(st).map(([k, v]) => [k, copy(v)])); }
        rule.step(y, g(y), i, st);
      }
      expect(Array.from(y)).toEqual(Array.from(x));
    }
  });
});

// f(x) = Σ 100 (x[i+1] − x[i]²)² + (1 − x[i])²: its one minimum is x = 1 (f = 0, a curved narrow valley).
const rosenbrock = (x: any) => {
  const a = x.get(':-1'), b = x.get('1:');
  return np.sum(np.add(np.multiply(100, np.square(np.subtract(b, np.square(a)))), np.square(np.subtract(1, a))));
};
const rosenbrockFlat: Objective = (x) => {
  let f = 0;
  const g = new Float64Array(x.length);
  for (let i = 0; i + 1 < x.length; i++) {
    const r = x[i + 1] - x[i] * x[i];
    f += 100 * r * r + (1 - x[i]) ** 2;
    g[i] += -400 * x[i] * r - 2 * (1 - x[i]);
    g[i + 1] += 200 * r;
  }
  return [f, g];
};

describe('L-BFGS', () => {
  it('minimizes the 2-D Rosenbrock function from (−1.2, 1) to 1e-8', () => {
    let evals = 0;
    const x = optimizers.lbfgs(valueAndGrad((p: any) => { evals++; return rosenbrock(np.stack(p)); }), [-1.2, 1], { numIters: 200, gtol: 1e-12 });
    x.forEach((v: number) => expect(Math.abs(v - 1)).toBeLessThan(1e-8));
    expect(evals).toBeLessThan(100);
  });

  it('minimizes the 10-D Rosenbrock function to 1e-8 over a container, and the loss falls at every iteration', () => {
    const x0 = { a: np.array([-1.2, 1, -1.2, 1, -1.2]), b: np.array([1, -1.2, 1, -1.2, 1]) };
    const losses: number[] = [];
    const f = valueAndGrad((p: any) => rosenbrock(np.concatenate([p.a, p.b])));
    const x = optimizers.lbfgs(f, x0, { numIters: 500, gtol: 1e-12, callback: (p: any) => losses.push((f(p)[0] as any).item()) });
    [...x.a.toArray(), ...x.b.toArray()].forEach((v: number) => expect(Math.abs(v - 1)).toBeLessThan(1e-8));
    losses.slice(1).forEach((l, i) => expect(l).toBeLessThanOrEqual(losses[i]));
  });

  it('every step meets the strong Wolfe conditions: f₁ ≤ f₀ + c1·g₀·s and |g₁·s| ≤ c2·|g₀·s|', () => {
    const x = Float64Array.from([-1.2, 1, -1.2, 1, 0.5, 0.3]), state = lbfgsInit(x.length, { history: 3 });
    const c1 = 1e-4, c2 = 0.9, dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, j) => s + v * b[j], 0);
    for (let i = 0; i < 60; i++) {
      const [f0, g0] = rosenbrockFlat(x), x0 = x.slice();
      const { done } = lbfgsStep(x, state, rosenbrockFlat, { c1, c2, gtol: 1e-10 });
      if (done) break;
      const s = x.map((v, j) => v - x0[j]), [f1, g1] = rosenbrockFlat(x);
      expect(f1).toBeLessThanOrEqual(f0 + c1 * dot(g0, s));
      expect(Math.abs(dot(g1, s))).toBeLessThanOrEqual(c2 * Math.abs(dot(g0, s)));
    }
  });

  it('resumes bit for bit from a byte copy of x and its state', () => {
    const run = (stopAt: number) => {
      let x = Float64Array.from([-1.2, 1, -1.2, 1]), state: State = lbfgsInit(4, { history: 2 });
      for (let i = 0; i < 25; i++) {
        if (i === stopAt) {
          x = new Float64Array(Buffer.from(x.buffer).buffer.slice(0));
          state = Object.fromEntries(Object.entries(state).map(([k, v]) => [k, new Float64Array(v)]));
        }
        lbfgsStep(x, state, rosenbrockFlat, { history: 2 });
      }
      return Array.from(x);
    };
    expect(run(9)).toEqual(run(-1));
  });
});
