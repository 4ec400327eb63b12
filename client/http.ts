// The HTTP/JSON transport: fetch (undici) on the server's routes, messages in protobuf's canonical JSON
// mapping, errors from the body {error: {code, message}}. A method travels by its route (httpRoute); a
// server stream arrives as server-sent events, each event's data one message, where an event named "error"
// (data {error: {code, message}}) ends it with that error.
import { create, fromJson, toJsonString, type DescMessage, type DescMethod, type JsonValue, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { Agent, fetch, type Response } from 'undici';
import { fail, graddError, type ErrorCode } from '../core/errors.js';
import { Gradient } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import { deadlineMs, remoteError, stopped, type CallOptions, type Method, type Transport } from './transport.js';

export interface HttpRoute<I extends DescMessage = DescMessage> {
  verb: 'GET' | 'POST' | 'DELETE';
  /** The path for a request; a POST sends the whole request as its body (ids included: the server accepts them when they agree with the path). */
  path: (req: MessageShape<I>) => string;
  /** Query parameters of a GET; unset ones are left out. */
  query?: (req: MessageShape<I>) => Record<string, string | number | boolean | undefined>;
}

const routes = new Map<DescMethod, HttpRoute>();

/** How `method` travels over HTTP (the services' modules declare their routes with this). */
export function httpRoute<I extends DescMessage>(method: Method<I>, route: HttpRoute<I>): void {
  routes.set(method, route as unknown as HttpRoute);
}

const id = encodeURIComponent;
const G = Gradient.method;
httpRoute(G.registerModel, { verb: 'POST', path: () => '/v1/models' });
httpRoute(G.listModels, { verb: 'GET', path: () => '/v1/models', query: (r) => ({ pageSize: r.pageSize || undefined, pageToken: r.pageToken || undefined }) });
httpRoute(G.getModel, { verb: 'GET', path: (r) => `/v1/models/${id(r.modelId)}`, query: (r) => ({ includeGraph: r.includeGraph || undefined }) });
httpRoute(G.deleteModel, { verb: 'DELETE', path: (r) => `/v1/models/${id(r.modelId)}` });
for (const m of [G.evaluate, G.valueAndGrad, G.vjp, G.jvp, G.hvp, G.jacobian] as Method<typeof G.evaluate.input>[])
  httpRoute(m, { verb: 'POST', path: (r) => `/v1/models/${id(r.modelId)}/${m.localName}` });
httpRoute(G.backward, { verb: 'POST', path: (r) => `/v1/tapes/${id(r.tapeId)}/backward` });
httpRoute(G.releaseTape, { verb: 'DELETE', path: (r) => `/v1/tapes/${id(r.tapeId)}` });

/** What an HTTP status means when the body names no gradd code (a proxy's answer, say). */
const BY_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_ARGUMENT', 401: 'UNAUTHENTICATED', 404: 'NOT_FOUND', 408: 'REQUEST_TIMEOUT', 413: 'TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'QUOTA_EXCEEDED', 499: 'CANCELLED', 501: 'NOT_IMPLEMENTED', 502: 'UNAVAILABLE', 503: 'UNAVAILABLE', 504: 'DEADLINE_EXCEEDED',
};

