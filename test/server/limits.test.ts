// Every limit a client can reach, with the protocol's own error naming it; tapes' time-to-live and
// least-recently-used eviction, each with a NOT_FOUND that says why.
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { tensorToProto } from '../../core/graph/wire.js';
import { f64, G, GrpcCaller, http, jsonF64, jsonGraph, protoGraph, startServer, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const spec = (n: number) => ({ dtype: 'float64', shape: [n] });
const loop = (n: any, x: any) => np.sum(np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x));
const loopSpecs = [{ dtype: 'int64', shape: [] }, spec(100)];
const n64 = (n: number) => tensorToProto(NDArray.fromData([n], [], 'int64'));
const jn64 = (n: number) => ({ datatype: 'INT64', shape: [], contents: { int64Contents: [String(n)] } });

describe('limits', () => {
  let s: TestServer, rpc: GrpcCaller, loopModel = '';
  beforeAll(async () => {
    s = await startServer({ limits: { maxRequestBytes: 200_000, maxElements: 1000, maxNodes: 20, maxLoopIterations: 20_000 } });
    rpc = new GrpcCaller(s.grpcAddress);
    loopModel = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(loop, ...loopSpecs) })).body.model.id;
  });
  afterAll(async () => { rpc.close(); await s.close(); });

  it('request bytes: HTTP 413 and gRPC RESOURCE_EXHAUSTED', async () => {
    const big = { inputs: [jsonF64(new Array(60_000).fill(1.5))] };
    const r = await http(s, 'POST', `/v1/models/${loopModel}/evaluate`, big);
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'TOO_LARGE', message: expect.stringMatching(/maxRequestBytes/) });
    await expect(rpc.call(`${G}Evaluate`, g.EvaluateRequestSchema, g.EvaluateResponseSchema, { modelId: loopModel, inputs: [f64(new Array(30_000).fill(1))] }))
      .rejects.toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
  });

  it('tensor elements and graph nodes: 413 / RESOURCE_EXHAUSTED naming the limit', async () => {
    const id = (await http(s, 'POST', '/v1/models', { graph: jsonGraph((x: any) => np.sum(x), spec(2000)) }));
    expect(id.status).toBe(413);
    expect(id.body.error.message).toMatch(/2000 elements; the limit is 1000/);
    const deep = (x: any) => { let y = x; for (let i = 0; i < 30; i++) y = np.sin(y); return y; };
    const r = await rpc.call(`${G}RegisterModel`, g.RegisterModelRequestSchema, g.RegisterModelResponseSchema, { graph: protoGraph(deep, spec(3)) }).catch((e) => e);
    expect(r.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(r.details).toMatch(/more than 20 nodes/);
  });

  it('loop iterations: RESOURCE_EXHAUSTED naming maxLoopIterations', async () => {
    const r = await http(s, 'POST', `/v1/models/${loopModel}/evaluate`, { inputs: [jn64(30_000), jsonF64(new Array(100).fill(0))] });
    expect(r.body.error).toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringMatching(/maxLoopIterations/) });
    expect(r.status).toBe(422);
  });
});

describe('concurrency and deadlines', () => {
  let s: TestServer, rpc: GrpcCaller, loopModel = '';
  beforeAll(async () => {
    s = await startServer({ limits: { maxConcurrent: 1, deadlineMs: 1500 } });
    rpc = new GrpcCaller(s.grpcAddress);
    loopModel = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(loop, ...loopSpecs) })).body.model.id;
  });
  afterAll(async () => { rpc.close(); await s.close(); });

  it('concurrent computations: 429 / RESOURCE_EXHAUSTED while one runs; the deadline: 504 / DEADLINE_EXCEEDED', async () => {
    const t0 = performance.now();
    const long = http(s, 'POST', `/v1/models/${loopModel}/evaluate`, { inputs: [jn64(4_000_000), jsonF64(new Array(100).fill(0))] });
    await new Promise((r) => setTimeout(r, 300));
    const busy = await http(s, 'POST', `/v1/models/${loopModel}/evaluate`, { inputs: [jn64(1), jsonF64(new Array(100).fill(0))] });
    expect(busy.status).toBe(429);
    expect(busy.body.error).toMatchObject({ code: 'QUOTA_EXCEEDED', message: expect.stringMatching(/maxConcurrent/) });
    const gbusy = await rpc.call(`${G}Evaluate`, g.EvaluateRequestSchema, g.EvaluateResponseSchema, { modelId: loopModel, inputs: [n64(1), f64(new Array(100).fill(0))] }).catch((e) => e);
    expect(gbusy.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const r = await long;
    expect(r.status).toBe(504);
    expect(r.body.error).toMatchObject({ code: 'DEADLINE_EXCEEDED', message: expect.stringMatching(/deadlineMs/) });
    expect(performance.now() - t0).toBeLessThan(4000);
  }, 30_000);
});

describe('tapes', () => {
  let s: TestServer, model = '';
  const sq = (x: any) => np.sum(np.square(x));
  const vjp = () => http(s, 'POST', `/v1/models/${model}/vjp`, { inputs: [jsonF64([1, 2, 3])] });
  const backward = (id: string) => http(s, 'POST', `/v1/tapes/${id}/backward`, { cotangents: [jsonF64([1], [])] });
  afterAll(async () => { await s.close(); });

  it('past maxTapesPerTenant: 429 naming the limit; releasing one makes room', async () => {
    s = await startServer({ limits: { maxTapesPerTenant: 2 } });
    model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(sq, spec(3)) })).body.model.id;
    const [a] = [await vjp(), await vjp()];
    const third = await vjp();
    expect(third.status).toBe(429);
    expect(third.body.error.message).toMatch(/maxTapesPerTenant/);
    await http(s, 'DELETE', `/v1/tapes/${a.body.tapeId}`);
    expect((await vjp()).status).toBe(200);
    await s.close();
  });

  it('an expired tape is NOT_FOUND saying it expired', async () => {
    s = await startServer({ limits: { tapeTtlMs: 1500 } });
    model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(sq, spec(3)) })).body.model.id;
    await vjp(); // the tape thread is warm: the next tape's 1.5 s are not spent starting it
    const t = (await vjp()).body;
    expect((await backward(t.tapeId)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1800));
    const r = await backward(t.tapeId);
    expect(r.status).toBe(404);
    expect(r.body.error.message).toMatch(/expired at .* \(tapes live 1.5 s\)/);
    await s.close();
  });

  it('past the memory cap the least recently used tape is evicted, and says so', async () => {
    // sum(square(x)) for x of 3 float64: inputs 24 bytes, nodes 24 + 8: a tape of 56 bytes. Room for two.
    s = await startServer({ limits: { tapeMemoryBytes: 120 } });
    model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(sq, spec(3)) })).body.model.id;
    const [a, b] = [(await vjp()).body.tapeId, (await vjp()).body.tapeId];
    expect((await backward(a)).status).toBe(200); // a is now more recently used than b
    const c = (await vjp()).body.tapeId;
    const gone = await backward(b);
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toMatch(/evicted .* least recently used first/);
    expect((await backward(a)).status).toBe(200);
    expect((await backward(c)).status).toBe(200);
    const m = (await http(s, 'GET', '/metrics')).body;
    expect(m).toMatch(/^gradd_tapes 2$/m);
    expect(m).toMatch(/^gradd_tape_bytes 112$/m);
  });
});
