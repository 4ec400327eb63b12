// autograd.misc.optimizers: sgd (with momentum `mass`), rmsprop and adam over any container of arrays.
// Updates run on the flattened vector with autograd's exact formulas and defaults.
import { flatten } from './flatten.js';
import { NDArray } from './ndarray.js';
import { fail } from './errors.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type GradFn = (x: any, i: number) => any;
export type Callback = (x: any, i: number, g: any) => void;
interface Common { numIters?: number; stepSize?: number; callback?: Callback }

type Step = (x: Float64Array, g: Float64Array, i: number) => void;

function run(gradFn: GradFn, x0: any, numIters: number, callback: Callback | undefined, makeStep: (n: number) => Step) {
  const [flat0, unflatten] = flatten(x0);
  if (!(flat0 instanceof NDArray) || flat0.dtype !== 'float64')
    fail('DTYPE_MISMATCH', `optimizers work on real float64 parameters; x0 flattens to ${flat0.dtype}`);
  const x = Float64Array.from(flat0.values() as Float64Array);
  const step = makeStep(x.length);
  for (let i = 0; i < numIters; i++) {
    const params = unflatten(new NDArray(x.slice(), [x.length], 'float64'));
    const g = gradFn(params, i);
    const gv = flatten(g)[0] as NDArray;
    if (gv.size !== x.length) fail('SHAPE_MISMATCH', `optimizer: the gradient has ${gv.size} elements, the parameters ${x.length}`);
    if (callback) callback(params, i, g);
    step(x, gv.values() as Float64Array, i);
  }
  return unflatten(new NDArray(x, [x.length], 'float64'));
}

export function sgd(gradFn: GradFn, x0: any, { numIters = 200, stepSize = 0.1, mass = 0.9, callback }: Common & { mass?: number } = {}) {
  return run(gradFn, x0, numIters, callback, (n) => {
    const velocity = new Float64Array(n);
    return (x, g) => {
      for (let j = 0; j < n; j++) {
        velocity[j] = mass * velocity[j] - (1.0 - mass) * g[j];
        x[j] = x[j] + stepSize * velocity[j];
      }
    };
  });
}

export function rmsprop(gradFn: GradFn, x0: any, { numIters = 100, stepSize = 0.1, gamma = 0.9, eps = 1e-8, callback }: Common & { gamma?: number; eps?: number } = {}) {
  return run(gradFn, x0, numIters, callback, (n) => {
    const avgSqGrad = new Float64Array(n).fill(1);
    return (x, g) => {
      for (let j = 0; j < n; j++) {
        avgSqGrad[j] = avgSqGrad[j] * gamma + g[j] ** 2 * (1 - gamma);
        x[j] = x[j] - (stepSize * g[j]) / (Math.sqrt(avgSqGrad[j]) + eps);
      }
    };
  });
}

export function adam(gradFn: GradFn, x0: any, { numIters = 100, stepSize = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8, callback }: Common & { b1?: number; b2?: number; eps?: number } = {}) {
  return run(gradFn, x0, numIters, callback, (n) => {
    const m = new Float64Array(n), v = new Float64Array(n);
    return (x, g, i) => {
      const c1 = 1 - b1 ** (i + 1), c2 = 1 - b2 ** (i + 1);
      for (let j = 0; j < n; j++) {
        m[j] = (1 - b1) * g[j] + b1 * m[j];
        v[j] = (1 - b2) * g[j] ** 2 + b2 * v[j];
        x[j] = x[j] - (stepSize * (m[j] / c1)) / (Math.sqrt(v[j] / c2) + eps);
      }
    };
  });
}

export const optimizers = { sgd, rmsprop, adam };
