// The server's settings: what `gradd serve` reads from flags and environment, with defaults.
import { availableParallelism } from 'node:os';
import { DEFAULT_LIMITS, type Limits } from './limits.js';

/** The Node flags the server runs under (server/cli.ts says why): npm start, cli.ts's shebang and docker/Dockerfile's
 * ENTRYPOINT give them (test/client/docker.test.ts holds them to this list), bench/server.ts passes them. */
export const NODE_FLAGS = ['--max-semi-space-size=8', '--no-parallel-scavenge'];

export interface Config {
  host: string;
  /** 0 picks a free port. */
  httpPort: number;
  grpcPort: number;
  dataDir: string;
  /** token → tenant; null: no authentication, every caller is tenant "default". */
  tokens: Map<string, string> | null;
  tls: { cert: string; key: string } | null;
  /** Worker threads for computations without a tape; one more thread holds the tapes. */
  workers: number;
  /** OpenBLAS threads (process-wide), shared by the workers: floor(cores / (workers + 1)). */
  blasThreads: number;
  /** A graph whose nodes produce at most this many elements in all and that has no loops runs on the event loop when nothing else is computing: the hop to a worker would cost more. 0: never. */
  inlineMaxElements: number;
  /** HTTP: the whole request (headers and body) must arrive within this time. */
  requestTimeoutMs: number;
  /** SIGTERM: in-flight requests get this long to finish. */
  drainMs: number;
  logLevel: string;
  limits: Limits;
}

export function defaultConfig(over: Partial<Omit<Config, 'limits'>> & { limits?: Partial<Limits> } = {}): Config {
  const cores = availableParallelism();
  const workers = over.workers ?? Math.max(1, cores - 1);
  return {
    host: '0.0.0.0',
    httpPort: 8080,
    grpcPort: 50051,
    dataDir: 'gradd-data',
    tokens: null,
    tls: null,
    workers,
    blasThreads: Math.max(1, Math.floor(cores / (workers + 1))),
    inlineMaxElements: 4096,
    requestTimeoutMs: 30_000,
    drainMs: 30_000,
    logLevel: 'info',
    ...over,
    limits: { ...DEFAULT_LIMITS, ...over.limits },
  };
}
