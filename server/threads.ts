// How the server's worker threads start: their module beside the calling one (server/*.ts from sources, dist/server/*.js
// compiled), inheriting the process's Node flags. Flags passed explicitly are parsed again, and Worker refuses the
// per-process ones (`node --trace-gc` would stop the server from starting); only from TypeScript sources (tests, tsx)
// does a worker need them explicitly, to add tsx's loader, and then without V8's heap sizes (a worker has them anyway:
// V8's flags are the process's).
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

export function workerModule(name: string, caller: string): { filename: string; execArgv?: string[] } {
  const filename = new URL(`./${name}${extname(fileURLToPath(caller))}`, caller).href;
  if (!filename.endsWith('.ts')) return { filename };
  const inherited = process.execArgv.filter((a) => !/^--(max|min)-(semi|old)-space-size\b/.test(a));
  return { filename, execArgv: inherited.includes('tsx') ? inherited : [...inherited, '--import', 'tsx'] };
}
