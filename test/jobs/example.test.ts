// examples/remote-mlp.ts: the loss it prints falls and the classifier fits its data, with a server of its
// own (no GRADD_URL) and with a running one over HTTP (GRADD_URL).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { startServer } from '../server/helpers.js';

const run = async (env: Record<string, string> = {}) =>
  (await promisify(execFile)(process.execPath, ['--import', 'tsx', 'examples/remote-mlp.ts'], { cwd: join(import.meta.dirname, '../..'), env: { ...process.env, ...env } })).stdout;

function check(out: string) {
  const losses = [...out.matchAll(/^step +\d+ +loss ([\d.]+)/gm)].map((m) => Number(m[1]));
  expect(losses.length).toBeGreaterThanOrEqual(8);
  expect(losses.at(-1)).toBeLessThan(losses[0] / 10);
  expect(out).toMatch(/step {2}3000 {2}loss/);
  expect(Number(/training accuracy ([\d.]+)%/.exec(out)![1])).toBeGreaterThanOrEqual(95);
}

describe('examples/remote-mlp.ts', () => {
  it('trains on a server it starts itself', async () => check(await run()), 120_000);

  it('trains on the server at GRADD_URL (HTTP)', async () => {
    const s = await startServer({ workers: 1 });
    try {
      const out = await run({ GRADD_URL: s.url });
      expect(out).toContain(`on ${s.url}`);
      check(out);
    } finally { await s.close(); }
  }, 120_000);
});
