// The client's jobs: model.minimize starts a job whose events and result are those of the embedded run, over
// gRPC and HTTP; a job is cancelled; client.job(id) reopens a job, and a watch goes on across a kill -9 and
// restart of the server (on the same ports), ending with the uninterrupted run's parameters.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client, type Model, type Progress } from '../../client/index.js';
import { NDArray } from '../../core/ndarray.js';
import { np } from '../../core/np.js';
import { embedded, killAll, MLP_SPECS, mlpData, mlpLoss, serveProcess } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const dataDir = mkdtempSync(join(tmpdir(), 'gradd-client-jobs-'));
const { X, t, w1, w2 } = mlpData();
const values = (a: any) => Array.from((a as NDArray).values());
const freePort = () => new Promise<number>((resolve) => { const s = createServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); }); });

let ports: { http: number; grpc: number }, server: Awaited<ReturnType<typeof serveProcess>>;
beforeAll(async () => {
  ports = { http: await freePort(), grpc: await freePort() };
  server = await serveProcess(dataDir, ports);
}, 60_000);
afterAll(() => { killAll(); rmSync(dataDir, { recursive: true, force: true }); });

for (const scheme of ['grpc', 'http'] as const) {
  describe(`jobs from the client over ${scheme}`, () => {
    let client: Client, model: Model;
    beforeAll(async () => {
      client = await connect(`${scheme}://127.0.0.1:${ports[scheme]}`);
      model = await client.register(mlpLoss, ...MLP_SPECS);
    });
    afterAll(() => client.close());

    it('model.minimize: the events rise to the final one; result() is the embedded run\'s parameters', async () => {
      const job = await model.minimize([w1, w2], { argnum: [0, 1], inputs: [X, t], optimizer: 'adam', steps: 300, stepSize: 0.05, checkpointEvery: 100 });
      expect(job.id).toMatch(/^j-/);
      const events: Progress[] = [];
      for await (const p of job) events.push(p);
      expect(events.at(-1)).toMatchObject({ state: 'succeeded', step: 300, jobId: job.id });
      events.slice(1).forEach((e, i) => expect(e.step).toBeGreaterThanOrEqual(events[i].step));
      const want = embedded(mlpLoss, MLP_SPECS, [w1, w2], [X, t], 'adam', { numIters: 300, stepSize: 0.05 });
      const [a, b] = await job.result();
      expect([values(a), values(b)]).toEqual(want.x);
      expect(a.shape).toEqual([3, 4]);
      const info = await job.get();
      expect(info.losses).toEqual(want.losses);
      expect(info.optimizer).toEqual({ name: 'adam', hyperparameters: { step_size: 0.05, b1: 0.9, b2: 0.999, eps: 1e-8 } });
    });

    it('a scalar argument comes back a number; cancel() stops a job, and result() then says so', async () => {
      const slow = await client.register((x: any, n: any) => np.sum(np.square(np.subtract(x, np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x)))),
        { dtype: 'float64', shape: [] }, { dtype: 'int64', shape: [] });
      const job = await slow.minimize(0.3, { inputs: [NDArray.fromData([5000], [], 'int64')], optimizer: 'sgd', steps: 1_000_000 });
      for await (const p of job) if (p.step >= 2) break;
      const info = await job.cancel();
      expect(info.state).toBe('cancelled');
      expect(typeof info.params).toBe('number');
      await expect(job.result()).rejects.toMatchObject({ code: 'CANCELLED' });
      await expect(model.minimize([w1, w2], { argnum: [0, 1], inputs: [X, t], steps: 3, momentum: 0.5 } as any)).rejects.toThrow(/unknown option "momentum"/);
    });
  });
}

describe('client.job(id) after a server restart', () => {
  it('a watch goes on across kill -9 and the restart; the result is the uninterrupted run\'s', async () => {
    const client = await connect(`grpc://127.0.0.1:${ports.grpc}`);
    const model = await client.register(mlpLoss, ...MLP_SPECS);
    const started = await model.minimize([w1, w2], { argnum: [0, 1], inputs: [X, t], optimizer: 'rmsprop', steps: 5000, stepSize: 0.002, checkpointEvery: 250 });
    const job = await client.job(started.id, { argnum: [0, 1] });
    const events: Progress[] = [];
    let killed = false;
    for await (const p of job) {
      events.push(p);
      if (!killed && p.checkpoint && p.step >= 500 && p.state === 'running') {
        killed = true;
        server.child.kill('SIGKILL');
        await server.exited;
        server = await serveProcess(dataDir, ports);
      }
    }
    expect(killed).toBe(true);
    expect(events.at(-1)).toMatchObject({ state: 'succeeded', step: 5000 });
    const want = embedded(mlpLoss, MLP_SPECS, [w1, w2], [X, t], 'rmsprop', { numIters: 5000, stepSize: 0.002 });
    expect((await job.result()).map(values)).toEqual(want.x);
    // Reopened without argnum: one array per optimized model input.
    const flat = await (await client.job(started.id)).result();
    expect(flat.map((a: NDArray) => a.shape)).toEqual([[3, 4], [4]]);
    await expect(client.job('j-none')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await client.close();
  }, 120_000);
});
