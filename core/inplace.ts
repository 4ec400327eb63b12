// Assignment and in-place arithmetic, differentiable and safe.
// A concrete array is written in place (a view writes into its base, as in NumPy) and its buffer is stamped,
// so a recorded op whose backward pass needs the old value refuses to run (core/versions.ts). A traced array
// is updated by a functional op (index_update, add, …) and rebound: copy-on-write, so the tape keeps the old value.
import type { Value } from './catalog.js';
import { callOp } from './call.js';
import { fail, fmtShape } from './errors.js';
import { broadcastStrides, cast } from './kernels.js';
import { NDArray } from './ndarray.js';
import { assign, planIndex, positions } from './ops/indexing.js';
import { Tensorish } from './tensorish.js';
import type { Box } from './tracer.js';
import { stamp } from './versions.js';

const asIndex = (index: unknown): unknown[] => (Array.isArray(index) ? index : [index]);
const resolved = (x: Value): Value => (x instanceof NDArray && x.tracedAs ? x.tracedAs : x);

function writable(x: NDArray, where: string): void {
  if (x.shape.some((d, i) => d > 1 && x.strides[i] === 0))
    fail('READ_ONLY', `${where}: the array of shape ${fmtShape(x.shape)} is a broadcast view (np.broadcastTo) and is read-only; copy it first (x.copy())`);
}

/** Makes `target` hold `r` (same shape): written into its buffer when both are concrete, else rebound. */
function become(target: Value, r: Value, where: string): void {
  if (r.shape.length !== target.shape.length || r.shape.some((d, i) => d !== target.shape[i]))
    fail('SHAPE_MISMATCH', `${where}: the result has shape ${fmtShape(r.shape)}, but an in-place update must keep the array's shape ${fmtShape(target.shape)}`);
  if (r.dtype !== target.dtype) r = callOp('astype', [r], { dtype: target.dtype }) as Value;
  if (!(target instanceof NDArray)) target.rebind(r as Box);
  else if (!(r instanceof NDArray)) target.tracedAs = r;
  else {
    writable(target, where);
    const plan = planIndex(target.shape, [], where);
    assign(target.data, target.dtype, positions(plan, target.strides, target.offset), r.values());
    stamp(target);
  }
}

/** x[index] = value, in place. */
export function setItem(x: Value, index: unknown, value: unknown): void {
  const target = resolved(x), idx = asIndex(index);
  const v = value instanceof NDArray ? resolved(value) : value;
  if (target instanceof NDArray && !(v instanceof Tensorish && !(v instanceof NDArray))) {
    writable(target, 'set');
    const plan = planIndex(target.shape, idx, 'set');
    const val = callOp('astype', [v], { dtype: target.dtype }) as NDArray;
    if (!val.shape.every((d, i) => d === 1 || d === plan.shape[plan.shape.length - val.shape.length + i]) || val.shape.length > plan.shape.length)
      fail('SHAPE_MISMATCH', `set: a value of shape ${fmtShape(val.shape)} cannot be assigned to x[index] of shape ${fmtShape(plan.shape)}`);
    const b = new NDArray(val.data, plan.shape, val.dtype, broadcastStrides(val, plan.shape), val.offset);
    assign(target.data, target.dtype, positions(plan, target.strides, target.offset), cast(b, target.dtype).values());
    stamp(target);
    return;
  }
  become(x, callOp('index_update', [target, v], { index: idx }) as Value, 'set');
}

/** x op= y, in place (the result keeps x's shape and dtype, as NumPy's augmented assignment). */
export function updateInPlace(x: Value, op: string, y: unknown): void {
  become(x, callOp(op, [resolved(x), y instanceof NDArray ? resolved(y) : y]) as Value, `${op} in place`);
}

/** JAX-style functional updates: np.at(x).set(index, v) returns a new array and leaves x alone. */
export function at(x: unknown) {
  const base = x as Value;
  const put = (index: unknown, v: unknown) => callOp('index_update', [base, v], { index: asIndex(index) }) as Value;
  const combine = (op: string) => (index: unknown, v: unknown) =>
    put(index, callOp(op, [callOp('getitem', [base], { index: asIndex(index) }), v]));
  return {
    get: (index: unknown) => callOp('getitem', [base], { index: asIndex(index) }) as Value,
    set: put,
    add: (index: unknown, v: unknown) => callOp('index_add', [base, v], { index: asIndex(index) }) as Value,
    subtract: combine('subtract'),
    multiply: combine('multiply'),
    divide: combine('divide'),
    power: combine('power'),
    min: combine('minimum'),
    max: combine('maximum'),
  };
}
