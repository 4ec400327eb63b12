// `gradd job start|watch|cancel`: a job started from a JSON request and followed to its end with a progress
// bar (exit code 0 when it succeeded, 1 when not), and a running job cancelled.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { http, jsonF64, jsonGraph, startServer, type TestServer } from '../server/helpers.js';
import { jsonTensor, MLP_SPECS, mlpData, mlpLoss, rawValues, waitJob } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const dir = mkdtempSync(join(tmpdir(), 'gradd-cli-'));
let s: TestServer, mlp = '';
const A = { authorization: 'Bearer tok-a' };

/** `gradd ARGS` with the server's URL and token in the environment. */
function gradd(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
    cwd: join(import.meta.dirname, '../..'), env: { ...process.env, GRADD_URL: s.url, GRADD_TOKEN: 'tok-a' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  s = await startServer({ workers: 1, tokens: new Map([['tok-a', 'alice']]) });
  mlp = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(mlpLoss, ...MLP_SPECS) }, A)).body.model.id;
  const { X, t, w1, w2 } = mlpData();
  writeFileSync(join(dir, 'job.json'), JSON.stringify({ modelId: mlp, argnums: [0, 1], params: [jsonTensor(w1), jsonTensor(w2)], inputs: [jsonTensor(X), jsonTensor(t)], optimizer: { name: 'sgd' }, steps: 10 }));
});
afterAll(async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); });

describe('gradd job', () => {
  it('start --watch: prints the id, follows the job to its end, exits 0; the flags override the request', async () => {
    const r = await gradd('job', 'start', join(dir, 'job.json'), '--optimizer', 'adam', '--steps', '3000', '--step-size', '0.02', '--checkpoint-every', '1000', '--watch');
    expect(r.code, r.stderr).toBe(0);
    const [id, summary] = r.stdout.trim().split('\n');
    expect(id).toMatch(/^j-[0-9a-f]{24}$/);
    expect(summary).toMatch(new RegExp(`^${id} succeeded at step 3000 of 3000, loss \\d`));
    expect(r.stderr).toMatch(/steps \| loss .* steps\/s \| (queued|running|succeeded)/);
    const job = (await http(s, 'GET', `/v1/jobs/${id}`, undefined, A)).body;
    expect(job.optimizer).toEqual({ name: 'adam', hyperparameters: { step_size: 0.02, b1: 0.9, b2: 0.999, eps: 1e-8 } });
    expect(job.progress.step).toBe(3000);
  }, 60_000);

  it('watch exits 1 for a job that did not succeed; cancel stops a running one', async () => {
    const slow = (await http(s, 'POST', '/v1/models', { graph: jsonGraph((x: any, n: any) => np.sum(np.square(np.subtract(x, np.forLoop(0, n, (_i: any, v: any) => np.sin(np.add(v, 1)), x)))), { dtype: 'float64', shape: [4] }, { dtype: 'int64', shape: [] }) }, A)).body.model.id;
    const id = (await http(s, 'POST', '/v1/jobs', { modelId: slow, params: [jsonF64([0.1, 0.2, 0.3, 0.4])], inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: ['5000'] } }], optimizer: { name: 'sgd' }, steps: 1_000_000 }, A)).body.id;
    await waitJob(s, id, A, (b) => b.progress.step >= 1);
    const watching = gradd('job', 'watch', id);
    const c = await gradd('job', 'cancel', id);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(new RegExp(`^${id} cancelled at step \\d+`));
    const w = await watching;
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(new RegExp(`^${id} cancelled at step \\d+ of 1000000`));
    expect(rawValues((await http(s, 'GET', `/v1/jobs/${id}`, undefined, A)).body.params[0])).toHaveLength(4);
    const bad = await gradd('job', 'watch', 'j-nope');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/job "j-nope" not found/);
  }, 60_000);
});
