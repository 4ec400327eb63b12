// Storage reuse in backward passes (core/reuse.ts): gradients through every way a cotangent's storage can be shared
// (passed through to two parents, sliced, viewed, split across a multi-output node, kept by a user VJP, kept by the
// caller across calls, recorded by a higher-order pass), on both sides of the size from which outputs are reusable
// (OUTPUT_UNINIT_MIN). References are derivatives worked out by hand and evaluated in plain JS loops.
import { afterEach, describe, expect, it } from 'vitest';
import { grad, hessianVectorProduct, jacobian, makeVjp } from '../../core/differential.js';
import { OUTPUT_UNINIT_MIN } from '../../core/kernels.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { checkpoint, defvjp, primitive } from '../../core/primitive.js';
import { rng } from '../helpers/fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const r = rng(5);
const randn = (n: number) => Array.from({ length: n }, () => 2 * r() - 1);
const arr = (v: number[], shape = [v.length]) => NDArray.fromData(v, shape);
const values = (x: any) => Array.from((x as NDArray).values());
const close = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-12) => {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= rtol * (1 + Math.abs(want[i])))) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
};
const map = (xs: number[], f: (x: number, i: number) => number) => xs.map(f);

/** Big arrays allocated (Buffer.allocUnsafeSlow is how `output` gets fresh storage) while f runs. */
function countAllocations(f: () => unknown): number {
  const orig = Buffer.allocUnsafeSlow;
  let n = 0;
  Buffer.allocUnsafeSlow = ((size: number) => { n++; return orig(size); }) as typeof orig;
  try { f(); } finally { Buffer.allocUnsafeSlow = orig; }
  return n;
}
afterEach(() => expect(Buffer.allocUnsafeSlow.name).toBe('allocUnsafeSlow'));

/** d/dx Σ tanh(exp(sin x)·x) = (1 − t²)·e^{sin x}·(x cos x + 1). */
const chain = (v: any) => np.sum(np.tanh(np.multiply(np.exp(np.sin(v)), v)));
const chainGrad = (xs: number[]) => map(xs, (x) => { const e = Math.exp(Math.sin(x)), t = Math.tanh(e * x); return (1 - t * t) * e * (x * Math.cos(x) + 1); });

