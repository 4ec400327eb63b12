// gradd/client: trace functions into graphs and use them on a gradd server. Imports no native code.
export { connect, Client, type ConnectOptions } from './client.js';
export { Model, type DiffOptions, type Tape } from './model.js';
export { Job, type JobInfo, type JobOptions, type JobStateName, type MinimizeOptions, type Progress } from './jobs.js';
export type { CallOptions, Method, RetryPolicy, Transport } from './transport.js';
export { httpRoute, type HttpRoute, type TlsOptions } from './http.js';
export { trace, inferOp } from './trace.js';
export { np, scipy } from '../core/np.js';
export { validateGraph, DEFAULT_LIMITS } from '../core/graph/validate.js';
export type { GraphLimits } from '../core/graph/validate.js';
export { catalogVersion } from '../core/graph/version.js';
export { NDArray } from '../core/ndarray.js';
export { GraddTypeError, GraddRangeError } from '../core/errors.js';
export type { ErrorCode } from '../core/errors.js';
export type { DType } from '../core/dtype.js';
export type { Graph, Node, Ref, TensorSpec, AttrValue } from '../core/graph/ir.js';
