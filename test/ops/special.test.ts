// scipy.special: logsumexp values worked by hand, its stability at large magnitudes, derivatives (softmax) and
// finite differences to second order, and bad inputs.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { grad, makeJvp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np, scipy } from '../../core/np.js';
import { checkDerivatives, randLike, rng, seedOf } from '../helpers/fd.js';
import { arr, close } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const lse = (x: unknown, attrs: Record<string, unknown> = {}) => callOp('scipy.special.logsumexp', [x], attrs) as NDArray;

describe('scipy.special.logsumexp', () => {
  it('values', () => {
    close(lse(arr([1, 2, 3])), Math.log(Math.E + Math.E ** 2 + Math.E ** 3));
    close(lse(arr([[0, Math.log(3)], [Math.log(2), Math.log(2)]]), { axis: 1 }), [Math.log(4), Math.log(4)]);
    expect(lse(arr([[1, 2], [3, 4]]), { axis: 0, keepdims: true }).shape).toEqual([1, 2]);
    close(lse(arr([0, 0]), { b: 2 }), Math.log(4));
    close(lse(arr([[1, 2], [3, 4]]), { axis: [0, 1] }), 4 + Math.log(1 + Math.exp(-1) + Math.exp(-2) + Math.exp(-3)));
    close(scipy.special.logsumexp(arr([1, 2, 3]), { axis: 0 }), Math.log(Math.E + Math.E ** 2 + Math.E ** 3));
  });

  it('is stable at large magnitudes and with -inf', () => {
    close(lse(arr([1000, 1000])), 1000 + Math.LN2);
    close(lse(arr([-1000, -1000])), -1000 + Math.LN2);
    expect(lse(arr([-Infinity, -Infinity])).item()).toBe(-Infinity);
    close(lse(arr([-Infinity, 0])), 0);
    expect(lse(arr([Infinity, 0])).item()).toBe(Infinity);
  });

  it('keeps float32', () => {
    expect(lse(np.array([1, 2], { dtype: 'float32' })).dtype).toBe('float32');
  });

  it('derivative is the softmax (times b), forward and reverse', () => {
    const x = arr([[1, 2, 3], [0, 0, 0]]);
    const soft = [[1, Math.E, Math.E ** 2].map((v) => v / (1 + Math.E + Math.E ** 2)), [1 / 3, 1 / 3, 1 / 3]];
    close(grad((y: any) => np.sum(lse(y, { axis: 1 })))(x), soft);
    close(grad((y: any) => np.sum(lse(y, { axis: 1, keepdims: true })))(x), soft);
    close(grad((y: any) => lse(y, { b: 3 }))(arr([0, 0])), [0.5, 0.5]);
    const [, t] = makeJvp((y: any) => lse(y, { axis: 1 }))(x)(arr([[1, 0, 0], [3, 3, 3]]));
    close(t, [soft[0][0], 3]);
  });

  it('matches finite differences to second order', () => {
    const configs: [number[], Record<string, unknown>][] = [[[4], {}], [[2, 3], { axis: 1 }], [[2, 3, 2], { axis: [0, 2], keepdims: true }], [[3], { b: 0.5 }]];
    for (const [shape, attrs] of configs) {
      const r = rng(seedOf(`lse ${shape} ${JSON.stringify(attrs)}`));
      checkDerivatives((x: any) => lse(x, attrs), [randLike({ shape, dtype: 'float64' }, r)], r);
    }
  });

  it('bad inputs', () => {
    expect(() => lse(arr([{ re: 1, im: 1 }]))).toThrow(/logsumexp: complex128 input/);
    expect(() => lse(arr([1, 2]), { b: [1, 2] })).toThrow(expect.objectContaining({ code: 'BAD_ATTRIBUTE' }));
    expect(() => lse(arr([1, 2]), { axis: 1 })).toThrow(expect.objectContaining({ code: 'AXIS_OUT_OF_RANGE' }));
  });
});
