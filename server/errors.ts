// The one error table (core/errors.ts) in each protocol's own form: HTTP status + {error: {code, message}},
// gRPC status + details + the code in trailing metadata (gradd-error-code).
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { ERRORS, GraddRangeError, GraddTypeError, type ErrorCode } from '../core/errors.js';

export interface Problem { code: ErrorCode; message: string }

export const isGradd = (e: unknown): e is GraddTypeError | GraddRangeError => e instanceof GraddTypeError || e instanceof GraddRangeError;

/** A thrown value as a Problem; anything that is not a gradd error is INTERNAL (the caller logs it). */
export const problemOf = (e: unknown): Problem =>
  isGradd(e) ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: 'internal error; the server logged it' };

export const httpStatus = (p: Problem): number => ERRORS[p.code].http;
export const httpBody = (p: Problem): string => JSON.stringify({ error: { code: p.code, message: p.message } });

export const grpcCode = (p: Problem): status => status[ERRORS[p.code].grpc];

export function grpcStatus(p: Problem): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('gradd-error-code', p.code);
  return { code: grpcCode(p), details: p.message, metadata };
}
