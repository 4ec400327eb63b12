// The Jobs service over HTTP and gRPC: a job's parameters and loss history are those of the same optimizer
// run embedded (bit for bit), progress streams to the terminal state, cancellation keeps the parameters of
// the last step, and jobs obey the tenant rules and limits.
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as j from '../../core/graph/gen/gradd/v1/jobs_pb.js';
import { np } from '../../core/np.js';
import { f64, GrpcCaller, http, jsonF64, jsonGraph, startServer, type TestServer } from '../server/helpers.js';
import { embedded, grpcWatch, J, jsonTensor, MLP_SPECS, mlpData, mlpLoss, rawValues, sse, waitJob } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const { X, t, w1, w2 } = mlpData();
// slow(x, n) = Σ (x − L(x))² where L runs n iterations of s ← sin(s + 1) from x: a step whose cost is set by n.
const slow = (x: any, n: any) => np.sum(np.square(np.subtract(x, np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x))));
const n64 = (n: number) => ({ datatype: 'INT64', shape: [], contents: { int64Contents: [String(n)] } });

let s: TestServer, rpc: GrpcCaller, mlp = '', slowId = '';
const TOKENS = new Map([['tok-a', 'alice'], ['tok-b', 'bob']]);
const A = { authorization: 'Bearer tok-a' }, B = { authorization: 'Bearer tok-b' };
const mlpJob = (optimizer: object, steps: number, extra: object = {}) =>
  ({ modelId: mlp, argnums: [0, 1], params: [jsonTensor(w1), jsonTensor(w2)], inputs: [jsonTensor(X), jsonTensor(t)], optimizer, steps, ...extra });
const slowJob = (steps = 1_000_000, n = 20_000) => ({ modelId: slowId, params: [jsonF64(new Array(10).fill(0.1))], inputs: [n64(n)], optimizer: { name: 'sgd' }, steps });

beforeAll(async () => {
  s = await startServer({ workers: 1, tokens: TOKENS, limits: { maxJobsPerTenant: 3, maxJobSteps: 1_000_000, maxRunningJobs: 2 } });
  rpc = new GrpcCaller(s.grpcAddress);
  mlp = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(mlpLoss, ...MLP_SPECS) }, A)).body.model.id;
  slowId = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(slow, { dtype: 'float64', shape: [10] }, { dtype: 'int64', shape: [] }) }, A)).body.model.id;
  await http(s, 'POST', '/v1/models', { graph: jsonGraph(slow, { dtype: 'float64', shape: [10] }, { dtype: 'int64', shape: [] }) }, B);
});
afterAll(async () => { rpc.close(); await s.close(); });

describe('a job is the embedded run, remotely', () => {
  for (const [name, opts, embed] of [
    ['adam', { step_size: 0.05 }, ['adam', { stepSize: 0.05 }]],
    ['sgd', { step_size: 0.2 }, ['sgd', { stepSize: 0.2, mass: 0 }]],
    ['momentum', { step_size: 0.2 }, ['sgd', { stepSize: 0.2, mass: 0.9 }]],
    ['rmsprop', { step_size: 0.01, gamma: 0.8 }, ['rmsprop', { stepSize: 0.01, gamma: 0.8 }]],
  ] as const) {
    it(`${name}: the same parameters and loss history, bit for bit`, async () => {
      const r = await http(s, 'POST', '/v1/jobs', mlpJob({ name, hyperparameters: opts }, 150, { checkpointEvery: 40 }), A);
      expect(r.status).toBe(200);
      const done = (await waitJob(s, r.body.id, A)).body;
      expect(done.state).toBe('JOB_STATE_SUCCEEDED');
      expect(done.paramsStep).toBe(150);
      const want = embedded(mlpLoss, MLP_SPECS, [w1, w2], [X, t], embed[0], { numIters: 150, ...embed[1] });
      expect(done.params.map(rawValues)).toEqual(want.x);
      expect(done.lossHistory.map(Number)).toEqual(want.losses);
      expect(want.losses[149]).toBeLessThan(want.losses[0]);
    });
  }

  it('lbfgs minimizes the Rosenbrock function to 1e-8 and ends early, converged', async () => {
    const rosen = (x: any) => np.add(np.square(np.subtract(1, x.get(0))), np.multiply(100, np.square(np.subtract(x.get(1), np.square(x.get(0))))));
    const model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(rosen, { dtype: 'float64', shape: [2] }) }, A)).body.model.id;
    const r = await http(s, 'POST', '/v1/jobs', { modelId: model, params: [jsonF64([-1.2, 1])], optimizer: { name: 'lbfgs', hyperparameters: { gtol: 1e-12 } }, steps: 500 }, A);
    const done = (await waitJob(s, r.body.id, A)).body;
    expect(done.state).toBe('JOB_STATE_SUCCEEDED');
    expect(done.progress.step).toBeLessThan(100);
    rawValues(done.params[0]).forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-8));
    expect(done.optimizer.hyperparameters).toEqual({ history: 10, gtol: 1e-12, c1: 1e-4, c2: 0.9 });
  });
});

