// The gRPC transport (@grpc/grpc-js): gradd.v1.Gradient, gradd.v1.Jobs, inference.GRPCInferenceService,
// grpc.health.v1 and server reflection. Requests arrive as bytes (an identity deserializer) and are decoded
// here, so a malformed message is INVALID_ARGUMENT rather than grpc-js's INTERNAL; a computation's request
// goes to its worker as it arrived, and its response comes back as bytes.
import * as grpc from '@grpc/grpc-js';
import { create, toBinary, type DescMessage, type Message } from '@bufbuild/protobuf';
import type { DescFile, DescService } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { ReflectionService } from '@grpc/reflection';
import { fail, graddError } from '../core/errors.js';
import { decode, encode } from '../core/graph/wire.js';
import * as g from '../core/graph/gen/gradd/v1/gradient_pb.js';
import * as k from '../core/graph/gen/inference/grpc_predict_v2_pb.js';
import * as h from '../core/graph/gen/grpc/health/v1/health_pb.js';
import * as j from '../core/graph/gen/gradd/v1/jobs_pb.js';
import { DEFAULT_TENANT, type Auth } from './auth.js';
import type { Config } from './config.js';
import { grpcStatus, problemOf, type Problem } from './errors.js';
import { Status, type Health } from './health.js';
import type { Jobs } from './jobs.js';
import type { Metrics } from './metrics.js';
import { Ctx, type Service } from './rpc.js';

type Reply = Message | Uint8Array;
type Handler = (ctx: Ctx, raw: Uint8Array) => Reply | Promise<Reply>;
interface Log { info(obj: object, msg: string): void; error(obj: object, msg: string): void }

const toBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A grpc-js service definition for a generated service, keyed by proto method name, requests left as bytes. */
function definition(service: DescService): grpc.ServiceDefinition {
  return Object.fromEntries(service.methods.map((m) => [m.name, {
    path: `/${service.typeName}/${m.name}`,
    requestStream: false,
    responseStream: m.methodKind === 'server_streaming',
    requestSerialize: toBuffer,
    requestDeserialize: (b: Buffer) => b,
    responseSerialize: (r: Reply) => toBuffer(r instanceof Uint8Array ? r : encode(m.output, r as never)),
    responseDeserialize: (b: Buffer) => b,
  }]));
}

/**
 * Top-level string fields of a binary message (the model or tape id, field 1; a KServe version, field 2)
 * without decoding the rest: the tensors are decoded once, by the worker that uses them.
 */
function scanStrings(b: Uint8Array, fields: number[], typeName: string): string[] {
  const out = fields.map(() => '');
  const bad = () => fail('BAD_ARGUMENT', `cannot decode ${b.length} bytes as ${typeName}: malformed protobuf`);
  let i = 0;
  const varint = () => {
    let v = 0, s = 1;
    for (;;) {
      if (i >= b.length || s > 2 ** 63) bad();
      const x = b[i++];
      v += (x & 0x7f) * s;
      s *= 128;
      if (x < 0x80) return v;
    }
  };
  while (i < b.length) {
    const tag = varint(), no = Math.floor(tag / 8), type = tag % 8;
    if (no === 0) bad();
    if (type === 0) varint();
    else if (type === 1) i += 8;
    else if (type === 5) i += 4;
    else if (type === 2) {
      const n = varint(), end = i + n;
      if (end > b.length) bad();
      const j = fields.indexOf(no);
      if (j >= 0) out[j] = utf8.decode(b.subarray(i, end));
      i = end;
    } else bad();
    if (i > b.length) bad();
  }
  return out;
}

/** The file descriptors that server reflection describes, dependencies included, as @grpc/reflection reads them. */
function reflectionPackage(files: DescFile[]) {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile) => { if (!seen.has(f.name)) { seen.set(f.name, f); f.dependencies.forEach(visit); } };
  files.forEach(visit);
  return { gradd: { fileDescriptorProtos: [...seen.values()].map((f) => toBuffer(toBinary(FileDescriptorProtoSchema, f.proto))) } };
}

