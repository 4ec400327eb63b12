import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const importGradd = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./index.ts').then(() => console.log('loaded'), (e) => { console.error(e.code + ': ' + e.message); process.exit(3); })"],
    { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' });

describe('importing gradd', () => {
  it('says the addon is missing and how to build it, instead of a loader stack trace', () => {
    const r = importGradd({ GRADD_NATIVE_PATH: '/nonexistent/gradd_native.node' });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/NATIVE_MISSING: gradd's native addon is not built/);
    expect(r.stderr).toMatch(/npm run build:native/);
    expect(r.stderr).not.toMatch(/at Module\._load|MODULE_NOT_FOUND/);
  });
});
