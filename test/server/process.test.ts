// The `gradd serve` process: models survive kill -9 (written atomically before RegisterModel answers);
// SIGTERM lets in-flight requests finish and exits 0.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { np } from '../../core/np.js';
import { catalogVersion } from '../../core/graph/version.js';
import { NODE_FLAGS } from '../../server/config.js';
import { http, jsonF64, jsonGraph, killAll, serveProcess } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const dataDir = mkdtempSync(join(tmpdir(), 'gradd-proc-'));
afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

const loop = (n: any, x: any) => np.sum(np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x));

describe('gradd serve', () => {
  let id = '', loopId = '';

  it('keeps registered models across kill -9', async () => {
    const a = await serveProcess(dataDir);
    const r = await http(a, 'POST', '/v1/models', { graph: jsonGraph((x: any) => np.sum(np.square(x)), { dtype: 'float64', shape: [3] }), name: 'squares' });
    id = r.body.model.id;
    loopId = (await http(a, 'POST', '/v1/models', { graph: jsonGraph(loop, { dtype: 'int64', shape: [] }, { dtype: 'float64', shape: [10] }) })).body.model.id;
    a.child.kill('SIGKILL');
    await a.exited;
    const files = readdirSync(join(dataDir, 'models'), { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(2);
    const stored = JSON.parse(readFileSync(join(dataDir, 'models', files.find((f) => f.includes(id))!), 'utf8'));
    expect(stored.checkedCatalogVersion).toBe(catalogVersion());

    const b = await serveProcess(dataDir);
    const m = await http(b, 'GET', `/v1/models/${id}`);
    expect(m.status).toBe(200);
    expect(m.body.name).toBe('squares');
    const v = await http(b, 'POST', `/v1/models/${id}/valueAndGrad`, { inputs: [jsonF64([1, 2, 3])] });
    expect(Buffer.from(v.body.grads[0].rawContents, 'base64')).toEqual(Buffer.from(new Float64Array([2, 4, 6]).buffer));
    b.child.kill('SIGKILL');
    await b.exited;
  }, 90_000);

  // The server's Node flags (the young generation's size, collected on one thread), and --trace-gc: Worker refuses them all when they are passed to it.
  const onWorkers = async (entry: string[]) => {
    const s = await serveProcess(dataDir, undefined, [], entry);
    // A graph with a loop runs on the worker pool, never inline.
    const r = await http(s, 'POST', `/v1/models/${loopId}/evaluate`, { inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: ['2'] } }, jsonF64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])] });
    expect(r.status).toBe(200);
    const want = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((t, v) => t + Math.sin(Math.sin(v + 1) + 1), 0);
    expect(new Float64Array(new Uint8Array(Buffer.from(r.body.outputs[0].rawContents, 'base64')).buffer)[0]).toBeCloseTo(want, 12);
    s.child.kill('SIGKILL');
    await s.exited;
  };

  it('the compiled server (npm start) starts under Node flags that worker threads refuse when they are passed to them, and computes on them', async () => {
    const cli = join(import.meta.dirname, '../../dist/server/cli.js');
    expect(existsSync(join(import.meta.dirname, '../../dist/server/threads.js')), 'dist/ is missing or stale: run npm run build:ts').toBe(true);
    await onWorkers(['--trace-gc', ...NODE_FLAGS, cli]);
  }, 90_000);

  it('so does the server from its TypeScript sources (as bench/server.ts starts it without a build)', async () => {
    await onWorkers([...NODE_FLAGS, '--import', 'tsx', 'server/cli.ts']);
  }, 90_000);

  it('drains on SIGTERM: the in-flight request finishes, new ones are refused, exit code 0', async () => {
    const c = await serveProcess(dataDir);
    const inputs = (n: number) => ({ inputs: [{ datatype: 'INT64', shape: [], contents: { int64Contents: [String(n)] } }, jsonF64(new Array(10).fill(0))] });
    await http(c, 'POST', `/v1/models/${loopId}/evaluate`, inputs(1000));
    const t0 = performance.now();
    await http(c, 'POST', `/v1/models/${loopId}/evaluate`, inputs(20_000));
    const perIteration = (performance.now() - t0) / 20_000;
    const inflight = http(c, 'POST', `/v1/models/${loopId}/evaluate`, inputs(Math.round(2000 / perIteration)));
    await new Promise((r) => setTimeout(r, 300));
    c.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    const refused = await http(c, 'GET', '/v2/health/ready').catch((e) => e);
    expect(refused instanceof Error || refused.status === 503).toBe(true);
    const r = await inflight;
    expect(r.status).toBe(200);
    expect(await c.exited).toBe(0);
  }, 90_000);
});
