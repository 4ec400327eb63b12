// The conformance programs as graphs: each function is traced, run by evalGraph, and differentiated through
// evalGraph (grad, jvp, hvp, hessian, jacobian); the results must be the golden numbers.
import { describe, expect, it } from 'vitest';
import {
  deriv, elementwiseGrad, grad, gradNamed, hessian, hessianVectorProduct, jacobian, makeHvp, makeJvp, valueAndGrad,
} from '../../core/differential.js';
import { evalGraph } from '../../core/graph/eval.js';
import { trace } from '../../core/graph/trace.js';
import { validateGraph } from '../../core/graph/validate.js';
import { np } from '../../core/np.js';
import { optimizers } from '../../core/optimizers.js';
import { defvjp, fixedPoint, primitive } from '../../core/primitive.js';
import { compare, decode, DEFAULT_TOL, Json, loadGolden } from '../conformance/decode.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Results = [key: string, value: unknown][];

/** f traced with the given argument specs, as a function of the same arguments that runs the graph. */
const graphOf = (f: (...a: any[]) => any, ...specs: unknown[]) => {
  const g = trace(f, ...specs);
  validateGraph(g);
  return (...args: any[]) => evalGraph(g, args);
};
const opsOf = (f: (...a: any[]) => any, ...specs: unknown[]) => trace(f, ...specs).nodes.map((n) => n.op);
const dot = (a: any, b: any) => (np.sum(np.multiply(a, b)) as any).item();

