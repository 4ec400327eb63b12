// gradd's gradient server: createServer(config) starts HTTP (Fastify) and gRPC on one registry of models
// and tapes; close() drains in-flight requests first.
import { create, toBinary } from '@bufbuild/protobuf';
import { pino, type Logger } from 'pino';
import { graddError } from '../core/errors.js';
import { decode } from '../core/graph/wire.js';
import { GraphSchema } from '../core/graph/gen/gradd/v1/graph_pb.js';
import { RegisterModelRequestSchema } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import { Auth } from './auth.js';
import { Compute } from './compute.js';
import { defaultConfig, type Config } from './config.js';
import { execute, type Analysis } from './exec.js';
import { createGrpcServer, listenGrpc } from './grpc.js';
import { Health } from './health.js';
import { createHttpServer } from './http.js';
import { Jobs } from './jobs.js';
import { Metrics } from './metrics.js';
import { Models } from './models.js';
import { Service } from './rpc.js';
import { Tapes } from './tapes.js';

export { defaultConfig, type Config } from './config.js';
export { DEFAULT_LIMITS, type Limits } from './limits.js';
export { parseTokens } from './auth.js';

export interface GraddServer {
  readonly httpPort: number;
  readonly grpcPort: number;
  /** http(s)://host:port */
  readonly url: string;
  /** host:port */
  readonly grpcAddress: string;
  readonly log: Logger;
  /** Stops taking work, lets in-flight requests finish (up to config.drainMs), then stops. */
  close(): Promise<void>;
}

export type ServerOptions = Parameters<typeof defaultConfig>[0];

export async function createServer(config: ServerOptions = {}, log: Logger = pino({ level: config?.logLevel ?? 'info' })): Promise<GraddServer> {
  const cfg = defaultConfig(config);
  const metrics = new Metrics();
  const compute = new Compute(cfg, metrics);
  const tapes = new Tapes(cfg.limits, (ids) => compute.release(ids), metrics);
  const models = new Models(cfg.dataDir, cfg.limits, cfg.inlineMaxElements);
  await models.load(async (graph, name) => {
    const o = execute({ kind: 'register', request: toBinary(RegisterModelRequestSchema, create(RegisterModelRequestSchema, { graph: decode(GraphSchema, graph), name })) });
    if (!o.ok) throw graddError(o.code, o.message);
    return o.value as Analysis;
  }, (msg) => log.warn(msg));
  metrics.models.set(models.count);
  log.info({ models: models.count, dataDir: cfg.dataDir }, 'models loaded');

  const jobs = new Jobs(cfg, models, metrics, log);
  await jobs.load();

  const auth = new Auth(cfg.tokens), health = new Health();
  const svc = new Service(cfg, models, tapes, compute, metrics);
  const app = await createHttpServer(cfg, svc, jobs, auth, health, metrics, log);
  const grpcServer = createGrpcServer(cfg, svc, jobs, auth, health, metrics, log);
  let grpcPort: number;
  try {
    await app.listen({ port: cfg.httpPort, host: cfg.host });
    grpcPort = await listenGrpc(grpcServer, cfg);
  } catch (e) {
    await app.close();
    grpcServer.forceShutdown();
    tapes.close();
    await Promise.all([jobs.close(), compute.close()]);
    throw e;
  }
  const httpPort = (app.server.address() as { port: number }).port;
  const host = cfg.host === '0.0.0.0' || cfg.host === '::' ? '127.0.0.1' : cfg.host;
  log.info({ http: httpPort, grpc: grpcPort, tls: !!cfg.tls, auth: auth.enabled, workers: cfg.workers, blasThreads: cfg.blasThreads }, 'gradd serving');

  let closing: Promise<void> | undefined;
  const close = () => (closing ??= (async () => {
    health.setServing(false);
    svc.ready = false;
    const stopped = jobs.close(); // ends every WatchJob stream; running jobs checkpoint their last step
    const drained = Promise.all([app.close(), new Promise<void>((resolve) => grpcServer.tryShutdown(() => resolve()))]);
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([drained.then(() => false), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), cfg.drainMs); })]);
    clearTimeout(timer);
    if (late) {
      log.warn({ drainMs: cfg.drainMs }, 'requests still running after the drain time; closing them');
      grpcServer.forceShutdown();
      app.server.closeAllConnections();
    }
    tapes.close();
    await Promise.all([stopped, compute.close()]);
    log.info('gradd stopped');
  })());

  return {
    httpPort, grpcPort, log, close,
    url: `${cfg.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${httpPort}`,
    grpcAddress: `${host.includes(':') ? `[${host}]` : host}:${grpcPort}`,
  };
}
