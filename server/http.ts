// The HTTP/JSON transport (Fastify): every gradd.v1.Gradient RPC as a route whose body is the request
// message in protobuf's canonical JSON mapping (the same codec as gRPC's messages), KServe v2's REST
// routes, /metrics, and the OpenAPI document (/docs/json) with its page (/docs). Jobs: WatchJob is a stream
// of server-sent events; /jobs is a page of the tenant's jobs with live loss curves (server/page/).
import { existsSync, readFileSync } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough } from 'node:stream';
import { fromBinary, toBinary, type DescMessage, type Message, type MessageShape } from '@bufbuild/protobuf';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { ERRORS, fail, graddError, type ErrorCode } from '../core/errors.js';
import { fromJson, toJsonString } from '../core/graph/wire.js';
import * as g from '../core/graph/gen/gradd/v1/gradient_pb.js';
import * as k from '../core/graph/gen/inference/grpc_predict_v2_pb.js';
import * as j from '../core/graph/gen/gradd/v1/jobs_pb.js';
import type { Auth } from './auth.js';
import type { Config } from './config.js';
import { httpBody, httpStatus, isGradd, problemOf, type Problem } from './errors.js';
import type { Health } from './health.js';
import type { Jobs } from './jobs.js';
import { INFER_REQUEST_SCHEMA, INFER_RESPONSE_SCHEMA, inferRequestFromJson, inferResponseToJson, type InferBody } from './kserve.js';
import type { Metrics } from './metrics.js';
import { Ctx, andThen, type Service } from './rpc.js';
import { ERROR_SCHEMA, messageSchemas } from './schemas.js';

declare module 'fastify' {
  interface FastifyRequest { tenant: string; problem: ErrorCode | null }
  interface FastifyContextConfig { rpc?: string; open?: boolean }
}

type Req = FastifyRequest<{ Params: Record<string, string>; Querystring: Record<string, string | boolean | number>; Body: unknown }>;
type Handler = (ctx: Ctx, req: Req) => Promise<string> | string;

const JSON_TYPE = 'application/json; charset=utf-8';
const ref = (m: DescMessage | string) => ({ $ref: `${typeof m === 'string' ? m : m.typeName}#` });
/** A response as JSON text: from its encoding (a worker's answer) or from the message itself. */
const json = <D extends DescMessage>(schema: D, r: Uint8Array | Message) => toJsonString(schema, (r instanceof Uint8Array ? fromBinary(schema, r) : r) as MessageShape<D>);
/** SSE: a comment line this often keeps proxies from closing an idle stream, and finds clients that left. */
const KEEPALIVE_MS = 15_000;

/** A file of the job page: beside this module (sources), or in the package's server/page (compiled to dist/server). */
function pageFile(name: string): string {
  const at = [`./page/${name}`, `../../server/page/${name}`].map((p) => new URL(p, import.meta.url)).find((u) => existsSync(u));
  return at ? readFileSync(at, 'utf8') : fail('NOT_FOUND', `the job page's ${name} is not installed with this server`);
}

