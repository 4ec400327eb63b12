// The tape thread is never terminated, so a cancelled or timed-out Vjp or Backward must stop by itself: the
// request's abort flag stops the forward or reverse pass at its next node, and the tape thread is free again
// at once (a later tape request would otherwise wait for the abandoned computation to end).
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { tensorToProto } from '../../core/graph/wire.js';
import { f64, G, GrpcCaller, http, jsonGraph, startServer, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const loop = (n: any, x: any) => np.sum(np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x));
const n64 = (n: number) => tensorToProto(NDArray.fromData([n], [], 'int64'));
const x0 = f64(new Array(100).fill(0), [100]);

let s: TestServer, rpc: GrpcCaller, model = '', perIteration = 0;
const vjp = (n: number, opts: { deadline?: number; signal?: AbortSignal } = {}) =>
  rpc.call(`${G}Vjp`, g.VjpRequestSchema, g.VjpResponseSchema, { modelId: model, inputs: [n64(n), x0], argnums: [1] }, opts);
const backward = (tapeId: string, opts: { deadline?: number; signal?: AbortSignal } = {}) =>
  rpc.call(`${G}Backward`, g.BackwardRequestSchema, g.BackwardResponseSchema, { tapeId, cotangents: [f64([1], [])] }, opts);
/** How long a small Vjp takes to be answered: it waits for whatever the tape thread is still running. */
async function quickVjp(): Promise<number> {
  const t0 = performance.now();
  await vjp(10);
  return performance.now() - t0;
}

beforeAll(async () => {
  s = await startServer({ workers: 1 });
  rpc = new GrpcCaller(s.grpcAddress);
  model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(loop, { dtype: 'int64', shape: [] }, { dtype: 'float64', shape: [100] }) })).body.model.id;
  await vjp(20_000); // warm the tape thread
  const t0 = performance.now();
  await vjp(40_000);
  perIteration = (performance.now() - t0) / 40_000;
});
afterAll(async () => { rpc.close(); await s.close(); });

describe('cancelling work on the tape thread', () => {
  it('a Vjp past its deadline answers DEADLINE_EXCEEDED and stops its forward pass', async () => {
    const n = Math.round(15_000 / perIteration); // about 15 s
    await expect(vjp(n, { deadline: 400 })).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    expect(await quickVjp()).toBeLessThan(3000);
  }, 60_000);

  it('a cancelled Vjp stops its forward pass', async () => {
    const ctrl = new AbortController();
    const long = vjp(Math.round(15_000 / perIteration), { signal: ctrl.signal }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 400));
    ctrl.abort();
    expect((await long).code).toBe(grpc.status.CANCELLED);
    expect(await quickVjp()).toBeLessThan(3000);
  }, 60_000);

  it('a Backward past its deadline stops its reverse pass; the tape stays usable', async () => {
    const tape = await vjp(Math.round(4000 / perIteration)); // its reverse pass takes about a fifth of that
    let t0 = performance.now();
    const full = (await backward(tape.tapeId)).grads[0];
    const reverse = performance.now() - t0;
    t0 = performance.now();
    await expect(backward(tape.tapeId, { deadline: 100 })).rejects.toMatchObject({ code: grpc.status.DEADLINE_EXCEEDED });
    expect(performance.now() - t0).toBeLessThan(reverse);
    expect(await quickVjp()).toBeLessThan((reverse - 100) / 2);
    expect((await backward(tape.tapeId)).grads[0]).toEqual(full);
  }, 60_000);
});