describe('progress', () => {
  it('WatchJob over gRPC: steps rise to the last, which carries the final state; the stream then ends', async () => {
    const job = await rpc.call(`${J}StartJob`, j.StartJobRequestSchema, j.JobSchema, {
      modelId: slowId, params: [f64(new Array(10).fill(0.1))], inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: [500n] } }],
      optimizer: { name: 'adam', hyperparameters: { step_size: 0.01 } }, steps: 300, checkpointEvery: 100,
    }, { token: 'tok-a' });
    const { events, error } = await grpcWatch(rpc.client, job.id, 'tok-a');
    expect(error).toBeUndefined();
    const last = events.at(-1)!;
    expect(last.state).toBe(j.JobState.SUCCEEDED);
    expect(last.step).toBe(300);
    expect(events.filter((e) => e.state === j.JobState.SUCCEEDED)).toHaveLength(1);
    events.slice(1).forEach((e, i) => expect(e.step).toBeGreaterThanOrEqual(events[i].step));
    expect(events.length).toBeGreaterThan(2);
    expect(events.some((e) => e.checkpoint && e.step === 100)).toBe(true);
    const running = events.find((e) => e.state === j.JobState.RUNNING && e.step > 0)!;
    expect(running.stepsPerSecond).toBeGreaterThan(0);
    expect(Number(running.elapsed!.seconds) + running.elapsed!.nanos / 1e9).toBeGreaterThan(0);
  });

  it('WatchJob over HTTP is a stream of server-sent events ending with the final state', async () => {
    const r = await http(s, 'POST', '/v1/jobs', mlpJob({ name: 'adam' }, 400), A);
    const { status, type, events } = await sse(s, r.body.id, A);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(events.every((e) => e.event === 'progress')).toBe(true);
    expect(events.at(-1)!.data).toMatchObject({ state: 'JOB_STATE_SUCCEEDED', step: 400 });
    // A finished job's stream is its final event alone.
    const again = await sse(s, r.body.id, A);
    expect(again.events.map((e) => e.data.state)).toEqual(['JOB_STATE_SUCCEEDED']);
  });
});

describe('cancelling', () => {
  it('stops after the current step; the parameters of that step are kept; the watch ends CANCELLED', async () => {
    const r = await http(s, 'POST', '/v1/jobs', slowJob(), A);
    const watch = sse(s, r.body.id, A);
    await waitJob(s, r.body.id, A, (b) => b.progress.step >= 3);
    const c = await http(s, 'POST', `/v1/jobs/${r.body.id}/cancel`, undefined, A);
    expect(c.status).toBe(200);
    expect(c.body.state).toBe('JOB_STATE_CANCELLED');
    const got = (await http(s, 'GET', `/v1/jobs/${r.body.id}`, undefined, A)).body;
    expect(got.paramsStep).toBe(got.progress.step);
    expect(got.lossHistory).toHaveLength(got.progress.step);
    // sgd: x₁ = x₀ − 0.1·∇, and ∇ ≠ 0: the kept parameters moved.
    expect(rawValues(got.params[0])).not.toEqual(new Array(10).fill(0.1));
    expect((await watch).events.at(-1)!.data.state).toBe('JOB_STATE_CANCELLED');
    expect((await http(s, 'POST', `/v1/jobs/${r.body.id}/cancel`, undefined, A)).body.state).toBe('JOB_STATE_CANCELLED');
  });
});