for (const n of [OUTPUT_UNINIT_MIN - 1, OUTPUT_UNINIT_MIN, 2 * OUTPUT_UNINIT_MIN + 3]) {
  describe(`gradients of ${n}-element arrays`, () => {
    const xs = randn(n), x = arr(xs);

    it('an elementwise chain', () => close(values(grad(chain)(x)), chainGrad(xs), 'grad'));

    it('a cotangent passed through to two parents (add)', () => {
      const f = (v: any) => np.sum(np.tanh(np.add(np.sin(v), np.cos(v))));
      close(values(grad(f)(x)), map(xs, (x) => { const t = Math.tanh(Math.sin(x) + Math.cos(x)); return (1 - t * t) * (Math.cos(x) - Math.sin(x)); }), 'grad');
    });

    it('a cotangent sliced between parents (concatenate) and the slices summed into one leaf', () => {
      const f = (v: any) => np.sum(np.tanh(np.concatenate([np.sin(v), np.cos(v), v])));
      close(values(grad(f)(x)), map(xs, (x) => {
        const a = Math.tanh(Math.sin(x)), b = Math.tanh(Math.cos(x)), c = Math.tanh(x);
        return (1 - a * a) * Math.cos(x) - (1 - b * b) * Math.sin(x) + (1 - c * c);
      }), 'grad');
    });

    it('a cotangent through reshape and transpose views', () => {
      const rows = 7, cols = Math.floor(n / 7), m = rows * cols, ws = randn(m), xm = arr(xs.slice(0, m));
      const W = arr(ws, [cols, rows]);
      const f = (v: any) => np.sum(np.multiply(W, np.sin(np.transpose(np.reshape(np.multiply(v, v), [rows, cols])))));
      // ∂/∂x[i·cols + j] = W[j, i]·cos(x²)·2x
      close(values(grad(f)(xm)), map(xs.slice(0, m), (x, k) => ws[(k % cols) * rows + Math.floor(k / cols)] * Math.cos(x * x) * 2 * x), 'grad');
    });

    it('the cotangents of a multi-output node (split)', () => {
      const m = Math.floor(n / 2), xe = arr(xs.slice(0, 2 * m));
      const f = (v: any) => { const [a, b] = np.split(np.multiply(v, 2), 2); return np.sum(np.multiply(np.tanh(a), b)); };
      const u = xs.slice(0, 2 * m).map((x) => 2 * x);
      const want = [...u.slice(0, m).map((a, i) => 2 * (1 - Math.tanh(a) ** 2) * u[m + i]), ...u.slice(0, m).map((a) => 2 * Math.tanh(a))];
      close(values(grad(f)(xe)), want, 'grad');
    });

    it('cotangents a user VJP keeps', () => {
      const kept: NDArray[] = [];
      const scale = primitive((v: any) => np.multiply(v, 2), 'scale');
      defvjp(scale, () => (g: any) => { kept.push(g); const out = np.multiply(g, 2); kept.push(out); return out; });
      const f = (v: any) => np.sum(np.tanh(np.sin(scale(np.exp(v)))));
      const got = values(grad(f)(x));
      const s = map(xs, (x) => Math.sin(2 * Math.exp(x))), dS = map(xs, (x, i) => (1 - Math.tanh(s[i]) ** 2) * Math.cos(2 * Math.exp(x)));
      close(got, map(xs, (x, i) => dS[i] * 2 * Math.exp(x)), 'grad');
      close(values(kept[0]), dS, 'the cotangent the VJP was given');
      close(values(kept[1]), dS.map((d) => 2 * d), 'the cotangent the VJP returned');
    });

    it('results kept by the caller across calls and backward passes', () => {
      const ys = randn(n), first = grad(chain)(x), second = grad(chain)(arr(ys));
      close(values(first), chainGrad(xs), 'first gradient, after the second');
      close(values(second), chainGrad(ys), 'second gradient');
      const [vjp] = makeVjp((v: any) => np.tanh(np.multiply(np.sin(v), v)))(x) as any;
      const c1 = randn(n), c2 = randn(n), g1 = vjp(arr(c1)), g2 = vjp(arr(c2));
      const d = map(xs, (x) => { const t = Math.tanh(Math.sin(x) * x); return (1 - t * t) * (x * Math.cos(x) + Math.sin(x)); });
      close(values(g1), d.map((di, i) => di * c1[i]), 'first VJP, after the second');
      close(values(g2), d.map((di, i) => di * c2[i]), 'second VJP');
    });

    it('a higher-order pass (Hessian-vector product)', () => {
      const v = randn(n), f = (u: any) => np.sum(np.tanh(np.multiply(u, u)));
      // f = Σ tanh(x²): ∂²f/∂x² = 2(1 − t²) − 8x²t(1 − t²), diagonal
      close(values(hessianVectorProduct(f)(x, arr(v))), map(xs, (x, i) => { const t = Math.tanh(x * x); return (2 * (1 - t * t) - 8 * x * x * t * (1 - t * t)) * v[i]; }), 'hvp', 1e-10);
    });

    it('a checkpointed function, recomputed inside the backward pass', () => {
      const h = checkpoint((v: any) => np.multiply(np.sin(v), v));
      const f = (v: any) => np.sum(np.tanh(h(v)));
      close(values(grad(f)(x)), map(xs, (x) => { const t = Math.tanh(Math.sin(x) * x); return (1 - t * t) * (x * Math.cos(x) + Math.sin(x)); }), 'grad');
    });
  });
}

describe('reuse', () => {
  const turn = () => new Promise((r) => setTimeout(r, 0));

  it('W5\'s chain allocates 3 cotangents instead of 6, and a call right after takes 2 of its buffers from the last', async () => {
    const x = arr(randn(2 * OUTPUT_UNINIT_MIN)), g = grad(chain);
    g(x);
    await turn(); // the event loop turns: nothing is left on offer
    // forward: sin, exp, multiply, tanh; backward: tanh's VJP, multiply's two; exp's and sin's VJPs and the sum into
    // x reuse those.
    expect(countAllocations(() => g(x))).toBe(7);
    // The two buffers the pass freed last (exp's and sin's VJPs) serve the next forward pass's first two ops.
    expect(countAllocations(() => g(x))).toBe(5);
    await turn();
    expect(countAllocations(() => g(x))).toBe(7);
  });

  it('a batched Jacobian (one backward pass of 100 cotangents of 100 elements)', () => {
    const m = 100, ws = randn(m * m).map((w) => w / 10), xs = randn(m), W = arr(ws, [m, m]);
    const J = jacobian((v: any) => np.tanh(np.matmul(W, v)))(arr(xs)) as NDArray;
    const t = Array.from({ length: m }, (_, i) => Math.tanh(xs.reduce((s, x, j) => s + ws[i * m + j] * x, 0)));
    close(values(J), ws.map((w, k) => (1 - t[Math.floor(k / m)] ** 2) * w), 'jacobian');
  });
});
