// The conformance programs through the client, over gRPC and over HTTP, against a `gradd serve` process: each
// function is registered and differentiated remotely; results must be the golden numbers, and gradients the
// embedded engine's own to 1e-12.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../../client/index.js';
import { isComplexScalar, treeMap } from '../../core/containers.js';
import {
  elementwiseGrad, grad, hessian, hessianVectorProduct, jacobian, makeJvp, valueAndGrad,
} from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { optimizers } from '../../core/optimizers.js';
import { defvjp, fixedPoint, primitive } from '../../core/primitive.js';
import { compare, decode, DEFAULT_TOL, encode, Json, loadGolden } from '../conformance/decode.js';
import { serve, type ServerProcess } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** [key, what the client computed, what the embedded engine computes (to 1e-12)]. */
type Results = [key: string, remote: unknown, embedded?: unknown][];

const f64 = (shape: number[]) => ({ dtype: 'float64', shape });
const dot = (a: any, b: any) => (np.sum(np.multiply(a, b)) as any).item();
const ones = (x: NDArray) => np.onesLike(x);
const taylorSine = (x: any) => np.whileLoop(([, term]: any[]) => np.greater(np.abs(term), 0.001), ([ans, term, i]: any[]) => {
  const t = np.divide(np.multiply(np.negative(term), np.power(x, 2)), np.multiply(np.add(np.multiply(2, i), 3), np.add(np.multiply(2, i), 2)));
  return [np.add(ans, t), t, np.add(i, 1)];
}, [x, x, 0])[0];

/** autograd's adam, with the gradient from the server. */
async function adam(gradFn: (x: NDArray) => Promise<NDArray>, x: NDArray, { numIters = 100, stepSize = 0.001, b1 = 0.9, b2 = 0.999, eps = 1e-8 }) {
  let m: any = np.zeros(x.size), v: any = np.zeros(x.size);
  for (let i = 0; i < numIters; i++) {
    const g = await gradFn(x);
    m = np.add(np.multiply(1 - b1, g), np.multiply(b1, m));
    v = np.add(np.multiply(1 - b2, np.square(g)), np.multiply(b2, v));
    const mhat = np.divide(m, 1 - b1 ** (i + 1)), vhat = np.divide(v, 1 - b2 ** (i + 1));
    x = np.subtract(x, np.divide(np.multiply(stepSize, mhat), np.add(np.sqrt(vhat), eps))) as NDArray;
  }
  return x;
}

