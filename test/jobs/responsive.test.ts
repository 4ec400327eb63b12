// The server stays responsive: jobs run on threads of their own, so RPCs are answered while two jobs run.
// Prints a ValueAndGrad RPC's latency (p50, p99) without and with two jobs running.
import { availableParallelism } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { np } from '../../core/np.js';
import { f64, G, GrpcCaller, http, jsonF64, jsonGraph, startServer, type TestServer, w1Loss } from '../server/helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const slow = (x: any, n: any) => np.sum(np.square(np.subtract(x, np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x))));
const N = 300;

let s: TestServer, rpc: GrpcCaller, w1 = '', slowId = '';

/** N sequential ValueAndGrad calls: [p50, p99] in ms. */
async function latencies(): Promise<[number, number]> {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await rpc.call(`${G}ValueAndGrad`, g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, { modelId: w1, inputs: [f64([0.1 * i, -0.2, 0.3])] });
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return [ms[Math.floor(0.5 * N)], ms[Math.floor(0.99 * N)]];
}

beforeAll(async () => {
  s = await startServer({ workers: 1, limits: { maxRunningJobs: 2 } });
  rpc = new GrpcCaller(s.grpcAddress);
  w1 = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(w1Loss, { dtype: 'float64', shape: [3] }) })).body.model.id;
  slowId = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(slow, { dtype: 'float64', shape: [100] }, { dtype: 'int64', shape: [] }) })).body.model.id;
});
afterAll(async () => { rpc.close(); await s.close(); });

describe('responsive under jobs', () => {
  it('a grad RPC\'s p50/p99 with two jobs running', async () => {
    await latencies(); // warm
    const [p50, p99] = await latencies();
    const job = () => http(s, 'POST', '/v1/jobs', { modelId: slowId, params: [jsonF64(new Array(100).fill(0.1), [100])], inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: ['5000'] } }], optimizer: { name: 'adam' }, steps: 1_000_000 });
    const ids = [(await job()).body.id, (await job()).body.id];
    const step = async (id: string) => (await http(s, 'GET', `/v1/jobs/${id}`)).body.progress.step ?? 0;
    while ((await step(ids[0])) < 2 || (await step(ids[1])) < 2) await new Promise((r) => setTimeout(r, 50));
    const before = await Promise.all(ids.map(step));
    const [q50, q99] = await latencies();
    const after = await Promise.all(ids.map(step));
    for (const id of ids) await http(s, 'POST', `/v1/jobs/${id}/cancel`);
    console.log(`ValueAndGrad over gRPC (${N} calls, ${availableParallelism()} cores): p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms idle; ` +
      `p50 ${q50.toFixed(2)} ms, p99 ${q99.toFixed(2)} ms with two jobs running (${after[0] - before[0]} and ${after[1] - before[1]} steps meanwhile)`);
    after.forEach((n, k) => expect(n).toBeGreaterThan(before[k])); // both jobs ran throughout
    expect(q50).toBeLessThan(Math.max(20, 5 * p50));
    expect(q99).toBeLessThan(250);
  }, 120_000);
});