export function createGrpcServer(cfg: Config, svc: Service, jobs: Jobs, auth: Auth, health: Health, metrics: Metrics, log: Log): grpc.Server {
  // Channelz (on by default) keeps per-call counters and timestamps that nothing here reads: /metrics counts calls.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': cfg.limits.maxRequestBytes, 'grpc.max_send_message_length': -1, 'grpc.enable_channelz': 0 });

  // An answer made at once (inline) is sent at once; one still computing stops when its client cancels.
  const unary = (rpc: string, handler: Handler, open = false): grpc.handleUnaryCall<Buffer, Reply> => (call, callback) => {
    const t0 = performance.now();
    let answered = false;
    const done = (p: Problem | null, reply?: Reply) => {
      answered = true;
      const ms = performance.now() - t0, code = p ? grpc.status[grpcStatus(p).code!] : 'OK';
      metrics.observe('grpc', rpc, code, ms / 1000);
      log.info({ rpc, code, responseTime: ms }, 'gRPC call');
      if (p) callback(grpcStatus(p)); else callback(null, reply);
    };
    const failed = (e: unknown) => {
      const p = problemOf(e);
      if (p.code === 'INTERNAL') log.error({ err: e, rpc }, 'gRPC call failed');
      done(p);
    };
    let ctx: Ctx, reply: Reply | Promise<Reply>;
    try {
      const tenant = open ? DEFAULT_TENANT : auth.tenant(call.metadata.get('authorization')[0]?.toString());
      const d = call.getDeadline(), client = d instanceof Date ? d.getTime() : d;
      ctx = new Ctx(tenant, Math.min(client, Date.now() + cfg.limits.deadlineMs));
      reply = handler(ctx, call.request);
    } catch (e) {
      return failed(e);
    }
    if (!(reply instanceof Promise)) return done(null, reply);
    // grpc-js also reports a call as cancelled once its stream closes after the answer: no error is made for that.
    call.on('cancelled', () => { if (!answered) ctx.cancel(graddError('CANCELLED', 'the client cancelled the call')); });
    reply.then((r) => done(null, r), failed);
  };
  const decoded = <D extends DescMessage, R extends Reply>(schema: D, f: (ctx: Ctx, req: ReturnType<typeof decode<D>>) => R | Promise<R>): Handler =>
    (ctx, raw) => f(ctx, decode(schema, raw));
  const id = (raw: Uint8Array, schema: DescMessage) => scanStrings(raw, [1], schema.typeName)[0];
  const call = (method: 'Evaluate' | 'ValueAndGrad' | 'Jvp' | 'Hvp' | 'Jacobian', schema: DescMessage): Handler =>
    (ctx, raw) => svc.call(ctx, method, id(raw, schema), raw);

  const gradient: Record<string, Handler> = {
    RegisterModel: (ctx, raw) => svc.registerModel(ctx, raw),
    GetModel: decoded(g.GetModelRequestSchema, (ctx, req) => svc.getModel(ctx, req)),
    ListModels: decoded(g.ListModelsRequestSchema, (ctx, req) => svc.listModels(ctx, req)),
    DeleteModel: decoded(g.DeleteModelRequestSchema, (ctx, req) => svc.deleteModel(ctx, req)),
    Evaluate: call('Evaluate', g.EvaluateRequestSchema),
    ValueAndGrad: call('ValueAndGrad', g.ValueAndGradRequestSchema),
    Vjp: (ctx, raw) => svc.vjp(ctx, id(raw, g.VjpRequestSchema), raw),
    Backward: (ctx, raw) => svc.backward(ctx, id(raw, g.BackwardRequestSchema), raw),
    ReleaseTape: decoded(g.ReleaseTapeRequestSchema, (ctx, req) => svc.releaseTape(ctx, req)),
    Jvp: call('Jvp', g.JvpRequestSchema),
    Hvp: call('Hvp', g.HvpRequestSchema),
    Jacobian: call('Jacobian', g.JacobianRequestSchema),
  };
  const inference: Record<string, Handler> = {
    ServerLive: decoded(k.ServerLiveRequestSchema, () => create(k.ServerLiveResponseSchema, { live: true })),
    ServerReady: decoded(k.ServerReadyRequestSchema, () => create(k.ServerReadyResponseSchema, { ready: health.ready })),
    ModelReady: decoded(k.ModelReadyRequestSchema, (ctx, req) => (svc.kserveModel(ctx, req.name, req.version), create(k.ModelReadyResponseSchema, { ready: true }))),
    ServerMetadata: decoded(k.ServerMetadataRequestSchema, () => svc.serverMetadata()),
    ModelMetadata: decoded(k.ModelMetadataRequestSchema, (ctx, req) => svc.modelMetadata(ctx, req.name, req.version)),
    ModelInfer: (ctx, raw) => {
      const [name, version] = scanStrings(raw, [1, 2], k.ModelInferRequestSchema.typeName);
      return svc.infer(ctx, name, version, raw);
    },
  };
  const jobCalls: Record<string, Handler> = {
    StartJob: decoded(j.StartJobRequestSchema, (ctx, req) => jobs.start(ctx, req)),
    CancelJob: decoded(j.CancelJobRequestSchema, (ctx, req) => jobs.cancel(ctx, req.jobId)),
    GetJob: decoded(j.GetJobRequestSchema, (ctx, req) => jobs.get(ctx, req.jobId)),
    ListJobs: decoded(j.ListJobsRequestSchema, (ctx, req) => jobs.list(ctx, req)),
  };
  // A server stream: progress events until the job's terminal one. A client that does not keep up misses
  // events (never the last): the stream always moves on to the latest progress.
  const watchJob = (stream: grpc.ServerWritableStream<Buffer, Reply>) => {
    const t0 = performance.now();
    let ctx: Ctx | undefined;
    stream.on('cancelled', () => ctx?.cancel(graddError('CANCELLED', 'the client cancelled the call')));
    let blocked = false;
    stream.on('drain', () => { blocked = false; });
    const done = (p: Problem | null) => {
      metrics.observe('grpc', 'WatchJob', p ? grpc.status[grpcStatus(p).code!] : 'OK', (performance.now() - t0) / 1000);
      if (p) stream.emit('error', Object.assign(new Error(p.message), grpcStatus(p))); // grpc-js sends it as the status
      else stream.end();
    };
    new Promise<void>((resolve) => {
      ctx = new Ctx(auth.tenant(stream.metadata.get('authorization')[0]?.toString()), Infinity);
      resolve(jobs.watch(ctx, decode(j.WatchJobRequestSchema, stream.request).jobId, (p, last) => { if (!blocked || last) blocked = !stream.write(p); }));
    }).then(() => done(null), (e) => {
      const p = problemOf(e);
      if (p.code === 'INTERNAL') log.error({ err: e, rpc: 'WatchJob' }, 'gRPC call failed');
      done(p);
    });
  };
  const open = new Set(['ServerLive', 'ServerReady']);
  const impl = (handlers: Record<string, Handler>) =>
    Object.fromEntries(Object.entries(handlers).map(([name, f]) => [name, unary(name, f, open.has(name))]));
  server.addService(definition(g.Gradient), impl(gradient));
  server.addService(definition(j.Jobs), { ...impl(jobCalls), WatchJob: watchJob });
  server.addService(definition(k.GRPCInferenceService), impl(inference));
  server.addService(definition(h.Health), {
    Check: unary('Check', decoded(h.HealthCheckRequestSchema, (_ctx, req) => {
      const status = health.status(req.service) ?? fail('NOT_FOUND', `no service ${JSON.stringify(req.service)} here`);
      return create(h.HealthCheckResponseSchema, { status });
    }), true),
    Watch: (stream: grpc.ServerWritableStream<Buffer, Reply>) => {
      let req: h.HealthCheckRequest;
      try { req = decode(h.HealthCheckRequestSchema, stream.request); } catch (e) {
        stream.emit('error', Object.assign(new Error(problemOf(e).message), grpcStatus(problemOf(e))));
        return;
      }
      const send = () => stream.write(create(h.HealthCheckResponseSchema, { status: health.status(req.service) ?? Status.SERVICE_UNKNOWN }));
      send();
      health.on('change', send);
      stream.on('cancelled', () => health.off('change', send));
    },
  });
  new ReflectionService(reflectionPackage([g.file_gradd_v1_gradient, j.file_gradd_v1_jobs, k.file_inference_grpc_predict_v2, h.file_grpc_health_v1_health]) as never).addToServer(server);
  return server;
}

/** Binds and starts; resolves to the bound port (useful with port 0). */
export function listenGrpc(server: grpc.Server, cfg: Config): Promise<number> {
  const creds = cfg.tls
    ? grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(cfg.tls.cert), private_key: Buffer.from(cfg.tls.key) }], false)
    : grpc.ServerCredentials.createInsecure();
  const host = cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host;
  return new Promise((resolve, reject) => server.bindAsync(`${host}:${cfg.grpcPort}`, creds, (err, port) => (err ? reject(err) : resolve(port))));
}
