// A two-layer MLP classifier trained on a gradd server as a remote optimization job: the loss is traced into
// a graph, registered, and minimized with Adam on the server while this program prints its progress.
// Run: npx tsx examples/remote-mlp.ts   (GRADD_URL=grpc://host:50051 or http://host:8080 to use a running
// server, GRADD_TOKEN if it needs one; without GRADD_URL a server starts in this process).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, np, NDArray } from 'gradd/client';
import { createServer, type GraddServer } from 'gradd/server';

/* eslint-disable @typescript-eslint/no-explicit-any */

// Two interleaved spirals, 200 points each, labels ±1 (a seeded generator: the same data every run).
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5;
const points: number[] = [], labels: number[] = [];
for (let i = 0; i < 400; i++) {
  const k = i % 2, r = 0.2 + 2.8 * (Math.floor(i / 2) / 200), a = 2.6 * r + Math.PI * k;
  points.push(r * Math.cos(a) + 0.3 * rand(), r * Math.sin(a) + 0.3 * rand());
  labels.push(k ? 1 : -1);
}
const X = NDArray.fromData(points, [400, 2], 'float64'), y = NDArray.fromData(labels, [400], 'float64');

// The classifier's logit tanh(x·W1 + b1)·w2 + b2 and its logistic loss mean(log(1 + exp(−y·logit))).
const H = 32;
const logits = (p: any, x: any) => np.add(np.dot(np.tanh(np.add(np.dot(x, p.W1), p.b1)), p.w2), p.b2);
const loss = (p: any, x: any, t: any) => np.mean(np.logaddexp(0, np.negative(np.multiply(t, logits(p, x)))));
const f64 = (...shape: number[]) => ({ dtype: 'float64', shape });
const init = {
  W1: NDArray.fromData(Array.from({ length: 2 * H }, () => 2 * rand()), [2, H], 'float64'),
  b1: NDArray.fromData(Array.from({ length: H }, () => rand()), [H], 'float64'),
  w2: NDArray.fromData(Array.from({ length: H }, () => rand()), [H], 'float64'),
  b2: 0,
};

let local: GraddServer | undefined, dataDir = '';
let url = process.env.GRADD_URL;
if (!url) {
  dataDir = mkdtempSync(join(tmpdir(), 'gradd-example-'));
  local = await createServer({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, dataDir, logLevel: 'warn' });
  url = `grpc://${local.grpcAddress}`;
}
const client = await connect(url, { token: process.env.GRADD_TOKEN });
try {
  const model = await client.register(loss, { W1: f64(2, H), b1: f64(H), w2: f64(H), b2: f64() }, f64(400, 2), f64(400));
  const steps = 3000;
  const job = await model.minimize(init, { inputs: [X, y], optimizer: 'adam', stepSize: 0.005, steps, checkpointEvery: 500 });
  console.log(`job ${job.id} on ${url}: Adam, ${steps} steps`);
  let shown = -1;
  for await (const p of job) {
    const tenth = Math.floor((10 * p.step) / steps);
    if (tenth > shown && p.step > 0) {
      shown = tenth;
      console.log(`step ${String(p.step).padStart(5)}  loss ${p.loss.toFixed(4)}  (${p.stepsPerSecond.toFixed(0)} steps/s)`);
    }
  }
  const trained = await job.result();
  const predicted = (logits(trained, X).values() as Float64Array).map((v) => Math.sign(v));
  const accuracy = predicted.reduce((n, v, i) => n + (v === labels[i] ? 1 : 0), 0) / labels.length;
  console.log(`training accuracy ${(100 * accuracy).toFixed(1)}%`);
} finally {
  await client.close();
  await local?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
