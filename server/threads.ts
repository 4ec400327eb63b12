// How the server's worker threads start: their module beside the calling one (server/*.ts from sources, dist/server/*.js
// compiled), inheriting the process's Node flags. Flags passed explicitly are parsed again, and Worker refuses the
// per-process and V8 ones (`node --trace-gc` or `--max-semi-space-size` would stop the server from starting): they are
// passed only where tsx's loader must be added (TypeScript sources run by a process without it, such as the tests').
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export function workerModule(name: string, caller: string): { filename: string; execArgv?: string[] } {
  const filename = new URL(`./${name}${extname(fileURLToPath(caller))}`, caller).href;
  if (!filename.endsWith('.ts') || process.execArgv.includes('tsx')) return { filename };
  return { filename, execArgv: [...process.execArgv, '--import', 'tsx'] };
}
