import { describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { grad } from '../../core/differential.js';
import { optimizers } from '../../core/optimizers.js';
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

  it('flatten and unflatten round-trip containers', () => {
    const [flat, unflatten] = flatten({ w: np.array([[1, 2], [3, 4]]), b: [5, np.array([6])] });
    expect(flat.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    const back = unflatten(np.array([6, 5, 4, 3, 2, 1]));
    expect(back.w.toArray()).toEqual([[6, 5], [4, 3]]);
    expect(back.b[0]).toBe(2);
    expect(back.b[1].toArray()).toEqual([1]);
  });
});
