// npm run bench: gradd's workloads next to the limits measured in the same run and the reference figures
// of ../shared/BENCHMARKS.md (HIPS autograd, PyTorch CPU). Writes bench/results/<date>.json.
import { mkdirSync, writeFileSync } from 'node:fs';
// The compiled package, as users run it (tsx would add its own wrappers to every function).
import { np, grad } from 'gradd';
import { loadNative } from '../native/index.js';
import { fmtTime, time, Timing } from './harness.js';

const addon = loadNative();
const rows: { name: string; timing: Timing; unit?: string; limit?: string; ratio?: string; autograd?: number; pytorch?: number; target?: number }[] = [];
const add = (r: (typeof rows)[number]) => { rows.push(r); print(r); };

// Limits: an empty N-API call; dgemm called straight through the addon on raw buffers.
const noop = time(() => addon.noop(), { batch: 10000 });
add({ name: 'limit: empty N-API call', timing: noop });
const noopArr = new Float64Array(8);
add({ name: 'limit: N-API call taking a typed array', timing: time(() => addon.noopArray(noopArr), { batch: 10000 }) });
const n = 1024, flop = 2 * n ** 3;
const A = Float64Array.from({ length: n * n }, () => Math.random()), B = A.slice(), C = new Float64Array(n * n);
const direct = time(() => addon.gemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n), { budgetMs: 3000 });
const peak = flop / (direct.median * 1e6);
add({ name: `limit: dgemm ${n}² direct (${addon.blasConfig().corename}, ${addon.getThreads()} threads)`, timing: direct, unit: `${peak.toFixed(1)} GFLOP/s` });
const a = np.array(Array.from({ length: n }, () => Array.from({ length: n }, Math.random))), b = a.mul(1);
const through = time(() => np.matmul(a, b), { budgetMs: 3000 });
add({ name: `dgemm ${n}² through np.matmul`, timing: through, unit: `${(flop / (through.median * 1e6)).toFixed(1)} GFLOP/s`, ratio: `${(direct.median / through.median * 100).toFixed(0)}% of direct`, target: 0.9 });

// W1: the tutorial's logistic-regression gradient.
const sigmoid = (x: any) => np.multiply(0.5, np.add(np.tanh(x), 1));
const inputs = np.array([[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]]);
const targets = np.array([true, true, false, true]);
const loss = (w: any) => {
  const p = sigmoid(np.dot(inputs, w));
  return np.negative(np.sum(np.log(np.add(np.multiply(p, targets), np.multiply(np.subtract(1, p), np.subtract(1, targets))))));
};
const gradLoss = grad(loss), w0 = np.array([0.1, -0.2, 0.3]);
const w1 = time(() => gradLoss(w0), { batch: 100 });
add({ name: 'W1 logistic-regression grad', timing: w1, autograd: 0.174, pytorch: 0.067, target: 0.02, ratio: `${(w1.median / noop.median).toFixed(0)}× an empty N-API call` });

// W2: Taylor sine grad at π (a while loop).
const taylorSine = (x: any) => {
  let ans = x, term = x, i = 0;
  while (Math.abs(term.item()) > 0.001) {
    term = np.divide(np.multiply(np.negative(term), np.square(x)), (2 * i + 3) * (2 * i + 2));
    ans = np.add(ans, term);
    i += 1;
  }
  return ans;
};
const w2 = time(() => grad(taylorSine)(Math.PI), { batch: 20 });
add({ name: 'W2 Taylor sine grad at π', timing: w2, autograd: 0.624, pytorch: 0.211 });

// W3: per-op overhead of a 1000-op scalar chain (forward + backward).
const chain = (x: any) => { let y = x; for (let i = 0; i < 500; i++) y = np.sin(np.multiply(y, 1.0001)); return y; };
const w3 = time(() => grad(chain)(0.5), { batch: 2 });
const perOp: Timing = { median: w3.median / 1000, p10: w3.p10 / 1000, p90: w3.p90 / 1000, runs: w3.runs };
add({ name: 'W3 per op, 1000-op scalar chain', timing: perOp, autograd: 0.0125, pytorch: 0.0047, target: 0.001 });

function print(r: (typeof rows)[number]) {
  const t = r.timing;
  const vs = (ref?: number) => (ref ? `${(ref / t.median).toFixed(1)}×` : '');
  console.log([
    r.name.padEnd(50), fmtTime(t.median).padStart(10), `[${fmtTime(t.p10)}–${fmtTime(t.p90)}]`.padEnd(24),
    (r.unit ?? '').padEnd(16), (r.ratio ?? '').padEnd(26),
    r.autograd ? `autograd ${fmtTime(r.autograd)} (${vs(r.autograd)} faster)` : '',
    r.pytorch ? `PyTorch ${fmtTime(r.pytorch)} (${vs(r.pytorch)})` : '',
    r.target ? (r.name.startsWith('dgemm') ? `target ≥ ${r.target * 100}%` : `target ≤ ${fmtTime(r.target)}`) : '',
  ].join(' '));
}

mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const file = new URL(`./results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), cpu: addon.blasConfig(), rows }, null, 2));
console.log(`\nresults written to ${file.pathname}`);
