// One error table: each code has its JS class, HTTP status and gRPC status.
// The library throws; the server's transports translate by `code`.

export const ERRORS = {
  UNKNOWN_OP: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  BAD_ARGUMENT: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  BAD_ATTRIBUTE: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  SHAPE_MISMATCH: { kind: 'range', http: 400, grpc: 'INVALID_ARGUMENT' },
  DTYPE_MISMATCH: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  INDEX_OUT_OF_RANGE: { kind: 'range', http: 400, grpc: 'OUT_OF_RANGE' },
  AXIS_OUT_OF_RANGE: { kind: 'range', http: 400, grpc: 'INVALID_ARGUMENT' },
  NOT_DIFFERENTIABLE: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  NON_SCALAR_OUTPUT: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  TRACED_COERCION: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  TOO_LARGE: { kind: 'range', http: 413, grpc: 'RESOURCE_EXHAUSTED' },
  NOT_IMPLEMENTED: { kind: 'type', http: 501, grpc: 'UNIMPLEMENTED' },
  NATIVE_MISSING: { kind: 'type', http: 500, grpc: 'INTERNAL' },
  LINALG_ERROR: { kind: 'range', http: 400, grpc: 'INVALID_ARGUMENT' },
  INVALID_GRAPH: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  LIMIT_EXCEEDED: { kind: 'range', http: 422, grpc: 'RESOURCE_EXHAUSTED' },
  VALUE_OUT_OF_RANGE: { kind: 'range', http: 400, grpc: 'INVALID_ARGUMENT' },
  MODIFIED_IN_PLACE: { kind: 'type', http: 400, grpc: 'FAILED_PRECONDITION' },
  READ_ONLY: { kind: 'type', http: 400, grpc: 'INVALID_ARGUMENT' },
  // The server's own (server/errors.ts maps every code to both transports).
  NOT_FOUND: { kind: 'range', http: 404, grpc: 'NOT_FOUND' },
  UNAUTHENTICATED: { kind: 'type', http: 401, grpc: 'UNAUTHENTICATED' },
  UNSUPPORTED_MEDIA_TYPE: { kind: 'type', http: 415, grpc: 'INVALID_ARGUMENT' },
  QUOTA_EXCEEDED: { kind: 'range', http: 429, grpc: 'RESOURCE_EXHAUSTED' },
  DEADLINE_EXCEEDED: { kind: 'range', http: 504, grpc: 'DEADLINE_EXCEEDED' },
  CANCELLED: { kind: 'range', http: 499, grpc: 'CANCELLED' },
  REQUEST_TIMEOUT: { kind: 'range', http: 408, grpc: 'DEADLINE_EXCEEDED' },
  UNAVAILABLE: { kind: 'range', http: 503, grpc: 'UNAVAILABLE' },
  INTERNAL: { kind: 'type', http: 500, grpc: 'INTERNAL' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export class GraddTypeError extends TypeError {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'GraddTypeError';
  }
}

export class GraddRangeError extends RangeError {
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'GraddRangeError';
  }
}

export function graddError(code: ErrorCode, message: string): GraddTypeError | GraddRangeError {
  return ERRORS[code].kind === 'range' ? new GraddRangeError(code, message) : new GraddTypeError(code, message);
}

export function fail(code: ErrorCode, message: string): never {
  throw graddError(code, message);
}

export const fmtShape = (s: readonly number[]) => `[${s.join(', ')}]`;
