// The gRPC transport: @grpc/grpc-js with the definitions generated from proto/ (grpcService), the token as
// "authorization: Bearer" metadata, the server's error code from the "gradd-error-code" trailer.
import * as grpc from '@grpc/grpc-js';
import type { DescMessage, DescService, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import type { ErrorCode } from '../core/errors.js';
import { grpcService } from '../core/graph/wire.js';
import { remoteError, stopped, type CallOptions, type Method, type Transport } from './transport.js';

const { status } = grpc;
/** What a status means when the server sent no gradd code (grpc-js's own failures: no connection, deadline, message size). */
const CODES: Partial<Record<grpc.status, ErrorCode>> = {
  [status.CANCELLED]: 'CANCELLED', [status.DEADLINE_EXCEEDED]: 'DEADLINE_EXCEEDED', [status.UNAVAILABLE]: 'UNAVAILABLE',
  [status.UNAUTHENTICATED]: 'UNAUTHENTICATED', [status.NOT_FOUND]: 'NOT_FOUND', [status.RESOURCE_EXHAUSTED]: 'TOO_LARGE',
  [status.UNIMPLEMENTED]: 'NOT_IMPLEMENTED', [status.INVALID_ARGUMENT]: 'BAD_ARGUMENT',
};

export class GrpcTransport implements Transport {
  private readonly client: grpc.Client;
  private readonly services = new Map<DescService, ReturnType<typeof grpcService>>();

  constructor(address: string, credentials: grpc.ChannelCredentials, private readonly token?: string) {
    // The server enforces its own message limits; grpc-js's default 4 MB would cut off large Jacobians.
    this.client = new grpc.Client(address, credentials, { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 });
  }

  unary<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}): Promise<MessageShape<O>> {
    const d = this.definition(method), what = `${method.parent.name}.${method.name}`;
    const stop = stopped(opts, what);
    if (stop) return Promise.reject(stop);
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(d.path, d.requestSerialize, d.responseDeserialize, request as MessageShape<I>, this.metadata(), this.options(opts),
        (err, res) => {
          opts.signal?.removeEventListener('abort', cancel);
          if (err) reject(this.error(err, opts, what)); else resolve(res as MessageShape<O>);
        });
      const cancel = () => call.cancel();
      opts.signal?.addEventListener('abort', cancel, { once: true });
    });
  }

  async *stream<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts: CallOptions = {}): AsyncIterable<MessageShape<O>> {
    const d = this.definition(method), what = `${method.parent.name}.${method.name}`;
    const stop = stopped(opts, what);
    if (stop) throw stop;
    const call = this.client.makeServerStreamRequest(d.path, d.requestSerialize, d.responseDeserialize, request as MessageShape<I>, this.metadata(), this.options(opts));
    const cancel = () => call.cancel();
    opts.signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const msg of call) yield msg as MessageShape<O>;
    } catch (e) {
      throw this.error(e as grpc.ServiceError, opts, what);
    } finally {
      opts.signal?.removeEventListener('abort', cancel);
      call.cancel(); // a consumer that stops early ends the call; after the last message this does nothing
    }
  }

  async close(): Promise<void> { this.client.close(); }

  private definition(method: Method) {
    let s = this.services.get(method.parent);
    if (!s) this.services.set(method.parent, (s = grpcService(method.parent)));
    return s[method.localName] as unknown as grpc.MethodDefinition<object, object>;
  }

  private metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    if (this.token) md.set('authorization', `Bearer ${this.token}`);
    return md;
  }

  private options(opts: CallOptions): grpc.CallOptions {
    return opts.deadline === undefined ? {} : { deadline: opts.deadline };
  }

  private error(err: grpc.ServiceError, opts: CallOptions, what: string) {
    if (err.code === status.CANCELLED && opts.signal?.aborted) return stopped(opts, what)!;
    const code = err.metadata?.get('gradd-error-code')[0]?.toString();
    return remoteError(code, CODES[err.code] ?? 'INTERNAL', code ? err.details : `${what}: ${err.details || err.message}`);
  }
}
