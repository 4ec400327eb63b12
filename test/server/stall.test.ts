// Never stalled: long computations run on worker threads, so health checks answer meanwhile; a client
// that cancels, disconnects or runs out of time stops its computation (its worker is terminated).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import * as h from '../../core/graph/gen/grpc/health/v1/health_pb.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { tensorToProto } from '../../core/graph/wire.js';
import { f64, G, GrpcCaller, http, jsonGraph, startServer, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// loop(n, x) = sum of n iterations of s ← sin(s + 1): its cost is proportional to n, chosen per request.
const loop = (n: any, x: any) => np.sum(np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x));
const specs = [{ dtype: 'int64', shape: [] }, { dtype: 'float64', shape: [100] }];
const n64 = (n: number) => tensorToProto(NDArray.fromData([n], [], 'int64'));
const x0 = f64(new Array(100).fill(0), [100]);

let s: TestServer, rpc: GrpcCaller, model = '', perIteration = 0;
const evaluate = (n: number, opts: { deadline?: number; signal?: AbortSignal } = {}) =>
  rpc.call(`${G}Evaluate`, g.EvaluateRequestSchema, g.EvaluateResponseSchema, { modelId: model, inputs: [n64(n), x0] }, opts);
const running = async () => Number(/^gradd_computations_running (\d+)/m.exec((await http(s, 'GET', '/metrics')).body)![1]);
/** Iterations that take about `ms` on this machine. */
const iterations = (ms: number) => Math.min(9_000_000, Math.round(ms / perIteration));

beforeAll(async () => {
  s = await startServer({ workers: 1 });
  rpc = new GrpcCaller(s.grpcAddress);
  model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(loop, ...specs) })).body.model.id;
  await evaluate(20_000); // warm the worker
  const t0 = performance.now();
  await evaluate(60_000);
  perIteration = (performance.now() - t0) / 60_000;
});
afterAll(async () => { rpc.close(); await s.close(); });

describe('never stalled', () => {
  it('health checks answer while a 10-second computation runs', async () => {
    const t0 = performance.now();
    const long = evaluate(iterations(11_500)); // about 10 s: the per-iteration cost falls a little as the loop runs
    let done = false;
    void long.then(() => { done = true; });
    await new Promise((r) => setTimeout(r, 1000));
    const latencies: Record<string, number> = {};
    let t = performance.now();
    expect((await http(s, 'GET', '/v2/health/ready')).status).toBe(200);
    latencies.http = performance.now() - t;
    t = performance.now();
    const check = await rpc.call('/grpc.health.v1.Health/Check', h.HealthCheckRequestSchema, h.HealthCheckResponseSchema, {});
    latencies.grpc = performance.now() - t;
    expect(check.status).toBe(h.HealthCheckResponse_ServingStatus.SERVING);
    expect(done).toBe(false);
    await long;
    const total = performance.now() - t0;
    console.log(`health check latency during a ${(total / 1000).toFixed(1)} s computation: HTTP ${latencies.http.toFixed(1)} ms, gRPC ${latencies.grpc.toFixed(1)} ms`);
    expect(total).toBeGreaterThan(7000);
    expect(latencies.http).toBeLessThan(250);
    expect(latencies.grpc).toBeLessThan(250);
  }, 60_000);

  it('a gRPC client that cancels stops its computation: the worker is free again at once', async () => {
    const ctrl = new AbortController();
    const long = evaluate(iterations(20_000), { signal: ctrl.signal }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 500));
    expect(await running()).toBe(1);
    ctrl.abort();
    expect((await long).code).toBe(grpc.status.CANCELLED);
    const t0 = performance.now();
    await evaluate(100); // on the one pool worker: would wait ~20 s if the cancelled computation still ran
    expect(performance.now() - t0).toBeLessThan(8000);
    expect(await running()).toBe(0);
  }, 60_000);

  it('an HTTP client that disconnects stops its computation', async () => {
    const ctrl = new AbortController();
    const long = fetch(`${s.url}/v1/models/${model}/evaluate`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, signal: ctrl.signal,
      body: JSON.stringify({ inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: [String(iterations(20_000))] } }, { datatype: 'FP64', shape: ['100'], rawContents: Buffer.from(new Float64Array(100).buffer).toString('base64') }] }),
    }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 500));
    ctrl.abort();
    expect((await long).name).toBe('AbortError');
    const t0 = performance.now();
    await evaluate(100);
    expect(performance.now() - t0).toBeLessThan(8000);
  }, 60_000);

  it('past its deadline a computation stops with DEADLINE_EXCEEDED', async () => {
    const t0 = performance.now();
    await expect(evaluate(iterations(20_000), { deadline: 500 })).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    expect(performance.now() - t0).toBeLessThan(3000);
    const t1 = performance.now();
    await evaluate(100);
    expect(performance.now() - t1).toBeLessThan(8000);
  }, 60_000);
});
