// examples/python: a Python gRPC client (Debian's python3 with python3-grpcio, modules generated from proto/
// by examples/python/gen.sh) registers sum(tanh(x)·w) and gets its gradient from a `gradd serve` process.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServerProcess } from './helpers.js';

// Debian's own interpreter: the python3 first on PATH may be another one that cannot see Debian's packages.
const PYTHON = '/usr/bin/python3';
const run = promisify(execFile);

let server: ServerProcess, gen = '';
beforeAll(async () => {
  gen = mkdtempSync(join(tmpdir(), 'gradd-py-'));
  await run('bash', [join(ROOT, 'examples/python/gen.sh'), gen]);
  server = await serve();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  rmSync(gen, { recursive: true, force: true });
});

const grad = (args: string[]) => run(PYTHON, [join(ROOT, 'examples/python/grad.py'), '--address', `127.0.0.1:${server.grpc}`, ...args],
  { env: { ...process.env, PYTHONPATH: gen }, timeout: 60_000 });

describe('examples/python/grad.py', () => {
  it('prints the value and both gradients of sum(tanh(x)·w)', async () => {
    const x = [0.25, -1.5, 3], w = [2, -0.5, 1];
    const { stdout } = await grad(['--x', x.join(','), '--w', w.join(',')]);
    const lines = Object.fromEntries(stdout.trim().split('\n').map((l) => { const [k, ...v] = l.split(' '); return [k === 'grad' ? `grad ${v.shift()}` : k, v]; }));
    expect(lines.model[0]).toMatch(/^[0-9a-f]{32}$/);
    const t = x.map(Math.tanh), near = (got: string[], want: number[]) => expect(got.map(Number)).toEqual(want.map((v) => expect.closeTo(v, 12)));
    near(lines.value, [t.reduce((s, ti, i) => s + ti * w[i], 0)]);
    near(lines['grad x'], t.map((ti, i) => (1 - ti * ti) * w[i])); // d/dx tanh = 1 − tanh²
    near(lines['grad w'], t);
  });

  it('reports the server\'s error code from the trailing metadata', async () => {
    const e = await grad(['--x', '1,2', '--w', '1,2,3']).catch((err) => err);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^error INVALID_ARGUMENT SHAPE_MISMATCH: .*shape \[3\].*\[2\]/);
  });
});
