// The workloads of DESIGN.md, W1–W8, written as a user would write them.
import { np, grad, jacobian, hessianVectorProduct, optimizers, flatten } from 'gradd';

/* eslint-disable @typescript-eslint/no-explicit-any */
let seed = 1;
const rand = () => { seed = (seed * 16807) % 2147483647; return seed / 2147483647 - 0.5; };
const randn = (shape: number[], scale = 1, dtype = 'float64') => {
  const n = shape.reduce((a, b) => a * b, 1);
  return np.array(Array.from({ length: n }, () => rand() * scale), { dtype }).reshape(shape);
};

/** W1: the tutorial's logistic regression. */
export function w1() {
  const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
  const inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]]);
  const targets = np.array([true, true, false, true]);
  const loss = (w: any) => {
    const p = sigmoid(np.dot(inputs, w));
    return np.negative(np.sum(np.log(np.add(np.multiply(p, targets), np.multiply(np.subtract(1, p), np.subtract(1, targets))))));
  };
  const g = grad(loss), w0 = np.array([0.1, -0.2, 0.3]);
  return () => g(w0);
}

/** W2: Taylor sine with a while loop, grad at π. */
export function w2() {
  const taylorSine = (x: any) => {
    let ans = x, term = x, i = 0;
    while (Math.abs(term.item()) > 0.001) {
      term = np.divide(np.multiply(np.negative(term), np.square(x)), (2 * i + 3) * (2 * i + 2));
      ans = np.add(ans, term);
      i += 1;
    }
    return ans;
  };
  const g = grad(taylorSine);
  return () => g(Math.PI);
}

/** W3: a 1000-op scalar chain (500 × multiply, sin). */
export function w3() {
  const chain = (x: any) => { let y = x; for (let i = 0; i < 500; i++) y = np.sin(np.multiply(y, 1.0001)); return y; };
  const g = grad(chain);
  return () => g(0.5);
}

/** W4: a 784-512-512-10 tanh MLP with softmax cross-entropy, batch 128: its loss and the parameters. */
export function mlp(dtype: 'float64' | 'float32') {
  const sizes = [784, 512, 512, 10];
  const params = sizes.slice(1).map((n, i) => ({ W: randn([sizes[i], n], 2 / Math.sqrt(sizes[i]), dtype), b: randn([n], 0.1, dtype) }));
  const X = randn([128, 784], 1, dtype);
  const labels = np.zeros([128, 10], { dtype });
  for (let i = 0; i < 128; i++) labels.set([i, i % 10], 1);
  const loss = (ps: any[]) => {
    let h = X;
    ps.forEach((p, i) => { const z = np.add(np.matmul(h, p.W), p.b); h = i < ps.length - 1 ? np.tanh(z) : z; });
    const logp = np.subtract(h, logsumexp(h));
    return np.negative(np.mean(np.sum(np.multiply(logp, labels), { axis: 1 })));
  };
  return { loss, params };
}
const logsumexp = (h: any) => np.max(h, { axis: 1, keepdims: true }).add(np.log(np.sum(np.exp(np.subtract(h, np.max(h, { axis: 1, keepdims: true }))), { axis: 1, keepdims: true })));

export function w4(dtype: 'float64' | 'float32') {
  const { loss, params } = mlp(dtype);
  const g = grad(loss);
  return () => g(params);
}

/** W4's training with Adam: one call runs `steps` steps from the same start (bench/ reports the time per step). */
export function w4Adam(steps: number) {
  const { loss, params } = mlp('float64');
  const g = grad(loss);
  return () => optimizers.adam((x: any) => g(x), params, { numIters: steps, stepSize: 1e-3 });
}

/** W5: grad of sum(tanh(exp(sin(x))·x)) on 1e6 elements. */
export function w5() {
  const x = randn([1_000_000]);
  const g = grad((v: any) => np.sum(np.tanh(np.multiply(np.exp(np.sin(v)), v))));
  return () => g(x);
}

/** W6: grad of sum(tanh(A@B)) with respect to A and B, 1024². */
export function w6() {
  const A = randn([1024, 1024], 0.05), B = randn([1024, 1024], 0.05);
  const g = grad((a: any, b: any) => np.sum(np.tanh(np.matmul(a, b))), [0, 1]);
  return () => g(A, B);
}

/** W7: Hessian-vector product of W4's loss (float64) over the flattened parameters. */
export function w7() {
  const { loss, params } = mlp('float64');
  const [theta, unflatten] = flatten(params);
  const v = randn([theta.size]);
  const hvp = hessianVectorProduct((t: any) => loss(unflatten(t)));
  return () => hvp(theta, v);
}

/** W8: jacobian of tanh(W@x) with respect to x, W 200×200. */
export function w8() {
  const W = randn([200, 200], 0.1), x = randn([200]);
  const jac = jacobian((v: any) => np.tanh(np.matmul(W, v)));
  return () => jac(x);
}

/**
 * Not DESIGN.md's workloads: the gradients of common elementwise ops and reductions on 10⁶ float64 elements, so that
 * an op that falls back to one JavaScript call per element (50-100× slower than the addon) shows in every run.
 */
export function opGradients(): Record<string, () => unknown> {
  const x = randn([1_000_000]), y = np.add(np.abs(randn([1_000_000])), 0.5), m = [1000, 1000];
  const fs: Record<string, (v: any) => any> = {
    'maximum(x, 0) (ReLU)': (v) => np.sum(np.maximum(v, 0)),
    'x·(x > 0)': (v) => np.sum(np.multiply(v, np.greater(v, 0))),
    'where(x > 0, x, 0)': (v) => np.sum(np.where(np.greater(v, 0), v, 0)),
    'abs(x)': (v) => np.sum(np.abs(v)),
    'clip(x, -0.5, 0.5)': (v) => np.sum(np.clip(v, -0.5, 0.5)),
    'x ** 2': (v) => np.sum(np.power(v, 2)),
    'logaddexp(x, y)': (v) => np.sum(np.logaddexp(v, y)),
    'log2(y·x²)': (v) => np.sum(np.log2(np.multiply(y, np.square(v)))),
    'max(x) over rows': (v) => np.sum(np.max(np.reshape(v, m), { axis: 1 })),
    'xᵀ·y (transposed view)': (v) => np.sum(np.multiply(np.transpose(np.reshape(v, m)), np.reshape(y, m))),
  };
  return Object.fromEntries(Object.entries(fs).map(([k, f]) => { const g = grad(f); return [k, () => g(x)]; }));
}
