// What the client's services ask of a transport (gRPC or HTTP): one unary call and one server stream per
// method descriptor of proto/gradd/v1, messages as protobuf-es objects, failures as GraddTypeError /
// GraddRangeError with the server's code. Retrying idempotent calls sits above the transports, once.
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from '@bufbuild/protobuf';
import { ERRORS, graddError, GraddRangeError, GraddTypeError, type ErrorCode } from '../core/errors.js';

/** A generated method descriptor (`Gradient.method.valueAndGrad`) with its message types. */
export type Method<I extends DescMessage = DescMessage, O extends DescMessage = DescMessage> = DescMethod & { readonly input: I; readonly output: O };

export interface CallOptions {
  /** When the call must be done by: a Date or epoch milliseconds (as grpc-js). Past it the call fails with DEADLINE_EXCEEDED. */
  deadline?: Date | number;
  /** Aborting it cancels the call (CANCELLED). */
  signal?: AbortSignal;
}

export interface Transport {
  unary<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts?: CallOptions): Promise<MessageShape<O>>;
  stream<I extends DescMessage, O extends DescMessage>(method: Method<I, O>, request: MessageInitShape<I>, opts?: CallOptions): AsyncIterable<MessageShape<O>>;
  close(): Promise<void>;
}

export interface RetryPolicy {
  /** Tries in all, the first included (1: no retries). */
  attempts: number;
  /** Backoff before retry k (from 1): a random delay up to min(maxDelayMs, baseDelayMs · 2^(k-1)). */
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2000 };

/** The server's error code when it sent a known one, else `fallback` (what the protocol's status means). */
export const remoteError = (code: string | undefined, fallback: ErrorCode, message: string) =>
  graddError(code !== undefined && Object.hasOwn(ERRORS, code) ? code as ErrorCode : fallback, message);

export const deadlineMs = (opts: CallOptions): number => (opts.deadline === undefined ? Infinity : +opts.deadline);

/** The error a call ends with when its signal aborts or its deadline passes (checked in that order). */
export function stopped(opts: CallOptions, what: string): GraddTypeError | GraddRangeError | undefined {
  if (opts.signal?.aborted) return Object.assign(graddError('CANCELLED', `${what}: cancelled by the caller`), { cause: opts.signal.reason });
  if (Date.now() >= deadlineMs(opts)) return graddError('DEADLINE_EXCEEDED', `${what}: the deadline passed`);
  return undefined;
}

/**
 * `attempt` until it succeeds, fails with anything but UNAVAILABLE (the server was not reached, reset the
 * connection, or is draining), or the policy's tries, the deadline or the signal run out.
 */
export async function retrying<T>(attempt: () => Promise<T>, opts: CallOptions, policy: RetryPolicy, what: string): Promise<T> {
  for (let k = 1; ; k++) {
    try {
      return await attempt();
    } catch (e) {
      if (k >= policy.attempts || !(e instanceof GraddRangeError) || e.code !== 'UNAVAILABLE') throw e;
      const delay = Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (k - 1));
      if (Date.now() + delay >= deadlineMs(opts)) throw e;
      await sleep(delay, opts.signal);
      const stop = stopped(opts, what);
      if (stop) throw stop;
    }
  }
}

const sleep = (ms: number, signal?: AbortSignal) => new Promise<void>((resolve) => {
  const done = () => { clearTimeout(timer); signal?.removeEventListener('abort', done); resolve(); };
  const timer = setTimeout(done, ms);
  signal?.addEventListener('abort', done, { once: true });
});