describe('tenants and limits', () => {
  it('another tenant\'s job is NOT_FOUND, over HTTP and gRPC; listing shows one\'s own', async () => {
    const r = await http(s, 'POST', '/v1/jobs', mlpJob({ name: 'adam' }, 5), A);
    await waitJob(s, r.body.id, A);
    for (const path of [`/v1/jobs/${r.body.id}`, `/v1/jobs/${r.body.id}/watch`]) expect((await http(s, 'GET', path, undefined, B)).status).toBe(404);
    expect((await http(s, 'POST', `/v1/jobs/${r.body.id}/cancel`, undefined, B)).status).toBe(404);
    await expect(rpc.call(`${J}GetJob`, j.GetJobRequestSchema, j.JobSchema, { jobId: r.body.id }, { token: 'tok-b' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    expect((await grpcWatch(rpc.client, r.body.id, 'tok-b')).error?.code).toBe(grpc.status.NOT_FOUND);
    expect((await http(s, 'GET', '/v1/jobs', undefined, B)).body.jobs ?? []).toEqual([]);
    const mine = (await http(s, 'GET', `/v1/jobs?modelId=${mlp}`, undefined, A)).body.jobs;
    expect(mine.some((x: any) => x.id === r.body.id)).toBe(true);
    expect(mine.every((x: any) => x.modelId === mlp && !x.params && !x.lossHistory)).toBe(true);
    expect((await http(s, 'GET', '/v1/jobs')).status).toBe(401);
  });

  it('pages through ListJobs', async () => {
    const all = (await http(s, 'GET', '/v1/jobs?pageSize=1000', undefined, A)).body.jobs.map((x: any) => x.id);
    const seen: string[] = [];
    let token = '';
    do {
      const page = (await http(s, 'GET', `/v1/jobs?pageSize=2${token ? `&pageToken=${token}` : ''}`, undefined, A)).body;
      seen.push(...page.jobs.map((x: any) => x.id));
      token = page.nextPageToken ?? '';
    } while (token);
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThan(4);
  });

  it('runs at most maxRunningJobs at once, the rest QUEUED; past maxJobsPerTenant active jobs, 429', async () => {
    const ids: string[] = [];
    for (let k = 0; k < 3; k++) ids.push((await http(s, 'POST', '/v1/jobs', slowJob(), A)).body.id);
    const states = async () => Promise.all(ids.map(async (id) => (await http(s, 'GET', `/v1/jobs/${id}`, undefined, A)).body.state));
    expect((await states()).sort()).toEqual(['JOB_STATE_QUEUED', 'JOB_STATE_RUNNING', 'JOB_STATE_RUNNING']);
    const fourth = await http(s, 'POST', '/v1/jobs', slowJob(), A);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.message).toMatch(/maxJobsPerTenant/);
    // bob's job goes before alice's queued one: the next job comes from the tenant with the fewest running.
    const bobModel = (await http(s, 'GET', '/v1/models', undefined, B)).body.models[0].id;
    const bob = (await http(s, 'POST', '/v1/jobs', { ...slowJob(), modelId: bobModel }, B)).body.id;
    const queued = ids[(await states()).indexOf('JOB_STATE_QUEUED')];
    await http(s, 'POST', `/v1/jobs/${ids.find((id) => id !== queued)}/cancel`, undefined, A);
    expect((await waitJob(s, bob, B, (b) => b.state !== 'JOB_STATE_QUEUED')).body.state).toBe('JOB_STATE_RUNNING');
    expect((await http(s, 'GET', `/v1/jobs/${queued}`, undefined, A)).body.state).toBe('JOB_STATE_QUEUED');
    const m = (await http(s, 'GET', '/metrics', undefined, A)).body;
    expect(m).toMatch(/^gradd_jobs_running 2$/m);
    expect(m).toMatch(/^gradd_jobs_queued 1$/m);
    // Cancelling a queued job ends it at once, with its initial parameters.
    const c = await http(s, 'POST', `/v1/jobs/${queued}/cancel`, undefined, A);
    expect(c.body.state).toBe('JOB_STATE_CANCELLED');
    expect(rawValues((await http(s, 'GET', `/v1/jobs/${queued}`, undefined, A)).body.params[0])).toEqual(new Array(10).fill(0.1));
    for (const id of ids) await http(s, 'POST', `/v1/jobs/${id}/cancel`, undefined, A);
    await http(s, 'POST', `/v1/jobs/${bob}/cancel`, undefined, B);
    expect((await http(s, 'GET', '/metrics', undefined, A)).body).toMatch(/^gradd_jobs_running 0$/m);
  });

  it('refuses what it cannot run, naming why', async () => {
    const bad = async (body: object, status: number, re: RegExp) => {
      const r = await http(s, 'POST', '/v1/jobs', body, A);
      expect(r.status, JSON.stringify(r.body)).toBe(status);
      expect(r.body.error.message).toMatch(re);
    };
    await bad(mlpJob({ name: 'newton' }, 5), 400, /optimizer.name is "newton"; one of sgd, momentum, rmsprop, adam, lbfgs/);
    await bad(mlpJob({ name: 'adam', hyperparameters: { mass: 0.5 } }, 5), 400, /adam has no hyperparameter "mass"/);
    await bad(mlpJob({ name: 'lbfgs', hyperparameters: { c1: 0.95 } }, 5), 400, /0 < c1 < c2 < 1/);
    await bad(mlpJob({ name: 'adam' }, 0), 400, /steps must be at least 1/);
    await bad(mlpJob({ name: 'adam' }, 2_000_000), 422, /maxJobSteps/);
    await bad({ ...mlpJob({ name: 'adam' }, 5), params: [jsonTensor(w2), jsonTensor(w2)] }, 400, /params\[0\] has shape \[4\], but model input 0 has shape \[3, 4\]/);
    await bad({ ...mlpJob({ name: 'adam' }, 5), inputs: [jsonTensor(X)] }, 400, /inputs has 1 tensors; 2 expected \(model inputs 2, 3\)/);
    await bad({ ...mlpJob({ name: 'adam' }, 5), argnums: [0, 0] }, 400, /argnums lists input 0 twice/);
    await bad({ ...slowJob(), argnums: [1], params: [n64(3)], inputs: [jsonF64(new Array(10).fill(0))] }, 400, /model input 1 is INT64; the optimizers work on FP64 parameters/);
    await bad({ ...mlpJob({ name: 'adam' }, 5), modelId: 'nope' }, 404, /model "nope" not found/);
    const vec = (await http(s, 'POST', '/v1/models', { graph: jsonGraph((x: any) => np.square(x), { dtype: 'float64', shape: [2] }) }, A)).body.model.id;
    await bad({ modelId: vec, params: [jsonF64([1, 2])], steps: 3 }, 400, /a job minimizes a real scalar output; output 0 is FP64\[2\]/);
  });

  it('a step that fails ends the job FAILED with the error, keeping the last step done', async () => {
    // loss(x) = Σ cholesky([[1, x], [x, 1]]) − 10x: sgd's first step takes x past 1, where the matrix is not positive definite.
    const f = (x: any) => np.subtract(np.sum(np.linalg.cholesky(np.add(np.eye(2), np.multiply(x, np.array([[0, 1], [1, 0]]))))), np.multiply(10, x));
    const model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(f, { dtype: 'float64', shape: [] }) }, A)).body.model.id;
    const r = await http(s, 'POST', '/v1/jobs', { modelId: model, params: [jsonF64([0.5], [])], optimizer: { name: 'sgd', hyperparameters: { step_size: 0.3 } }, steps: 50 }, A);
    const done = (await waitJob(s, r.body.id, A)).body;
    expect(done.state).toBe('JOB_STATE_FAILED');
    expect(done.errorCode).toBe('LINALG_ERROR');
    expect(done.errorMessage).toMatch(/^step 2: /);
    expect(done.progress.step).toBe(1);
    expect(done.paramsStep).toBe(1);
    // x₁ = 0.5 − 0.3·(1 − 0.5/√0.75 − 10)
    expect(rawValues(done.params[0])[0]).toBeCloseTo(0.5 - 0.3 * (1 - 0.5 / Math.sqrt(0.75) - 10), 12);
  });
});

afterAll(() => { if (s?.dataDir) rmSync(s.dataDir, { recursive: true, force: true }); });
