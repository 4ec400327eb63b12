#!/usr/bin/env -S node --max-semi-space-size=8 --no-parallel-scavenge
// The `gradd` command: `gradd serve --http PORT --grpc PORT --data-dir DIR`; every flag also reads an
// environment variable (GRADD_*). SIGTERM and SIGINT drain in-flight requests and exit 0.
// `gradd job start REQUEST.json [--watch]`, `gradd job watch ID` (a progress bar), `gradd job cancel ID`:
// optimization jobs on the server at --url (GRADD_URL).
// The server runs with 8 MB young-generation semispaces (V8's default: 16) and scavenges on one thread, here and wherever
// it is started (NODE_FLAGS in server/config.ts). Every call in flight waits out a scavenge's pause. Under
// gRPC load the pause grew with the semispace (about 1.0, 1.4 and 2.2 ms at 8, 16 and 32 MB): 8 MB cut the p99 at 16
// clients by about a tenth. A scavenge keeps only 7-80 KB of a server's young objects, too little for helper threads to
// share: waiting for them, on cores that requests also want, made the mean pause 0.9 ms rather than 0.6, and the p99
// 0.3-0.6 ms longer.
import { readFileSync } from 'node:fs';
import { create, fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, type Client, type Progress } from '../client/index.js';
import { Jobs, OptimizerSchema, StartJobRequestSchema } from '../core/graph/gen/gradd/v1/jobs_pb.js';
import { parseTokens } from './auth.js';
import { defaultConfig } from './config.js';
import { createServer } from './index.js';
import { DEFAULT_LIMITS } from './limits.js';
import { SERVER_VERSION } from './rpc.js';

const int = (min: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
  return n;
};
const opt = (flags: string, env: string, help: string, parse?: (v: string) => unknown, dflt?: unknown) => {
  const o = new Option(flags, help).env(env);
  if (parse) o.argParser(parse);
  return dflt === undefined ? o : o.default(dflt);
};