export interface TlsOptions {
  /** PEM certificates to trust instead of the system's (a self-signed server's certificate, say). */
  ca?: string | Buffer;
  /** A client certificate and its key, for servers that ask for one. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export class HttpTransport implements Transport {
  private readonly agent: Agent;

  constructor(private readonly base: URL, private readonly token?: string, tls: TlsOptions = {}) {
    this.agent = new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
  }

  async unary<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}): Promise<MessageShape<O>> {
    const what = `${method.parent.name}.${method.name}`;
    const res = await this.send(method, request, opts, what);
    const text = await this.read(() => res.text(), opts, what);
    if (!res.ok) throw this.problem(res.status, text, what);
    return this.message(method.output, this.json(text, what), what);
  }

  async *stream<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}): AsyncIterable<MessageShape<O>> {
    const what = `${method.parent.name}.${method.name}`;
    const res = await this.send(method, request, opts, what, 'text/event-stream');
    if (!res.ok) throw this.problem(res.status, await this.read(() => res.text(), opts, what), what);
    const chunks = res.body![Symbol.asyncIterator](), decoder = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const chunk = await this.read(() => chunks.next(), opts, what);
        buf += chunk.done ? `${decoder.decode()}\n\n` : decoder.decode(chunk.value, { stream: true });
        const events = buf.replace(/\r\n?/g, '\n').split('\n\n');
        buf = events.pop()!;
        for (const event of events) {
          const lines = event.split('\n').filter((l) => !l.startsWith(':')); // ':' lines are comments (keep-alives)
          const field = (name: string) => lines.filter((l) => l === name || l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ''));
          const data = field('data');
          if (!data.length) continue;
          if (field('event')[0] === 'error') throw this.problem(500, data.join('\n'), what);
          yield this.message(method.output, this.json(data.join('\n'), what), what);
        }
        if (chunk.done) return;
      }
    } finally {
      await chunks.return?.();
    }
  }

  close(): Promise<void> { return this.agent.close(); }

  private async send(method: Method, request: unknown, opts: CallOptions, what: string, accept = 'application/json'): Promise<Response> {
    const route = routes.get(method) ?? fail('NOT_IMPLEMENTED', `${what} has no HTTP route in this client; use a grpc:// address`);
    const msg = create(method.input, request as MessageInitShape<DescMessage>);
    const url = new URL(this.base.pathname.replace(/\/$/, '') + route.path(msg), this.base);
    for (const [k, v] of Object.entries(route.query?.(msg) ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (route.verb === 'POST') headers['content-type'] = 'application/json';
    return this.read(() => fetch(url, {
      method: route.verb, headers, dispatcher: this.agent, signal: this.signal(opts),
      body: route.verb === 'POST' ? toJsonString(method.input, msg) : undefined,
    }), opts, what);
  }

  /** One step of a call (the request, reading the answer); a failure is the caller's abort, the deadline, or UNAVAILABLE: the connection failed. */
  private async read<T>(step: () => Promise<T>, opts: CallOptions, what: string): Promise<T> {
    const stop = stopped(opts, what);
    if (stop) throw stop;
    try {
      return await step();
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = [cause?.code, cause?.message ?? (e as Error).message].filter(Boolean).join(': ');
      throw stopped(opts, what) ?? graddError('UNAVAILABLE', `${what}: the connection to ${this.base.origin} failed (${why})`);
    }
  }

  private signal(opts: CallOptions): AbortSignal | undefined {
    const ms = deadlineMs(opts) - Date.now();
    const signals = [opts.signal, Number.isFinite(ms) ? AbortSignal.timeout(Math.max(0, ms)) : undefined].filter((s) => s !== undefined);
    return signals.length ? AbortSignal.any(signals) : undefined;
  }

  private problem(status: number, text: string, what: string) {
    const body = this.json(text, what, false) as { error?: { code?: string; message?: string } } | undefined;
    return remoteError(body?.error?.code, BY_STATUS[status] ?? 'INTERNAL', body?.error?.message ?? `${what}: HTTP ${status}: ${text.slice(0, 200)}`);
  }

  private json(text: string, what: string, strict = true): unknown {
    try { return JSON.parse(text); } catch {
      return strict ? fail('INTERNAL', `${what}: the server's answer is not JSON: ${text.slice(0, 200)}`) : undefined;
    }
  }

  private message<O extends DescMessage>(schema: O, json: unknown, what: string): MessageShape<O> {
    try {
      // A newer server may add fields: ignore them rather than fail.
      return fromJson(schema, json as JsonValue, { ignoreUnknownFields: true });
    } catch (e) {
      return fail('INTERNAL', `${what}: the server's answer is not a ${schema.typeName}: ${(e as Error).message}`);
    }
  }
}
