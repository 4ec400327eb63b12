// connect(url) → a Client: register traced functions as models, reopen models by id. Calls go through one
// Transport (gRPC or HTTP); idempotent ones are retried on UNAVAILABLE with bounded backoff.
import * as grpc from '@grpc/grpc-js';
import { toJson, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { ValueSchema, type Value } from '@bufbuild/protobuf/wkt';
import { fail } from '../core/errors.js';
import type { Graph } from '../core/graph/ir.js';
import { graphToProto } from '../core/graph/wire.js';
import { Gradient } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import { GrpcTransport } from './grpc.js';
import { HttpTransport, type TlsOptions } from './http.js';
import { Model } from './model.js';
import { trace } from './trace.js';
import { DEFAULT_RETRY, retrying, type CallOptions, type Method, type RetryPolicy, type Transport } from './transport.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface ConnectOptions {
  /** Sent as "authorization: Bearer <token>"; the server's tenant for it owns the models. */
  token?: string;
  /** For grpcs:// and https:// addresses. */
  tls?: TlsOptions;
  retry?: Partial<RetryPolicy>;
}

const G = Gradient.method;

/**
 * A client for the gradd server at `url`: grpc://host[:port] (port 50051 by default), grpcs://… (gRPC over TLS),
 * http://host:port or https://…[/prefix] (the HTTP/JSON routes). The first call opens the connection.
 */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<Client> {
  let u: URL;
  try { u = new URL(url); } catch { return fail('BAD_ARGUMENT', `connect: ${JSON.stringify(url)} is not a URL; expected grpc://host:port, grpcs://…, http://host:port or https://…`); }
  const secure = u.protocol === 'grpcs:' || u.protocol === 'https:';
  if (opts.tls && !secure) fail('BAD_ARGUMENT', `connect: tls options need a grpcs:// or https:// address, not ${u.protocol}//`);
  const retry = { ...DEFAULT_RETRY, ...opts.retry };
  if (!(Number.isInteger(retry.attempts) && retry.attempts >= 1)) fail('BAD_ARGUMENT', `connect: retry.attempts is ${retry.attempts}; it counts tries, 1 or more`);
  if (u.protocol === 'grpc:' || u.protocol === 'grpcs:') {
    const t = opts.tls ?? {}, buf = (x: string | Buffer | undefined) => (x === undefined ? null : Buffer.from(x));
    const creds = secure ? grpc.credentials.createSsl(buf(t.ca), buf(t.key), buf(t.cert)) : grpc.credentials.createInsecure();
    return new Client(new GrpcTransport(`${u.hostname}:${u.port || 50051}`, creds, opts.token), retry);
  }
  if (u.protocol === 'http:' || u.protocol === 'https:') return new Client(new HttpTransport(u, opts.token, opts.tls), retry);
  return fail('BAD_ARGUMENT', `connect: unsupported scheme ${u.protocol}//; use grpc://, grpcs://, http:// or https://`);
}

export class Client {
  constructor(readonly transport: Transport, readonly retry: RetryPolicy) {}

  /** One unary call; an idempotent one is retried while the server is unreachable (UNAVAILABLE), within the deadline. */
  call<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}, idempotent = false): Promise<MessageShape<O>> {
    const once = () => this.transport.unary(method, request, opts);
    return idempotent ? retrying(once, opts, this.retry, `${method.parent.name}.${method.name}`) : once();
  }

  stream<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}): AsyncIterable<MessageShape<O>> {
    return this.transport.stream(method, request, opts);
  }

  /** Traces f with its argument specs (as `trace`), registers the graph and returns the model. */
  register(f: (...args: any[]) => any, ...argSpecs: unknown[]): Promise<Model> {
    return this.registerGraph(trace(f, ...argSpecs), f.name);
  }

  /** Registers a graph (idempotent: the same graph gives the same model). */
  async registerGraph(graph: Graph, name = '', opts: CallOptions = {}): Promise<Model> {
    const res = await this.call(G.registerModel, { graph: graphToProto(graph), name }, opts, true);
    return new Model(this, res.model!, graph);
  }

  /** A registered model by id (NOT_FOUND when this token's tenant has none). */
  async model(id: string, opts: CallOptions = {}): Promise<Model> {
    const m = await this.call(G.getModel, { modelId: id, includeGraph: true }, opts, true);
    const tree = (v: Value | undefined) => (v ? toJson(ValueSchema, v) : undefined);
    return new Model(this, m, { inputTree: tree(m.graph?.inputTree), outputTree: tree(m.graph?.outputTree) });
  }

  /** Closes the connection; calls after it fail. */
  close(): Promise<void> { return this.transport.close(); }
}
