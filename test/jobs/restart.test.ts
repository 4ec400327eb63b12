// Nothing lost: `gradd serve` killed with -9 after a checkpoint, or stopped with SIGTERM (which checkpoints
// the last step done), restarts and resumes the job by itself from its checkpoint; the job ends with the
// parameters and loss history of an uninterrupted embedded run, bit for bit.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { http, jsonGraph } from '../server/helpers.js';
import { embedded, jsonTensor, killAll, MLP_SPECS, mlpData, mlpLoss, rawValues, serveProcess, sse, waitJob } from './helpers.js';

const dataDir = mkdtempSync(join(tmpdir(), 'gradd-jobs-'));
afterAll(() => { killAll(); rmSync(dataDir, { recursive: true, force: true }); });
const serve = () => serveProcess(dataDir);

const STEPS = 6000, EVERY = 500;
const { X, t, w1, w2 } = mlpData();
let want: ReturnType<typeof embedded>, model = '';
const job = (checkpointEvery: number) => ({
  modelId: model, argnums: [0, 1], params: [jsonTensor(w1), jsonTensor(w2)], inputs: [jsonTensor(X), jsonTensor(t)],
  optimizer: { name: 'adam', hyperparameters: { step_size: 0.01 } }, steps: STEPS, checkpointEvery,
});
const stepsDone = async (s: { url: string }) => Number(/^gradd_job_steps_total (\d+)/m.exec((await http(s, 'GET', '/metrics')).body)![1]);

beforeAll(() => {
  want = embedded(mlpLoss, MLP_SPECS, [w1, w2], [X, t], 'adam', { numIters: STEPS, stepSize: 0.01 });
});

/** The finished job against the uninterrupted embedded run. */
function expectUninterrupted(done: any) {
  expect(done.state).toBe('JOB_STATE_SUCCEEDED');
  expect(done.paramsStep).toBe(STEPS);
  const got = done.params.map(rawValues) as number[][];
  got.forEach((p, k) => p.forEach((v, i) => expect(Math.abs(v - want.x[k][i])).toBeLessThanOrEqual(1e-12 * Math.abs(want.x[k][i]))));
  expect(got).toEqual(want.x); // bit for bit: the kernels are deterministic
  expect(done.lossHistory.map(Number)).toEqual(want.losses);
}

describe('jobs survive the server', () => {
  it('kill -9 after a checkpoint: the restarted server resumes the job from it and ends as an uninterrupted run', async () => {
    const a = await serve();
    model = (await http(a, 'POST', '/v1/models', { graph: jsonGraph(mlpLoss, ...MLP_SPECS) })).body.model.id;
    const id = (await http(a, 'POST', '/v1/jobs', job(EVERY))).body.id;
    const seen = await sse(a, id, {}, (e) => e.data.checkpoint && e.data.step >= 2 * EVERY);
    const kept = seen.events.at(-1)!.data.step;
    a.child.kill('SIGKILL');
    await a.exited;
    expect(kept).toBeLessThan(STEPS);

    const b = await serve();
    const first = (await http(b, 'GET', `/v1/jobs/${id}`)).body;
    expect(first.paramsStep).toBeGreaterThanOrEqual(kept); // from its checkpoint, not from the start
    expect(first.paramsStep % EVERY).toBe(0);
    expectUninterrupted((await waitJob(b, id)).body);
    expect(await stepsDone(b)).toBe(STEPS - first.paramsStep);
    b.child.kill('SIGKILL');
    await b.exited;
  }, 120_000);

  it('SIGTERM checkpoints the last step done (with no checkpoint interval); the job resumes after the restart', async () => {
    const a = await serve();
    const id = (await http(a, 'POST', '/v1/jobs', job(0))).body.id;
    await sse(a, id, {}, (e) => e.data.step >= 1000);
    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(readdirSync(join(dataDir, 'jobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const b = await serve();
    const first = (await http(b, 'GET', `/v1/jobs/${id}`)).body;
    expect(first.paramsStep).toBeGreaterThanOrEqual(1000);
    expect(first.lossHistory.length).toBeGreaterThanOrEqual(first.paramsStep);
    expectUninterrupted((await waitJob(b, id)).body);
    expect(await stepsDone(b)).toBe(STEPS - first.paramsStep);
    b.child.kill('SIGKILL');
    await b.exited;
  }, 120_000);
});
