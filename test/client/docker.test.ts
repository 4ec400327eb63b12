// docker/: the image builds with the same script CI runs (scripts/install.sh), and the compose file's ports,
// volume and healthcheck match the server's defaults. (No Docker engine here: the files are checked, and the
// healthcheck command is run against a server.)
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultConfig, NODE_FLAGS } from '../../server/config.js';
import { startServer, type TestServer } from '../server/helpers.js';
import { ROOT } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
/** The Dockerfile's instructions as [KEYWORD, arguments], continuation lines joined and comments dropped. */
const instructions = read('docker/Dockerfile').replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  .map((l) => { const [k, ...rest] = l.split(/\s+/); return [k.toUpperCase(), rest.join(' ')] as const; });
const all = (k: string) => instructions.filter(([i]) => i === k).map(([, a]) => a);
const compose = parse(read('docker/compose.yaml'));
const service = compose.services.gradd;
const defaults = defaultConfig();
const env = Object.fromEntries(all('ENV').flatMap((a) => a.split(/\s+/).map((kv) => kv.split('='))));

describe('docker/Dockerfile', () => {
  it('is Debian 12 with Node 20, and builds with scripts/install.sh, which CI runs too', () => {
    expect(all('FROM')).toEqual(['node:20-bookworm-slim']);
    // The image skips the test-only Debian packages (Chromium, protoc, Python's gRPC); CI installs them all.
    expect(all('RUN').some((r) => /^GRADD_RUNTIME_ONLY=1 bash scripts\/install\.sh\b/.test(r))).toBe(true);
    expect(read('.ci/run')).toMatch(/^bash scripts\/install\.sh$/m);
    expect(read('scripts/apt-packages.txt')).toMatch(/^libopenblas-dev$/m);
    expect(read('scripts/apt-packages.txt')).not.toMatch(/^chromium$/m);
    expect(read('scripts/apt-packages-test.txt')).toMatch(/^chromium$/m);
  });

  it('exposes the default ports, keeps the data directory on a volume, and runs the package\'s gradd command under the server\'s Node flags, as npm start and the gradd command do', () => {
    expect(all('EXPOSE').flatMap((a) => a.split(/\s+/)).map(Number).sort()).toEqual([defaults.httpPort, defaults.grpcPort].sort());
    expect(all('VOLUME')).toEqual([env.GRADD_DATA_DIR]);
    expect(env.GRADD_HOST).toBe('0.0.0.0');
    const pkg = JSON.parse(read('package.json'));
    expect(JSON.parse(all('ENTRYPOINT')[0])).toEqual(['node', ...NODE_FLAGS, pkg.bin.gradd]);
    expect(JSON.parse(all('CMD')[0])).toEqual(['serve']);
    expect(pkg.scripts.start).toBe(`node ${NODE_FLAGS.join(' ')} ${pkg.bin.gradd} serve`);
    expect(read('server/cli.ts').split('\n')[0]).toBe(`#!/usr/bin/env -S node ${NODE_FLAGS.join(' ')}`);
  });

  it('sends what the build needs, and no build outputs, to the engine', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const out of ['node_modules', 'dist', 'native/build']) expect(ignored).toContain(out);
    const build = JSON.parse(read('tsconfig.build.json')).include.map((p: string) => p.split('/')[0]);
    for (const need of ['package.json', 'package-lock.json', 'scripts', 'native', 'proto', 'tsconfig.json', ...build]) expect(ignored, need).not.toContain(need);
  });
});

describe('docker/compose.yaml', () => {
  it('builds the image from the repository root', () => {
    expect(service.build).toEqual({ context: '..', dockerfile: 'docker/Dockerfile' });
  });

  it('publishes the server\'s default ports and mounts a named volume on the data directory', () => {
    expect(service.ports).toEqual([`${defaults.httpPort}:${defaults.httpPort}`, `${defaults.grpcPort}:${defaults.grpcPort}`]);
    const [volume, target] = service.volumes[0].split(':');
    expect(target).toBe(env.GRADD_DATA_DIR);
    expect(Object.keys(compose.volumes)).toEqual([volume]);
  });

  describe('healthcheck', () => {
    let s: TestServer;
    beforeAll(async () => { s = await startServer(); });
    afterAll(() => s?.close());
    const [kind, ...command] = service.healthcheck.test;
    const check = (port: number) => promisify(execFile)(command[0], command.slice(1).map((a: string) => a.replace(`:${defaults.httpPort}/`, `:${port}/`)), { timeout: 10_000 });

    it('asks /v2/health/ready on the HTTP port, and passes exactly when the server is ready', async () => {
      expect(kind).toBe('CMD');
      expect(command.join(' ')).toContain(`http://127.0.0.1:${defaults.httpPort}/v2/health/ready`);
      await expect(check(s.httpPort)).resolves.toBeDefined();
      await s.close();
      await expect(check(s.httpPort)).rejects.toMatchObject({ code: 1 });
    });

    it('gives the server time to drain before it is killed', () => {
      expect(parseInt(service.stop_grace_period, 10) * 1000).toBeGreaterThan(defaults.drainMs);
    });
  });
});
