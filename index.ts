// gradd: HIPS autograd for TypeScript on a native OpenBLAS/LAPACK core.
import { loadNative } from './native/index.js';

// Fails here, with the command that builds it, when the native addon is missing.
loadNative();

export { np, scipy } from './core/np.js';
export { callOp } from './core/call.js';
export { NDArray } from './core/ndarray.js';
export type { DType } from './core/dtype.js';
export * from './core/differential.js';
export { primitive, defvjp, defjvp, defvjpArgnum, checkpoint, fixedPoint } from './core/primitive.js';
export { GraddTypeError, GraddRangeError, ERRORS } from './core/errors.js';
export type { ErrorCode } from './core/errors.js';
export { optimizers } from './core/optimizers.js';
export { flatten } from './core/flatten.js';
export { checkGrads } from './core/checkgrads.js';
export { trace } from './core/graph/trace.js';
export { evalGraph } from './core/graph/eval.js';
export { validateGraph, DEFAULT_LIMITS } from './core/graph/validate.js';
export type { GraphLimits } from './core/graph/validate.js';
export { catalogVersion } from './core/graph/version.js';
export { loopLimits } from './core/control.js';
export type { Graph, Node, Ref, TensorSpec, AttrValue } from './core/graph/ir.js';