const defaults = defaultConfig();
const program = new Command('gradd').version(SERVER_VERSION);
program.command('serve')
  .description('Start the gradient server (HTTP/JSON + KServe v2, and gRPC)')
  .addOption(opt('--host <address>', 'GRADD_HOST', 'address to listen on', undefined, defaults.host))
  .addOption(opt('--http <port>', 'GRADD_HTTP_PORT', 'HTTP port (0: any free port)', int(0), defaults.httpPort))
  .addOption(opt('--grpc <port>', 'GRADD_GRPC_PORT', 'gRPC port (0: any free port)', int(0), defaults.grpcPort))
  .addOption(opt('--data-dir <dir>', 'GRADD_DATA_DIR', 'where registered models and jobs are kept', undefined, defaults.dataDir))
  .addOption(opt('--tokens <file>', 'GRADD_TOKENS_FILE', 'file of token:tenant lines; every request then needs "Authorization: Bearer <token>" (or set GRADD_TOKENS=tok1:tenantA,tok2:tenantB)'))
  .addOption(opt('--tls-cert <file>', 'GRADD_TLS_CERT', 'PEM certificate: serve HTTPS and gRPC over TLS (with --tls-key)'))
  .addOption(opt('--tls-key <file>', 'GRADD_TLS_KEY', 'PEM private key'))
  .addOption(opt('--workers <n>', 'GRADD_WORKERS', 'compute worker threads (one more holds the tapes)', int(1), defaults.workers))
  .addOption(opt('--inline-max-elements <n>', 'GRADD_INLINE_MAX_ELEMENTS', 'loop-free graphs producing at most this many elements run on the event loop (0: never)', int(0), defaults.inlineMaxElements))
  .addOption(opt('--request-timeout <ms>', 'GRADD_REQUEST_TIMEOUT_MS', 'HTTP: time for a whole request to arrive', int(1), defaults.requestTimeoutMs))
  .addOption(opt('--drain <ms>', 'GRADD_DRAIN_MS', 'on SIGTERM, time in-flight requests get to finish', int(0), defaults.drainMs))
  .addOption(opt('--log-level <level>', 'GRADD_LOG_LEVEL', 'fatal, error, warn, info, debug, trace or silent', undefined, defaults.logLevel))
  .addOption(opt('--max-request-bytes <n>', 'GRADD_MAX_REQUEST_BYTES', 'largest request body or message', int(1), DEFAULT_LIMITS.maxRequestBytes))
  .addOption(opt('--max-elements <n>', 'GRADD_MAX_ELEMENTS', 'elements of one tensor', int(1), DEFAULT_LIMITS.maxElements))
  .addOption(opt('--max-nodes <n>', 'GRADD_MAX_NODES', 'nodes of a graph, subgraphs included', int(1), DEFAULT_LIMITS.maxNodes))
  .addOption(opt('--max-loop-iterations <n>', 'GRADD_MAX_LOOP_ITERATIONS', 'loop iterations of one evaluation', int(1), DEFAULT_LIMITS.maxLoopIterations))
  .addOption(opt('--max-models <n>', 'GRADD_MAX_MODELS', 'models per tenant', int(1), DEFAULT_LIMITS.maxModelsPerTenant))
  .addOption(opt('--max-tapes <n>', 'GRADD_MAX_TAPES', 'tapes per tenant', int(0), DEFAULT_LIMITS.maxTapesPerTenant))
  .addOption(opt('--tape-memory <bytes>', 'GRADD_TAPE_MEMORY', 'estimated bytes of all tapes; past it the least recently used are evicted', int(0), DEFAULT_LIMITS.tapeMemoryBytes))
  .addOption(opt('--tape-ttl <ms>', 'GRADD_TAPE_TTL_MS', 'how long a tape lives', int(1), DEFAULT_LIMITS.tapeTtlMs))
  .addOption(opt('--max-concurrent <n>', 'GRADD_MAX_CONCURRENT', 'computations running or queued', int(1), DEFAULT_LIMITS.maxConcurrent))
  .addOption(opt('--deadline <ms>', 'GRADD_DEADLINE_MS', 'longest a request may compute', int(1), DEFAULT_LIMITS.deadlineMs))
  .addOption(opt('--max-connections <n>', 'GRADD_MAX_CONNECTIONS', 'open HTTP connections', int(1), DEFAULT_LIMITS.maxConnections))
  .addOption(opt('--max-jobs <n>', 'GRADD_MAX_JOBS', 'optimization jobs queued or running, per tenant', int(0), DEFAULT_LIMITS.maxJobsPerTenant))
  .addOption(opt('--max-job-steps <n>', 'GRADD_MAX_JOB_STEPS', 'steps of one job', int(1), DEFAULT_LIMITS.maxJobSteps))
  .addOption(opt('--max-running-jobs <n>', 'GRADD_MAX_RUNNING_JOBS', 'jobs running at once, each on a thread of its own (the rest wait)', int(1), DEFAULT_LIMITS.maxRunningJobs))
  .action(async (o) => {
    if (!!o.tlsCert !== !!o.tlsKey) program.error('--tls-cert and --tls-key go together');
    const tokens = o.tokens ? parseTokens(readFileSync(o.tokens, 'utf8'), o.tokens) : process.env.GRADD_TOKENS ? parseTokens(process.env.GRADD_TOKENS, 'GRADD_TOKENS') : null;
    const server = await createServer({
      host: o.host, httpPort: o.http, grpcPort: o.grpc, dataDir: o.dataDir, tokens, workers: o.workers,
      tls: o.tlsCert ? { cert: readFileSync(o.tlsCert, 'utf8'), key: readFileSync(o.tlsKey, 'utf8') } : null,
      inlineMaxElements: o.inlineMaxElements, requestTimeoutMs: o.requestTimeout, drainMs: o.drain, logLevel: o.logLevel,
      limits: {
        maxRequestBytes: o.maxRequestBytes, maxElements: o.maxElements, maxNodes: o.maxNodes, maxLoopIterations: o.maxLoopIterations,
        maxModelsPerTenant: o.maxModels, maxTapesPerTenant: o.maxTapes, tapeMemoryBytes: o.tapeMemory, tapeTtlMs: o.tapeTtl,
        maxConcurrent: o.maxConcurrent, deadlineMs: o.deadline, maxConnections: o.maxConnections,
        maxJobsPerTenant: o.maxJobs, maxJobSteps: o.maxJobSteps, maxRunningJobs: o.maxRunningJobs,
      },
    });
    const stop = (signal: string) => {
      server.log.info({ signal }, 'draining');
      server.close().then(() => process.exit(0), (e) => { server.log.error({ err: e }, 'shutdown failed'); process.exit(1); });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });

const num = (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
};
const job = program.command('job').description('Optimization jobs on a gradd server');
const server = (c: Command) => c
  .addOption(opt('--url <url>', 'GRADD_URL', 'the server: http(s)://host:port or grpc(s)://host:port', undefined, 'http://127.0.0.1:8080'))
  .addOption(opt('--token <token>', 'GRADD_TOKEN', 'sent as "Authorization: Bearer <token>"'))
  .addOption(opt('--ca <file>', 'GRADD_CA', 'PEM certificate(s) to trust for https:// and grpcs://'));
const client = (o: { url: string; token?: string; ca?: string }) => connect(o.url, { token: o.token, tls: o.ca ? { ca: readFileSync(o.ca) } : undefined });

/** Follows a job with a progress bar (on stderr) to its end; prints its summary and exits 0 when it succeeded, 1 otherwise. */
async function follow(c: Client, id: string): Promise<never> {
  const j = await c.job(id), { steps } = await j.get();
  const bar = new SingleBar({
    format: '{bar} {value}/{total} steps | loss {loss} | {rate} steps/s | {state}', stream: process.stderr, noTTYOutput: true, notTTYSchedule: 1000, hideCursor: true,
  }, Presets.shades_classic);
  bar.start(steps, 0, { loss: '-', rate: '0', state: 'queued' });
  let last: Progress | undefined;
  for await (const p of j) {
    last = p;
    bar.update(p.step, { loss: Number.isNaN(p.loss) ? '-' : p.loss.toPrecision(6), rate: p.stepsPerSecond.toFixed(1), state: p.state });
  }
  bar.stop();
  const info = await j.get();
  console.log(`${id} ${info.state} at step ${last?.step ?? info.progress.step} of ${steps}, loss ${info.progress.loss}${info.error ? ` (${info.error.code}: ${info.error.message})` : ''}`);
  await c.close();
  process.exit(info.state === 'succeeded' ? 0 : 1);
}

server(job.command('start')
  .description('Start a job from a StartJobRequest in JSON (the body of POST /v1/jobs); prints its id')
  .argument('<request>', 'the request\'s JSON file, or - for standard input')
  .option('--model <id>', 'the model (model_id)')
  .option('--optimizer <name>', 'sgd, momentum, rmsprop, adam or lbfgs')
  .option('--steps <n>', 'steps to run', int(1))
  .option('--step-size <x>', 'the step_size hyper-parameter', num)
  .option('--checkpoint-every <n>', 'keep the parameters every n steps (0: at the end only)', int(0))
  .option('--watch', 'then follow it with a progress bar'))
  .action(async (file: string, o) => {
    const req = fromJson(StartJobRequestSchema, JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as JsonValue);
    if (o.model) req.modelId = o.model;
    if (o.steps) req.steps = o.steps;
    if (o.checkpointEvery !== undefined) req.checkpointEvery = o.checkpointEvery;
    if (o.optimizer || o.stepSize !== undefined) {
      req.optimizer = create(OptimizerSchema, { name: o.optimizer ?? req.optimizer?.name ?? '', hyperparameters: { ...req.optimizer?.hyperparameters } });
      if (o.stepSize !== undefined) req.optimizer.hyperparameters.step_size = o.stepSize;
    }
    const c = await client(o), started = await c.call(Jobs.method.startJob, req);
    console.log(started.id);
    if (o.watch) await follow(c, started.id);
    await c.close();
  });
server(job.command('watch').description('Follow a job with a progress bar until it ends (exit code 0: it succeeded)').argument('<id>'))
  .action(async (id: string, o) => follow(await client(o), id));
server(job.command('cancel').description('Cancel a job after its current step').argument('<id>'))
  .action(async (id: string, o) => {
    const c = await client(o), info = await (await c.job(id)).cancel();
    console.log(`${id} ${info.state} at step ${info.progress.step}`);
    await c.close();
  });

program.parseAsync().catch((e) => {
  console.error(`gradd: ${(e as Error).message}`);
  process.exit(1);
});