const PROGRAMS: Record<string, (c: Client, inputs: Record<string, any>) => Promise<Results>> = {
  taylor_sine: async (c, { xs }) => {
    const m = await c.register(taylorSine, 0.0), x = xs.toArray() as number[];
    const out = [];
    for (const v of x) out.push(await m.valueAndGrad(v));
    return [['values', np.array(out.map(([value]) => value.item()))], ['grads', np.array(out.map(([, g]) => g)), np.array(x.map((v) => grad(taylorSine)(v)))]];
  },

  logistic_regression: async (c, { inputs, targets }) => {
    const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
    const trainingLoss = (weights: any) => {
      const preds = sigmoid(np.dot(inputs, weights));
      return np.negative(np.sum(np.log(preds.mul(targets).add(np.subtract(1, preds).mul(np.subtract(1, targets))))));
    };
    const m = await c.register(trainingLoss, f64([3]));
    let weights = np.zeros(3), local = weights;
    const initial: Results = [['initial_loss', await m.evaluate(weights)], ['initial_grad', await m.grad(weights), grad(trainingLoss)(weights)]];
    for (let i = 0; i < 100; i++) {
      weights = weights.sub((await m.grad(weights)).mul(0.01));
      local = local.sub(grad(trainingLoss)(local).mul(0.01));
    }
    return [...initial, ['final_weights', weights, local], ['trained_loss', await m.evaluate(weights)]];
  },

  custom_primitive_logsumexp: async (c, { y }) => {
    const logsumexp = primitive((x: any) => {
      const maxX = np.max(x);
      return np.add(maxX, np.log(np.sum(np.exp(np.subtract(x, maxX)))));
    });
    defvjp(logsumexp, (ans, x) => (g) => np.multiply(np.full(x.shape, g), np.exp(np.subtract(x, np.full(x.shape, ans)))));
    const exampleFunc = (y: any) => np.sum(logsumexp(np.power(y, 2)));
    const m = await c.register(exampleFunc, y);
    return [['value', await m.evaluate(y)], ['grad', await m.grad(y), grad(exampleFunc)(y)]];
  },

  hvp_tanh_mlp: async (c, { X, y, theta, v }) => {
    const lossFn = (th: any) => {
      const W1 = th.get('0:12').reshape([3, 4]), b1 = th.get('12:16'), w2 = th.get('16:20'), b2 = th.get(20);
      return np.mean(np.square(np.tanh(np.dot(X, W1).add(b1)).dot(w2).add(b2).sub(y)));
    };
    const m = await c.register(lossFn, theta);
    // The Hessian as the Jacobian of a graph of the gradient.
    const gradModel = await c.register((th: any) => grad(lossFn)(th), theta);
    return [
      ['loss', await m.evaluate(theta)], ['grad', await m.grad(theta), grad(lossFn)(theta)],
      ['hvp', await m.hvp(theta, v), hessianVectorProduct(lossFn)(theta, v)],
      ['hessian', await gradModel.jacobian(theta), hessian(lossFn)(theta)],
    ];
  },

  jacobian_tanh_Wx: async (c, { W, x }) => {
    const f = (W: any, x: any) => np.tanh(np.dot(W, x));
    const m = await c.register(f, W, x);
    return [
      ['value', await m.evaluate(W, x)],
      ['jac_x', await m.jacobian(W, x, { argnum: 1 }), jacobian(f, 1)(W, x)],
      ['jac_W', await m.jacobian(W, x), jacobian(f, 0)(W, x)],
    ];
  },

  tanh_higher_derivatives: async (c, { x }) => {
    const eg = elementwiseGrad;
    const tanh = await c.register(np.tanh, x), sumTanh = await c.register((x: any) => np.sum(np.tanh(x)), x);
    const d3Fn = (x: any) => eg(eg(np.tanh))(x), d4Fn = (x: any) => eg(eg(eg(eg(np.tanh))))(x);
    const d3 = await c.register(d3Fn, x), d4 = await c.register(d4Fn, x);
    const scalarD3 = await c.register((x: any) => grad(grad(grad(np.tanh)))(x), 0.0);
    const tape = await tanh.vjp(x);
    const d1 = await tape.backward(ones(x));
    await tape.release();
    const d4AtEach = [];
    for (const xk of x.toArray() as number[]) d4AtEach.push(await scalarD3.grad(xk));
    return [
      ['d1', d1, eg(np.tanh)(x)],
      ['d2', await sumTanh.hvp(x, ones(x)), eg(eg(np.tanh))(x)],
      ['d3', (await d3.jvp(x, ones(x)))[1], eg(eg(eg(np.tanh)))(x)],
      ['d4', await d4.evaluate(x), d4Fn(x)], ['d4', np.array(d4AtEach)],
    ];
  },

  grad_dict_tuple_params: async (c, { params, x }) => {
    const lossFn = (p: any) => {
      const h = np.tanh(np.dot(x, p.W).add(p.b));
      const [a, cc] = p.head;
      return np.sum(np.square(np.dot(h, a))).add(np.square(cc).mul(np.sum(h)));
    };
    const m = await c.register(lossFn, params);
    return [['loss', await m.evaluate(params)], ['grad', await m.grad(params), grad(lossFn)(params)]];
  },

  complex_input_real_loss: async (c, { z, c: k }) => {
    const lossFn = (z: any) => np.sum(np.square(np.abs(z.sub(k)))).add(np.sum(np.real(np.exp(z).mul(k))));
    const sqFn = (w: any) => np.power(np.abs(w), 2);
    const loss = await c.register(lossFn, z), sq = await c.register(sqFn, { re: 0, im: 0 });
    return [
      ['loss', await loss.evaluate(z)], ['grad', await loss.grad(z), grad(lossFn)(z)],
      ['scalar_grad', await sq.grad({ re: 3, im: 4 }), grad(sqFn)({ re: 3, im: 4 })],
    ];
  },

  readme_tanh_grad: async (c, { x }) => {
    const tanh = (x: any) => {
      const y = np.exp(np.multiply(-2, x));
      return np.divide(np.subtract(1, y), np.add(1, y));
    };
    const m = await c.register(tanh, 0.0);
    return [['value', await m.evaluate(x.item())], ['grad', await m.grad(x.item()), grad(tanh)(x.item())]];
  },

  value_and_grad_rosenbrock: async (c, { x }) => {
    const rosen = (x: any) => np.sum(x.get('1:').sub(x.get(':-1').pow(2)).pow(2).mul(100).add(np.subtract(1, x.get(':-1')).pow(2)));
    const m = await c.register(rosen, x);
    const [value, g] = await m.valueAndGrad(x);
    // Forward mode on the server: the JVP along t is ⟨∇f, t⟩.
    const t = np.linspace(-1, 1, x.size);
    const [, jvp] = await m.jvp(x, t);
    expect(jvp.item()).toBeCloseTo(dot(g, t), 9);
    expect(jvp.item()).toBeCloseTo(makeJvp(rosen)(x)(t)[1].item(), 12);
    return [['value', value], ['grad', g, valueAndGrad(rosen)(x)[1]]];
  },

  fixed_point_sqrt: async (c, { a, x0, tol }) => {
    const newtonSqrtStep = (a: any) => (x: any) => np.multiply(0.5, np.add(x, np.divide(a, x)));
    const distance = (x: any, y: any) => np.abs(np.subtract(x, y));
    const sqrtFn = (a: any) => fixedPoint(newtonSqrtStep, a, x0, distance, tol.item());
    const m = await c.register(sqrtFn, a);
    return [['value', await m.evaluate(a)], ['grad', await m.grad(a), grad(sqrtFn)(a)]];
  },

  optimizer_adam: async (c, { w, t, x0 }) => {
    const objective = (x: any) => np.multiply(0.5, np.sum(w.mul(np.square(x.sub(t)))));
    const m = await c.register(objective, x0);
    const opts = { numIters: 30, stepSize: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8 };
    return [['x_final', await adam((x) => m.grad(x), x0, opts), optimizers.adam((x: any) => grad(objective)(x), x0, opts)]];
  },

  grad_argnum_tuple_and_named: async (c, inputs) => {
    const f = (a: any, b: any, cc: any) => np.add(np.multiply(np.power(a, 2), np.sin(b)), np.sum(np.multiply(cc, b)));
    const m = await c.register(f, 0.0, 0.0, inputs.c);
    const args = [inputs.a.item(), inputs.b.item(), inputs.c];
    return [
      ['grad_a_c', await m.grad(...args, { argnum: [0, 2] }), grad(f, [0, 2])(...args)],
      ['grad_b', await m.grad(...args, { argnum: 1 }), grad(f, 1)(...args)],
    ];
  },

  closure_and_recursion: async (c, { x_poly, x_rec }) => {
    const makePoly = (coeffs: number[]) => (x: any) => coeffs.reduce((acc: any, ci, i) => np.add(acc, np.multiply(ci, np.power(x, i))), 0);
    const rec = (x: any, n: number): any => (n === 0 ? x : rec(np.add(np.sin(x), np.multiply(0.5, x)), n - 1));
    const polyFn = makePoly([1.0, -2.0, 0.5, 0.25]), rec4Fn = (x: any) => rec(x, 4);
    const poly = await c.register(polyFn, 0.0), rec4 = await c.register(rec4Fn, 0.0);
    return [
      ['grad_poly', await poly.grad(x_poly.item()), grad(polyFn)(x_poly.item())],
      ['grad_rec', await rec4.grad(x_rec.item()), grad(rec4Fn)(x_rec.item())],
    ];
  },
};