const PROGRAMS: Record<string, (inputs: Record<string, any>) => Results> = {
  taylor_sine: ({ xs }) => {
    // The tutorial's while loop, in its graph form.
    const taylorSine = (x: any) => np.whileLoop(([, term]: any[]) => np.greater(np.abs(term), 0.001), ([ans, term, i]: any[]) => {
      const t = np.divide(np.multiply(np.negative(term), np.power(x, 2)), np.multiply(np.add(np.multiply(2, i), 3), np.add(np.multiply(2, i), 2)));
      return [np.add(ans, t), t, np.add(i, 1)];
    }, [x, x, 0])[0];
    expect(opsOf(taylorSine, 0.0)).toEqual(['while_loop']);
    const g = graphOf(taylorSine, 0.0), x = xs.toArray() as number[];
    const grads = x.map((v) => grad(g)(v));
    expect(x.map((v) => deriv(g)(v).item())).toEqual(grads.map((d) => expect.closeTo(d, 12)));
    expect(grads).toEqual(x.map((v) => expect.closeTo(grad(taylorSine)(v), 12)));
    return [['values', np.array(x.map((v) => g(v).item()))], ['grads', np.array(grads)]];
  },

  logistic_regression: ({ inputs, targets }) => {
    const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
    const trainingLoss = (weights: any) => {
      const preds = sigmoid(np.dot(inputs, weights));
      const labelProbabilities = preds.mul(targets).add(np.subtract(1, preds).mul(np.subtract(1, targets)));
      return np.negative(np.sum(np.log(labelProbabilities)));
    };
    const loss = graphOf(trainingLoss, { dtype: 'float64', shape: [3] });
    let weights = np.zeros(3);
    const initial: Results = [['initial_loss', loss(weights)], ['initial_grad', grad(loss)(weights)]];
    for (let i = 0; i < 100; i++) weights = weights.sub(grad(loss)(weights).mul(0.01));
    return [...initial, ['final_weights', weights], ['trained_loss', loss(weights)]];
  },

  custom_primitive_logsumexp: ({ y }) => {
    const logsumexp = primitive((x: any) => {
      const maxX = np.max(x);
      return np.add(maxX, np.log(np.sum(np.exp(np.subtract(x, maxX)))));
    });
    defvjp(logsumexp, (ans, x) => (g) => np.multiply(np.full(x.shape, g), np.exp(np.subtract(x, np.full(x.shape, ans)))));
    const exampleFunc = (y: any) => np.sum(logsumexp(np.power(y, 2)));
    expect(opsOf(exampleFunc, y)).toEqual(['power', 'primitive', 'sum']);
    const f = graphOf(exampleFunc, y);
    return [['value', f(y)], ['grad', grad(f)(y)]];
  },

  hvp_tanh_mlp: ({ X, y, theta, v }) => {
    const lossFn = (th: any) => {
      const W1 = th.get('0:12').reshape([3, 4]), b1 = th.get('12:16'), w2 = th.get('16:20'), b2 = th.get(20);
      const pred = np.tanh(np.dot(X, W1).add(b1)).dot(w2).add(b2);
      return np.mean(np.square(pred.sub(y)));
    };
    const loss = graphOf(lossFn, theta);
    return [
      ['loss', loss(theta)], ['grad', grad(loss)(theta)],
      ['hvp', hessianVectorProduct(loss)(theta, v)], ['hvp', makeHvp(loss)(theta)[0](v)],
      ['hessian', hessian(loss)(theta)],
    ];
  },

  jacobian_tanh_Wx: ({ W, x }) => {
    const f = graphOf((W: any, x: any) => np.tanh(np.dot(W, x)), W, x);
    return [['value', f(W, x)], ['jac_x', jacobian(f, 1)(W, x)], ['jac_W', jacobian(f, 0)(W, x)]];
  },

  tanh_higher_derivatives: ({ x }) => {
    const eg = elementwiseGrad, tanh = graphOf(np.tanh, x), scalarTanh = graphOf(np.tanh, 0.0);
    const d4AtEach = (x.toArray() as number[]).map((xk) => grad(grad(grad(grad(scalarTanh))))(xk));
    return [
      ['d1', eg(tanh)(x)], ['d2', eg(eg(tanh))(x)], ['d3', eg(eg(eg(tanh)))(x)],
      ['d4', eg(eg(eg(eg(tanh))))(x)], ['d4', np.array(d4AtEach)],
    ];
  },

  grad_dict_tuple_params: ({ params, x }) => {
    const lossFn = (p: any) => {
      const h = np.tanh(np.dot(x, p.W).add(p.b));
      const [a, c] = p.head;
      return np.sum(np.square(np.dot(h, a))).add(np.square(c).mul(np.sum(h)));
    };
    const loss = graphOf(lossFn, params);
    return [['loss', loss(params)], ['grad', grad(loss)(params)]];
  },

  complex_input_real_loss: ({ z, c }) => {
    const loss = graphOf((z: any) => np.sum(np.square(np.abs(z.sub(c)))).add(np.sum(np.real(np.exp(z).mul(c)))), z);
    const sq = graphOf((w: any) => np.power(np.abs(w), 2), { re: 0, im: 0 });
    return [['loss', loss(z)], ['grad', grad(loss)(z)], ['scalar_grad', grad(sq)({ re: 3, im: 4 })]];
  },

  readme_tanh_grad: ({ x }) => {
    const tanh = graphOf((x: any) => {
      const y = np.exp(np.multiply(-2, x));
      return np.divide(np.subtract(1, y), np.add(1, y));
    }, 0.0);
    return [['value', tanh(x.item())], ['grad', grad(tanh)(x.item())]];
  },

  value_and_grad_rosenbrock: ({ x }) => {
    const rosen = graphOf((x: any) => np.sum(x.get('1:').sub(x.get(':-1').pow(2)).pow(2).mul(100).add(np.subtract(1, x.get(':-1')).pow(2))), x);
    const [value, g] = valueAndGrad(rosen)(x);
    // Forward mode through the graph: the JVP along t is ⟨∇f, t⟩.
    const t = np.linspace(-1, 1, x.size);
    expect(makeJvp(rosen)(x)(t)[1].item()).toBeCloseTo(dot(g, t), 9);
    return [['value', value], ['grad', g]];
  },

  fixed_point_sqrt: ({ a, x0, tol }) => {
    const newtonSqrtStep = (a: any) => (x: any) => np.multiply(0.5, np.add(x, np.divide(a, x)));
    const distance = (x: any, y: any) => np.abs(np.subtract(x, y));
    const sqrtFn = (a: any) => fixedPoint(newtonSqrtStep, a, x0, distance, tol.item());
    expect(opsOf(sqrtFn, a)).toEqual(['primitive']);
    const sqrt = graphOf(sqrtFn, a);
    return [['value', sqrt(a)], ['grad', grad(sqrt)(a)]];
  },

  optimizer_adam: ({ w, t, x0 }) => {
    const objective = graphOf((x: any, _i: number) => np.multiply(0.5, np.sum(w.mul(np.square(x.sub(t))))), x0, 0);
    return [['x_final', optimizers.adam(grad(objective), x0, { numIters: 30, stepSize: 0.1, b1: 0.9, b2: 0.999, eps: 1e-8 })]];
  },

  grad_argnum_tuple_and_named: (inputs) => {
    const G = trace((a: any, b: any, c: any) => np.add(np.multiply(np.power(a, 2), np.sin(b)), np.sum(np.multiply(c, b))), 0.0, 0.0, inputs.c);
    function f(a: any, b: any, c: any) { return evalGraph(G, [a, b, c]); }
    const args = [inputs.a.item(), inputs.b.item(), inputs.c];
    return [['grad_a_c', grad(f, [0, 2])(...args)], ['grad_b', gradNamed(f, 'b')(...args)]];
  },

  closure_and_recursion: ({ x_poly, x_rec }) => {
    const makePoly = (coeffs: number[]) => (x: any) => coeffs.reduce((acc: any, ci, i) => np.add(acc, np.multiply(ci, np.power(x, i))), 0);
    const rec = (x: any, n: number): any => (n === 0 ? x : rec(np.add(np.sin(x), np.multiply(0.5, x)), n - 1));
    const poly = graphOf(makePoly([1.0, -2.0, 0.5, 0.25]), 0.0), rec4 = graphOf((x: any) => rec(x, 4), 0.0);
    return [['grad_poly', grad(poly)(x_poly.item())], ['grad_rec', grad(rec4)(x_rec.item())]];
  },
};

const golden = loadGolden();

describe('conformance programs traced to graphs', () => {
  it('covers every program', () => {
    expect(golden.programs.map((p: Json) => p.id).filter((id: string) => !PROGRAMS[id])).toEqual([]);
  });

  for (const p of golden.programs) {
    it.runIf(PROGRAMS[p.id])(p.id, () => {
      const inputs = Object.fromEntries(Object.entries(p.inputs).map(([k, v]) => [k, decode(v)]));
      const results = PROGRAMS[p.id](inputs);
      const problems = results.map(([key, value]) => compare(value, p.expected[key], p.tol ?? DEFAULT_TOL, key)).filter(Boolean);
      const missing = Object.keys(p.expected).filter((k) => !results.some(([key]) => key === k));
      if (missing.length) problems.push(`expected keys not computed: ${missing.join(', ')}`);
      if (problems.length) throw new Error(`${p.id}: ${p.description}\n  ${problems.join('\n  ')}`);
    });
  }
});