/** A Fastify error (body parsing, validation, limits) as a Problem naming what went wrong. */
function fastifyProblem(e: { code?: string; statusCode?: number; message: string; validation?: unknown }, cfg: Config): Problem {
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return { code: 'TOO_LARGE', message: `the request body is larger than ${cfg.limits.maxRequestBytes} bytes (maxRequestBytes)` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return { code: 'UNSUPPORTED_MEDIA_TYPE', message: `${e.message}; send Content-Type: application/json` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return { code: 'BAD_ARGUMENT', message: 'the body is empty; send a JSON object' };
  }
  if (e.validation) return { code: 'BAD_ARGUMENT', message: `the request does not match its schema: ${e.message}` };
  if (e.statusCode === 400) return { code: 'BAD_ARGUMENT', message: `the body is not valid JSON: ${e.message}` };
  const byStatus = Object.entries(ERRORS).find(([, v]) => v.http === e.statusCode)?.[0] as ErrorCode | undefined;
  return byStatus ? { code: byStatus, message: e.message } : problemOf(e);
}

export async function createHttpServer(cfg: Config, svc: Service, jobs: Jobs, auth: Auth, health: Health, metrics: Metrics, log: Logger) {
  const tls = cfg.tls ? { cert: cfg.tls.cert, key: cfg.tls.key } : null;
  const rawError = (socket: Socket, p: Problem) => {
    const body = httpBody(p), status = httpStatus(p);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  // Node times a request out until its body has arrived, checking on this interval (30 s by default, far longer
  // than a slow body should take). requestTimeout goes here, where the server is made, so that Node keeps its
  // headersTimeout within it: Fastify sets only requestTimeout, afterwards, leaving headersTimeout at 60 s, and Node
  // holds a whole request to the larger of the two.
  const nodeTimeouts = { requestTimeout: cfg.requestTimeoutMs, connectionsCheckingInterval: Math.min(1000, cfg.requestTimeoutMs) };
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: cfg.limits.maxRequestBytes,
    requestTimeout: cfg.requestTimeoutMs,
    http: nodeTimeouts,
    ...(tls ? { https: { ...tls, ...nodeTimeouts } } : {}),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    ajv: { customOptions: { coerceTypes: false, strict: false } },
    clientErrorHandler: (err: Error & { code?: string }, socket: Socket) => {
      if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable) return socket.destroy();
      rawError(socket, err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? { code: 'REQUEST_TIMEOUT', message: `the request did not arrive within ${cfg.requestTimeoutMs} ms (requestTimeout)` }
        : err.code === 'HPE_HEADER_OVERFLOW' ? { code: 'TOO_LARGE', message: 'the request headers are too large' }
          : { code: 'BAD_ARGUMENT', message: `malformed HTTP request (${err.code ?? err.message})` });
    },
  });
  app.removeContentTypeParser(['text/plain']);
  // Handlers send JSON text they wrote with the protobuf codec: response schemas document, never serialize.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.decorateRequest('tenant', '');
  app.decorateRequest('problem', null);

  let connections = 0;
  app.server.on('connection', (socket: Socket) => {
    connections++;
    socket.once('close', () => connections--);
  });

  // Hooks take callbacks rather than return promises: one promise and microtask less per request, each.
  app.addHook('onRequest', (req, reply, done) => {
    if (connections > cfg.limits.maxConnections) {
      reply.header('connection', 'close');
      fail('UNAVAILABLE', `the server has ${connections} open connections, more than its limit (maxConnections ${cfg.limits.maxConnections}); retry later`);
    }
    if (!req.routeOptions.config.open) req.tenant = auth.tenant(req.headers.authorization);
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const status = req.problem ? ERRORS[req.problem].grpc : reply.statusCode < 400 ? 'OK' : 'UNKNOWN';
    metrics.observe('http', req.routeOptions.config.rpc ?? 'unmatched', status, reply.elapsedTime / 1000);
    done();
  });
  // While draining, a connection closes after its response rather than idling until the keep-alive timeout.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (!health.ready) reply.header('connection', 'close');
    done(null, payload);
  });
  app.setErrorHandler((e: Error & { code?: string; statusCode?: number }, req, reply) => {
    const p = isGradd(e) ? problemOf(e) : fastifyProblem(e, cfg);
    if (p.code === 'INTERNAL') req.log.error({ err: e }, 'HTTP request failed');
    if (p.code === 'UNAUTHENTICATED') reply.header('www-authenticate', 'Bearer');
    req.problem = p.code;
    return reply.code(httpStatus(p)).type(JSON_TYPE).send(httpBody(p));
  });
  app.setNotFoundHandler((req, reply) => {
    const p: Problem = { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}; see /docs` };
    req.problem = p.code;
    return reply.code(404).type(JSON_TYPE).send(httpBody(p));
  });

  await app.register(swagger, {
    openapi: {
      info: { title: 'gradd', version: '1', description: 'Gradients of registered graphs over HTTP/JSON (bodies in protobuf\'s canonical JSON mapping of proto/gradd/v1) and KServe v2 (Open Inference Protocol) with the gradients extension.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: auth.enabled ? [{ bearer: [] }] : [],
    },
    refResolver: { buildLocalReference: (schema, _base, _fragment, i) => (schema.$id as string | undefined) ?? `def-${i}` },
  });
  app.addHook('onRoute', (r) => {
    if (r.url.startsWith('/docs')) r.config = { ...r.config, open: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  const schemas = [...messageSchemas([g.RegisterModelRequestSchema, g.RegisterModelResponseSchema, g.GetModelRequestSchema, g.ModelSchema,
    g.ListModelsResponseSchema, g.DeleteModelResponseSchema, g.EvaluateRequestSchema, g.EvaluateResponseSchema, g.ValueAndGradRequestSchema,
    g.ValueAndGradResponseSchema, g.VjpRequestSchema, g.VjpResponseSchema, g.BackwardRequestSchema, g.BackwardResponseSchema,
    g.ReleaseTapeResponseSchema, g.JvpRequestSchema, g.JvpResponseSchema, g.HvpRequestSchema, g.HvpResponseSchema, g.JacobianRequestSchema,
    g.JacobianResponseSchema, k.ServerMetadataResponseSchema, k.ModelMetadataResponseSchema, j.StartJobRequestSchema, j.JobSchema,
    j.ListJobsResponseSchema, j.JobProgressSchema]), ERROR_SCHEMA, INFER_REQUEST_SCHEMA, INFER_RESPONSE_SCHEMA];
  schemas.forEach((s) => app.addSchema(s));

  // An answer made at once (inline) is sent at once; one still computing stops when its client disconnects.
  const handler = (f: Handler) => (req: Req, reply: FastifyReply) => {
    const ctx = new Ctx(req.tenant, Date.now() + cfg.limits.deadlineMs);
    reply.type(JSON_TYPE);
    const body = f(ctx, req);
    if (body instanceof Promise) reply.raw.on('close', () => { if (!reply.raw.writableFinished) ctx.cancel(graddError('CANCELLED', 'the client disconnected')); });
    return body;
  };
  /** `message`: the body is that protobuf message in JSON, read (and checked, with errors that name the field) by its JSON codec. */
  interface RouteSpec { rpc: string; summary: string; tags: string[]; params?: string[]; query?: Record<string, object>; body?: object; message?: DescMessage; response: object; open?: boolean; status?: number }
  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, spec: RouteSpec, f: Handler) => app.route({
    method, url, config: { rpc: spec.rpc, open: spec.open },
    // A message's schema documents it: the codec checks the body anyway (and path parameters are always strings).
    ...(spec.message ? { validatorCompiler: () => () => true } : {}),
    schema: {
      summary: spec.summary, tags: spec.tags,
      ...(spec.params ? { params: { type: 'object', properties: Object.fromEntries(spec.params.map((p) => [p, { type: 'string' }])), required: spec.params } } : {}),
      ...(spec.query ? { querystring: { type: 'object', properties: spec.query, additionalProperties: false } } : {}),
      ...(spec.body || spec.message ? { body: spec.body ?? ref(spec.message!) } : {}),
      response: { [spec.status ?? 200]: spec.response, default: ref('gradd.Error') },
      ...(spec.open || !auth.enabled ? { security: [] } : {}),
    },
    handler: handler(f),
  });

  // The request message of a route: the JSON body, with the id from the path (a body may repeat it, not contradict it).
  const message = <D extends DescMessage>(schema: D, req: Req, idField?: string, id?: string): MessageShape<D> => {
    const msg = fromJson(schema, (req.body === undefined ? {} : req.body) as never) as MessageShape<D> & Record<string, unknown>;
    if (idField) {
      if (msg[idField] && msg[idField] !== id) fail('BAD_ARGUMENT', `the body's ${idField} ${JSON.stringify(msg[idField])} differs from the path's ${JSON.stringify(id)}`);
      msg[idField] = id;
    }
    return msg;
  };
  const gradient = ['gradd.v1.Gradient'];

  route('POST', '/v1/models', { rpc: 'RegisterModel', summary: 'Register a graph (idempotent: the same graph gives the same model)', tags: gradient, message: g.RegisterModelRequestSchema, response: ref(g.RegisterModelResponseSchema) },
    async (ctx, req) => toJsonString(g.RegisterModelResponseSchema, await svc.registerModel(ctx, toBinary(g.RegisterModelRequestSchema, message(g.RegisterModelRequestSchema, req)))));
  route('GET', '/v1/models', { rpc: 'ListModels', summary: 'List models, in pages', tags: gradient, query: { pageSize: { type: ['integer', 'string'] }, pageToken: { type: 'string' } }, response: ref(g.ListModelsResponseSchema) },
    (ctx, req) => toJsonString(g.ListModelsResponseSchema, svc.listModels(ctx, fromJson(g.ListModelsRequestSchema, req.query as never))));
  route('GET', '/v1/models/:modelId', { rpc: 'GetModel', summary: 'A model (with its graph when includeGraph=true)', tags: gradient, params: ['modelId'], query: { includeGraph: { type: ['boolean', 'string'], enum: [true, false, 'true', 'false'] } }, response: ref(g.ModelSchema) },
    (ctx, req) => toJsonString(g.ModelSchema, svc.getModel(ctx, fromJson(g.GetModelRequestSchema, { modelId: req.params.modelId, includeGraph: req.query.includeGraph === true || req.query.includeGraph === 'true' }))));
  route('DELETE', '/v1/models/:modelId', { rpc: 'DeleteModel', summary: 'Delete a model and its tapes', tags: gradient, params: ['modelId'], response: ref(g.DeleteModelResponseSchema) },
    async (ctx, req) => toJsonString(g.DeleteModelResponseSchema, await svc.deleteModel(ctx, fromJson(g.DeleteModelRequestSchema, { modelId: req.params.modelId }))));
  const calls = [
    ['evaluate', 'Evaluate', g.EvaluateRequestSchema, g.EvaluateResponseSchema, 'The forward pass: every output'],
    ['valueAndGrad', 'ValueAndGrad', g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, 'The selected output (a real scalar) and its gradient with respect to each selected input'],
    ['jvp', 'Jvp', g.JvpRequestSchema, g.JvpResponseSchema, 'A Jacobian-vector product (forward mode)'],
    ['hvp', 'Hvp', g.HvpRequestSchema, g.HvpResponseSchema, 'A Hessian-vector product of the selected output'],
    ['jacobian', 'Jacobian', g.JacobianRequestSchema, g.JacobianResponseSchema, 'The Jacobian of the selected output with respect to each selected input'],
  ] as const;
  for (const [path, rpc, reqSchema, resSchema, summary] of calls) {
    route('POST', `/v1/models/:modelId/${path}`, { rpc, summary, tags: gradient, params: ['modelId'], message: reqSchema, response: ref(resSchema) },
      (ctx, req) => andThen(svc.call(ctx, rpc, req.params.modelId, message(reqSchema, req, 'modelId', req.params.modelId)), (r) => json(resSchema, r)));
  }
  route('POST', '/v1/models/:modelId/vjp', { rpc: 'Vjp', summary: 'Run the forward pass and keep it on a tape; Backward then runs on the tape', tags: gradient, params: ['modelId'], message: g.VjpRequestSchema, response: ref(g.VjpResponseSchema) },
    async (ctx, req) => json(g.VjpResponseSchema, await svc.vjp(ctx, req.params.modelId, toBinary(g.VjpRequestSchema, message(g.VjpRequestSchema, req, 'modelId', req.params.modelId)))));
  route('POST', '/v1/tapes/:tapeId/backward', { rpc: 'Backward', summary: 'A vector-Jacobian product on a kept tape; any number of times', tags: gradient, params: ['tapeId'], message: g.BackwardRequestSchema, response: ref(g.BackwardResponseSchema) },
    async (ctx, req) => json(g.BackwardResponseSchema, await svc.backward(ctx, req.params.tapeId, toBinary(g.BackwardRequestSchema, message(g.BackwardRequestSchema, req, 'tapeId', req.params.tapeId)))));
  route('DELETE', '/v1/tapes/:tapeId', { rpc: 'ReleaseTape', summary: 'Release a tape', tags: gradient, params: ['tapeId'], response: ref(g.ReleaseTapeResponseSchema) },
    (ctx, req) => toJsonString(g.ReleaseTapeResponseSchema, svc.releaseTape(ctx, fromJson(g.ReleaseTapeRequestSchema, { tapeId: req.params.tapeId }))));

  // KServe v2 (Open Inference Protocol), REST.
  const v2 = ['KServe v2'], bool = (name: string) => ({ type: 'object', properties: { [name]: { type: 'boolean' } } });
  route('GET', '/v2/health/live', { rpc: 'ServerLive', summary: 'Liveness', tags: v2, response: bool('live'), open: true }, () => JSON.stringify({ live: true }));
  route('GET', '/v2/health/ready', { rpc: 'ServerReady', summary: 'Readiness (503 while draining)', tags: v2, response: bool('ready'), open: true }, () => {
    if (!health.ready) fail('UNAVAILABLE', 'the server is shutting down');
    return JSON.stringify({ ready: true });
  });
  route('GET', '/v2', { rpc: 'ServerMetadata', summary: 'Server metadata: name, version, extensions (gradients)', tags: v2, response: ref(k.ServerMetadataResponseSchema) },
    () => toJsonString(k.ServerMetadataResponseSchema, svc.serverMetadata()));
  for (const base of ['/v2/models/:name', '/v2/models/:name/versions/:version']) {
    const params = base.includes(':version') ? ['name', 'version'] : ['name'];
    route('GET', base, { rpc: 'ModelMetadata', summary: 'Model metadata: tensors input_k and output_k', tags: v2, params, response: ref(k.ModelMetadataResponseSchema) },
      (ctx, req) => toJsonString(k.ModelMetadataResponseSchema, svc.modelMetadata(ctx, req.params.name, req.params.version ?? '')));
    route('GET', `${base}/ready`, { rpc: 'ModelReady', summary: 'Model readiness', tags: v2, params, response: bool('ready') },
      (ctx, req) => (svc.kserveModel(ctx, req.params.name, req.params.version ?? ''), JSON.stringify({ ready: true })));
    route('POST', `${base}/infer`, { rpc: 'ModelInfer', summary: 'Inference; parameters.gradients = "input_0,..." adds an output "<input>.grad" per named input', tags: v2, params, body: ref('kserve.InferRequest'), response: ref('kserve.InferResponse') },
      (ctx, req) => {
        const version = req.params.version ?? '';
        const msg = inferRequestFromJson(req.body as InferBody, req.params.name, version);
        return andThen(svc.infer(ctx, req.params.name, version, msg),
          (r) => JSON.stringify(inferResponseToJson(r instanceof Uint8Array ? fromBinary(k.ModelInferResponseSchema, r) : r as k.ModelInferResponse)));
      });
  }

  // gradd.v1.Jobs
  const jobTags = ['gradd.v1.Jobs'];
  route('POST', '/v1/jobs', { rpc: 'StartJob', summary: 'Start an optimization job: minimize a model output over some of its inputs', tags: jobTags, message: j.StartJobRequestSchema, response: ref(j.JobSchema) },
    async (ctx, req) => toJsonString(j.JobSchema, await jobs.start(ctx, message(j.StartJobRequestSchema, req))));
  route('GET', '/v1/jobs', { rpc: 'ListJobs', summary: 'List jobs, in pages (without parameters and loss history)', tags: jobTags, query: { pageSize: { type: ['integer', 'string'] }, pageToken: { type: 'string' }, modelId: { type: 'string' } }, response: ref(j.ListJobsResponseSchema) },
    (ctx, req) => toJsonString(j.ListJobsResponseSchema, jobs.list(ctx, fromJson(j.ListJobsRequestSchema, req.query as never))));
  route('GET', '/v1/jobs/:jobId', { rpc: 'GetJob', summary: 'A job: state, progress, parameters at the latest checkpoint, loss history', tags: jobTags, params: ['jobId'], response: ref(j.JobSchema) },
    (ctx, req) => toJsonString(j.JobSchema, jobs.get(ctx, req.params.jobId)));
  route('POST', '/v1/jobs/:jobId/cancel', { rpc: 'CancelJob', summary: 'Cancel a job after its current step (its parameters are kept)', tags: jobTags, params: ['jobId'], response: ref(j.JobSchema) },
    async (ctx, req) => toJsonString(j.JobSchema, await jobs.cancel(ctx, req.params.jobId)));
  app.route({
    method: 'GET', url: '/v1/jobs/:jobId/watch', config: { rpc: 'WatchJob' },
    schema: {
      summary: 'Progress as server-sent events: "progress" events (a JobProgress in JSON) up to the terminal one; an "error" event ({error: {code, message}}) if the server closes first',
      tags: jobTags, params: { type: 'object', properties: { jobId: { type: 'string' } }, required: ['jobId'] },
      response: { 200: { type: 'string', description: 'text/event-stream' }, default: ref('gradd.Error') }, ...(!auth.enabled ? { security: [] } : {}),
    },
    handler: async (req: Req, reply) => {
      const ctx = new Ctx(req.tenant, Infinity), out = new PassThrough();
      jobs.get(ctx, req.params.jobId); // NOT_FOUND as a plain error response, before the stream starts
      reply.raw.once('close', () => ctx.cancel(graddError('CANCELLED', 'the client disconnected')));
      let blocked = false;
      out.on('drain', () => { blocked = false; });
      const event = (name: string, data: string) => { blocked = !out.write(`event: ${name}\ndata: ${data}\n\n`); };
      const keepalive = setInterval(() => out.write(': keepalive\n\n'), KEEPALIVE_MS);
      jobs.watch(ctx, req.params.jobId, (p, last) => { if (!blocked || last) event('progress', toJsonString(j.JobProgressSchema, p)); })
        .catch((e) => event('error', httpBody(problemOf(e))))
        .finally(() => { clearInterval(keepalive); out.end(); });
      // Connection: close: once the stream ends (the job's last event, or the server closing) so does its connection.
      return reply.headers({ 'cache-control': 'no-cache', 'x-accel-buffering': 'no', connection: 'close' }).type('text/event-stream').send(out);
    },
  });
  // The job page: static, open (it holds no data); its script calls the routes above with the token it is given.
  for (const [url, file, type] of [['/jobs', 'jobs.html', 'text/html; charset=utf-8'], ['/jobs/jobs.js', 'jobs.js', 'text/javascript; charset=utf-8']]) {
    app.get(url, { config: { rpc: 'JobPage', open: true }, schema: { summary: 'The job page: the tenant\'s jobs with live loss curves', tags: ['pages'], response: { 200: { type: 'string' } } } },
      async (_req, reply) => reply.type(type).header('cache-control', 'no-cache').send(pageFile(file)));
  }

  app.get('/metrics', { config: { rpc: 'Metrics' }, schema: { summary: 'Prometheus metrics', tags: ['operations'], response: { 200: { type: 'string' } } } },
    async (_req, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  return app;
}
