import { Attrs, getOp, NO_ATTRS, OpDef, Out, Value } from './catalog.js';
import { fail } from './errors.js';
import { Complex, NDArray } from './ndarray.js';
import { Tensorish } from './tensorish.js';
import { applyOp } from './tracer.js';

export type Operand = Value | number | boolean | Complex;

const isComplexScalar = (x: unknown): x is Complex =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && typeof (x as Complex).re === 'number' && typeof (x as Complex).im === 'number' && Object.keys(x).length === 2;

// Shape and strides of the 0-d arrays JS numbers become: shared (shapes are never written).
const NO_DIMS: readonly number[] = Object.freeze([]);

/** Engine values pass through; JS scalars become weak 0-d arrays (they adopt the other operand's dtype). */
export function toValue(x: unknown, where: string | (() => string)): Value {
  if (x instanceof Tensorish) return x as Value;
  let a: NDArray;
  if (typeof x === 'number') {
    const d = new Float64Array(1); // faster than Float64Array.of
    d[0] = x;
    a = new NDArray(d, NO_DIMS, Number.isInteger(x) ? 'int64' : 'float64', NO_DIMS);
    a.weak = true;
    return a;
  }
  if (typeof where === 'function') where = where();
  if (typeof x === 'boolean') a = NDArray.scalar(x ? 1 : 0, 'bool');
  else if (isComplexScalar(x)) { a = NDArray.zeros([], 'complex128'); a.data[0] = x.re; a.data[1] = x.im; }
  else if (Array.isArray(x))
    return fail('BAD_ARGUMENT', `${where}: got a JavaScript array where an array operand is expected; JS arrays are containers in gradd — build an array with np.array(${JSON.stringify(x).slice(0, 40)})`);
  else return fail('BAD_ARGUMENT', `${where}: expected an array, a number, a boolean or a complex {re, im}; got ${x === null ? 'null' : typeof x}`);
  if (typeof x !== 'boolean') a.weak = true;
  return a;
}

/** An argument as an engine value, without building the error context unless it is needed. */
const arg = (op: OpDef, x: unknown, i: number): Value => (x instanceof Tensorish ? (x as Value) : toValue(x, () => `${op.name} argument ${i}`));

function arrayArgs(op: OpDef, args: readonly unknown[]): Value[] {
  if (op.arity === 'variadic') {
    const list = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
    return list.map((x: unknown, i: number) => arg(op, x, i));
  }
  const min = op.minArity ?? op.arity;
  if (args.length < min || args.length > op.arity)
    fail('BAD_ARGUMENT', `${op.name} takes ${min === op.arity ? op.arity : `${min} to ${op.arity}`} array argument${op.arity === 1 ? '' : 's'}, got ${args.length}`);
  const out: Value[] = new Array(args.length); // rules call ops through here: no closure per call
  for (let i = 0; i < args.length; i++) out[i] = arg(op, args[i], i);
  return out;
}

/** Calls a catalog op by NumPy's dotted name, array arguments in order, other parameters by NumPy's name. */
export function callOp(name: string, args: readonly unknown[], attrs: Attrs = NO_ATTRS): Out {
  const op = getOp(name);
  if (!Array.isArray(args)) fail('BAD_ARGUMENT', `callOp('${name}', args, attrs): args must be an array of operands`);
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) fail('BAD_ATTRIBUTE', `callOp('${name}'): attrs must be a plain object keyed by NumPy parameter names`);
  return applyOp(op, arrayArgs(op, args), attrs);
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isOptions = (x: unknown) =>
  typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Tensorish) && !isComplexScalar(x);

const isOperand = (x: unknown) =>
  typeof x === 'number' || typeof x === 'boolean' || x instanceof Tensorish || isComplexScalar(x);

/**
 * The NumPy-style function for an op: array arguments first, then the op's other parameters positionally,
 * then one options object with camelCased NumPy keyword names.
 */
export function npFunction(op: OpDef): (...a: unknown[]) => Out {
  const names = op.attrs ?? [];
  const general = (...a: unknown[]) => {
    const attrs: Attrs = {};
    if (a.length && isOptions(a[a.length - 1]) && (op.arity === 'variadic' ? a.length > 1 : a.length > (op.minArity ?? op.arity)))
      for (const [k, v] of Object.entries(a.pop() as object)) if (v !== undefined) attrs[snake(k)] = v;
    let arrays: unknown[];
    if (op.arity === 'variadic') arrays = [a.shift()];
    else {
      // Optional trailing array arguments (scipy.stats' loc, scale) are consumed only when given as values.
      let n = op.minArity ?? op.arity;
      while (n < op.arity && n < a.length && isOperand(a[n])) n++;
      arrays = a.splice(0, Math.min(n, a.length));
    }
    a.forEach((v, i) => {
      if (i >= names.length) fail('BAD_ARGUMENT', `${op.name}: too many arguments (${names.length} parameters after the arrays: ${names.join(', ') || 'none'})`);
      if (v !== undefined) attrs[names[i]] = v;
    });
    return applyOp(op, arrayArgs(op, arrays), attrs);
  };
  if (op.minArity !== undefined) return general;
  // The common calls np.tanh(x) and np.add(x, y) skip the argument parsing.
  const w0 = () => `${op.name} argument 0`, w1 = () => `${op.name} argument 1`;
  if (op.arity === 1) return function (x: unknown) {
    return arguments.length === 1 && isOperand(x) ? applyOp(op, [toValue(x, w0)], NO_ATTRS) : general(...arguments);
  };
  if (op.arity === 2) return function (x: unknown, y: unknown) {
    return arguments.length === 2 && isOperand(x) && isOperand(y) ? applyOp(op, [toValue(x, w0), toValue(y, w1)], NO_ATTRS) : general(...arguments);
  };
  return general;
}

