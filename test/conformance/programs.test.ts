// The program cases of the conformance vectors, each written with gradd's public API as its description says.
import { describe, expect, it } from 'vitest';
import {
  elementwiseGrad, grad, gradNamed, hessian, hessianVectorProduct, jacobian, makeHvp, valueAndGrad,
} from '../../core/differential.js';
import { np } from '../../core/np.js';
import { optimizers } from '../../core/optimizers.js';
import { defvjp, fixedPoint, primitive } from '../../core/primitive.js';
import { compare, decode, DEFAULT_TOL, Json, loadGolden } from './decode.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Results = [key: string, value: unknown][];

const PROGRAMS: Record<string, (inputs: Record<string, any>) => Results> = {
  taylor_sine: ({ xs }) => {
    const taylorSine = (x: any) => {
      let ans = x, term = x, i = 0;
      while ((np.abs(term).item() as number) > 0.001) {
        term = np.divide(np.multiply(np.negative(term), np.power(x, 2)), (2 * i + 3) * (2 * i + 2));
        ans = np.add(ans, term);
        i += 1;
      }
      return ans;
    };
    const x = xs.toArray() as number[];
    return [['values', np.array(x.map((v) => taylorSine(v).item()))], ['grads', np.array(x.map((v) => grad(taylorSine)(v)))]];
  },

  logistic_regression: ({ inputs, targets }) => {
    const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
    const trainingLoss = (weights: any) => {
      const preds = sigmoid(np.dot(inputs, weights));
      const labelProbabilities = preds.mul(targets).add(np.subtract(1, preds).mul(np.subtract(1, targets)));
      return np.negative(np.sum(np.log(labelProbabilities)));
    };
    let weights = np.zeros(3);
    const initial: Results = [['initial_loss', trainingLoss(weights)], ['initial_grad', grad(trainingLoss)(weights)]];
    for (let i = 0; i < 100; i++) weights = weights.sub(grad(trainingLoss)(weights).mul(0.01));
    return [...initial, ['final_weights', weights], ['trained_loss', trainingLoss(weights)]];
  },

  custom_primitive_logsumexp: ({ y }) => {
    const logsumexp = primitive((x: any) => {
      const maxX = np.max(x);
      return np.add(maxX, np.log(np.sum(np.exp(np.subtract(x, maxX)))));
    });
    defvjp(logsumexp, (ans, x) => (g) => np.multiply(np.full(x.shape, g), np.exp(np.subtract(x, np.full(x.shape, ans)))));
    const exampleFunc = (y: any) => np.sum(logsumexp(np.power(y, 2)));
    return [['value', exampleFunc(y)], ['grad', grad(exampleFunc)(y)]];
  },

  hvp_tanh_mlp: ({ X, y, theta, v }) => {
    const loss = (th: any) => {
      const W1 = th.get('0:12').reshape([3, 4]), b1 = th.get('12:16'), w2 = th.get('16:20'), b2 = th.get(20);
      const pred = np.tanh(np.dot(X, W1).add(b1)).dot(w2).add(b2);
      return np.mean(np.square(pred.sub(y)));
    };
    return [
      ['loss', loss(theta)], ['grad', grad(loss)(theta)],
      ['hvp', hessianVectorProduct(loss)(theta, v)], ['hvp', makeHvp(loss)(theta)[0](v)],
      ['hessian', hessian(loss)(theta)],
    ];
  },

  jacobian_tanh_Wx: ({ W, x }) => {
    const f = (W: any, x: any) => np.tanh(np.dot(W, x));
    return [['value', f(W, x)], ['jac_x', jacobian(f, 1)(W, x)], ['jac_W', jacobian(f, 0)(W, x)]];
  },

  tanh_higher_derivatives: ({ x }) => {
    const eg = elementwiseGrad;
    const d4AtEach = (x.toArray() as number[]).map((xk) => grad(grad(grad(grad(np.tanh))))(xk));
    return [
      ['d1', eg(np.tanh)(x)], ['d2', eg(eg(np.tanh))(x)], ['d3', eg(eg(eg(np.tanh)))(x)],
      ['d4', eg(eg(eg(eg(np.tanh))))(x)], ['d4', np.array(d4AtEach)],
    ];
  },

  grad_dict_tuple_params: ({ params, x }) => {
    const loss = (p: any) => {
      const h = np.tanh(np.dot(x, p.W).add(p.b));
      const [a, c] = p.head;
      return np.sum(np.square(np.dot(h, a))).add(np.square(c).mul(np.sum(h)));
    };
    return [['loss', loss(params)], ['grad', grad(loss)(params)]];
  },

  complex_input_real_loss: ({ z, c }) => {
    const loss = (z: any) => np.sum(np.square(np.abs(z.sub(c)))).add(np.sum(np.real(np.exp(z).mul(c))));
    return [['loss', loss(z)], ['grad', grad(loss)(z)], ['scalar_grad', grad((w: any) => np.power(np.abs(w), 2))({ re: 3, im: 4 })]];
  },

  readme_tanh_grad: ({ x }) => {
    const tanh = (x: any) => {
      const y = np.exp(np.multiply(-2, x));
      return np.divide(np.subtract(1, y), np.add(1, y));
    };
    return [['value', tanh(x.item())], ['grad', grad(tanh)(x.item())]];
  },

  value_and_grad_rosenbrock: ({ x }) => {
    const rosen = (x: any) => np.sum(x.get('1:').sub(x.get(':-1').pow(2)).pow(2).mul(100).add(np.subtract(1, x.get(':-1')).pow(2)));
    const [value, g] = valueAndGrad(rosen)(x);
    return [['value', value], ['grad', g]];
  },

  fixed_point_sqrt: ({ a, x0, tol }) => {
    const newtonSqrtStep = (a: any) => (x: any) => np.multiply(0.5, np.add(x, np.divide(a, x)));
    const distance = (x: any, y: any) => np.abs(np.subtract(x, y));
    const sqrt = (a: any) => fixedPoint(newtonSqrtStep, a, x0, distance, tol.item());
    return [['value', sqrt(a)], ['grad', grad(sqrt)(a)]];
  },

  optimizer_adam: ({ w, t, x0 }) => {
    const objective = (x: any, _i: number) => np.multiply(0.5, np.sum(w.mul(np.square(x.sub(t)))));
    return [['x_final', optimizers.adam(grad(objective), x0, { numIters: 30, stepSize: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8 })]];
  },

  grad_argnum_tuple_and_named: (inputs) => {
    // Parameter names must not shadow outer bindings here: esbuild would rename them (a → a2) and gradNamed reads the source.
    function f(a: any, b: any, c: any) { return np.add(np.multiply(np.power(a, 2), np.sin(b)), np.sum(np.multiply(c, b))); }
    const args = [inputs.a.item(), inputs.b.item(), inputs.c];
    return [['grad_a_c', grad(f, [0, 2])(...args)], ['grad_b', gradNamed(f, 'b')(...args)]];
  },

  closure_and_recursion: ({ x_poly, x_rec }) => {
    const makePoly = (coeffs: number[]) => (x: any) => coeffs.reduce((acc: any, ci, i) => np.add(acc, np.multiply(ci, np.power(x, i))), 0);
    const poly = makePoly([1.0, -2.0, 0.5, 0.25]);
    const rec = (x: any, n: number): any => (n === 0 ? x : rec(np.add(np.sin(x), np.multiply(0.5, x)), n - 1));
    return [['grad_poly', grad(poly)(x_poly.item())], ['grad_rec', grad((x: any) => rec(x, 4))(x_rec.item())]];
  },
};

const golden = loadGolden();

describe('conformance programs', () => {
  it('every program has an implementation', () => {
    expect(golden.programs.map((p: Json) => p.id).filter((id: string) => !PROGRAMS[id])).toEqual([]);
  });

  for (const p of golden.programs) {
    it.runIf(PROGRAMS[p.id])(`${p.id} (${p.api.join(', ')})`, () => {
      const inputs = Object.fromEntries(Object.entries(p.inputs).map(([k, v]) => [k, decode(v)]));
      const results = PROGRAMS[p.id](inputs);
      const problems = results.map(([key, value]) =>
        (key in p.expected ? compare(value, p.expected[key], p.tol ?? DEFAULT_TOL, key) : `${key}: not an expected key`)).filter(Boolean);
      const missing = Object.keys(p.expected).filter((k) => !results.some(([key]) => key === k));
      if (missing.length) problems.push(`expected keys not computed: ${missing.join(', ')}`);
      if (problems.length) throw new Error(`${p.id}: ${p.description}\n  ${problems.join('\n  ')}`);
    });
  }
});
