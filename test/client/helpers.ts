// A `gradd serve` process for the client tests: free ports, a temporary data directory, killed and removed
// when the test file ends (or when the spawning process exits, whichever comes first).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');

export interface ServerProcess {
  child: ChildProcess;
  http: number;
  grpc: number;
  /** SIGKILLs the server (if still running) and removes its data directory. */
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((c) => c.kill('SIGKILL')));

/** Starts `gradd serve` with `args` added; resolves once it logs that it is serving. */
export function serve(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gradd-client-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', 'serve', '--host', '127.0.0.1', '--http', '0', '--grpc', '0',
    '--data-dir', dataDir, '--workers', '1', '--log-level', 'info', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
  const stop = async () => {
    child.kill('SIGKILL');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  let out = '';
  child.stderr!.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { void stop(); reject(new Error(`gradd serve did not start in 30 s:\n${out}`)); }, 30_000);
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`gradd serve exited with ${code}:\n${out}`)); });
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.includes('"gradd serving"'));
      if (!line) return;
      clearTimeout(timer);
      child.stdout!.removeAllListeners('data');
      child.stdout!.resume();
      const { http, grpc } = JSON.parse(line);
      resolve({ child, http, grpc, stop });
    });
  });
}