/** Numbers and {re, im} as 0-d arrays, so that conformance's compare reads them in containers too. */
const asArrays = (v: unknown): unknown => treeMap(v, (l) =>
  (l instanceof NDArray ? l : typeof l === 'number' ? NDArray.scalar(l) : isComplexScalar(l) ? NDArray.fromData([l.re, l.im], [], 'complex128') : l));
const SAME = { rtol: 1e-12, atol: 1e-12 };

const golden = loadGolden();
let server: ServerProcess;
beforeAll(async () => { server = await serve(); }, 60_000);
afterAll(() => server?.stop());

describe('conformance programs through the client', () => {
  it('covers every program', () => {
    expect(golden.programs.map((p: Json) => p.id).filter((id: string) => !PROGRAMS[id])).toEqual([]);
  });

  for (const transport of ['grpc', 'http'] as const) {
    describe(`over ${transport}`, () => {
      let client: Client;
      beforeAll(async () => { client = await connect(`${transport}://127.0.0.1:${transport === 'grpc' ? server.grpc : server.http}`); });
      afterAll(() => client?.close());

      for (const p of golden.programs) {
        it.runIf(PROGRAMS[p.id])(p.id, async () => {
          const inputs = Object.fromEntries(Object.entries(p.inputs).map(([k, v]) => [k, decode(v)]));
          const results = await PROGRAMS[p.id](client, inputs);
          const problems = results.flatMap(([key, remote, embedded]) => [
            compare(remote, p.expected[key], p.tol ?? DEFAULT_TOL, key),
            embedded === undefined ? null : compare(remote, encode(asArrays(embedded)), SAME, `${key} (against embedded gradd)`),
          ]).filter(Boolean);
          const missing = Object.keys(p.expected).filter((k) => !results.some(([key]) => key === k));
          if (missing.length) problems.push(`expected keys not computed: ${missing.join(', ')}`);
          if (problems.length) throw new Error(`${p.id}: ${p.description}\n  ${problems.join('\n  ')}`);
        });
      }
    });
  }
});
