// The NumPy-shaped namespaces, built from the catalog: np.tanh(x) is callOp('tanh', [x]).
import { allOps, Attrs, getOp, Value } from './catalog.js';
import { callOp, npFunction, toValue } from './call.js';
import { isComplexScalar } from './containers.js';
import { checkDType, DType } from './dtype.js';
import { fail } from './errors.js';
import { checkShape, NDArray, Nested } from './ndarray.js';
import { bindMethods, Tensorish } from './tensorish.js';
import { applyOp } from './tracer.js';
import './ops/index.js';
import { at, setItem, updateInPlace } from './inplace.js';
import { cond, forLoop, scan, whileLoop } from './control.js';
import { odeint } from './integrate.js';
import { random } from './random.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Namespace = Record<string, any>;

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

function build(): { np: Namespace; scipy: Namespace; byName: Namespace } {
  const root: Namespace = { scipy: {} }, byName: Namespace = {};
  for (const op of allOps()) {
    const fn = op.npStyle ? op.npStyle((args, attrs) => callOp(op.name, args, attrs)) : npFunction(op);
    byName[op.name] = fn;
    const path = op.name.split('.');
    let ns = root;
    for (const p of path.slice(0, -1)) ns = ns[p] ??= {};
    ns[camel(path[path.length - 1])] = fn;
  }
  const { scipy, ...np } = root;
  return { np, scipy, byName };
}

const built = build();
bindMethods(built.byName, { setItem, updateInPlace });

function inferNested(x: Nested, where: string): { shape: number[]; flat: (number | boolean | { re: number; im: number })[] } {
  const shape: number[] = [];
  for (let v: unknown = x; Array.isArray(v); v = v[0]) shape.push(v.length);
  const flat: (number | boolean | { re: number; im: number })[] = [];
  const walk = (v: unknown, d: number) => {
    if (d === shape.length) {
      if (Array.isArray(v)) fail('SHAPE_MISMATCH', `${where}: the nested lists are ragged (deeper at some positions); expected shape [${shape.join(', ')}]`);
      if (typeof v !== 'number' && typeof v !== 'boolean' && !isComplexScalar(v))
        fail('BAD_ARGUMENT', `${where}: element ${JSON.stringify(v)} is not a number, boolean or complex {re, im}`);
      flat.push(v as number);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) fail('SHAPE_MISMATCH', `${where}: the nested lists are ragged; expected shape [${shape.join(', ')}]`);
    for (const c of v) walk(c, d + 1);
  };
  walk(x, 0);
  return { shape, flat };
}

const hasTraced = (x: unknown): boolean => x instanceof Tensorish || (Array.isArray(x) && x.some(hasTraced));

/** np.array: nested JS arrays of numbers, booleans or {re, im}; lists of arrays (traced or not) are stacked. */
function array(x: unknown, opts: { dtype?: DType } = {}): Value {
  const dtype = opts.dtype === undefined ? undefined : checkDType(opts.dtype, 'np.array');
  if (hasTraced(x)) {
    const v = x instanceof Tensorish ? x as Value : (callOp('array', [(x as unknown[]).map((e) => (Array.isArray(e) ? array(e) : e))]) as Value);
    return dtype && v.dtype !== dtype ? (callOp('astype', [v], { dtype }) as Value) : v;
  }
  const { shape, flat } = inferNested(x as Nested, 'np.array');
  checkShape(shape, 'np.array');
  const complex = flat.some((v) => typeof v === 'object');
  const d: DType = dtype ?? (complex ? 'complex128' : flat.length && flat.every((v) => typeof v === 'boolean') ? 'bool' : 'float64');
  const data = d === 'complex128'
    ? flat.flatMap((v) => (typeof v === 'object' ? [v.re, v.im] : [+v, 0]))
    : flat.map((v) => {
      if (typeof v === 'object') fail('DTYPE_MISMATCH', `np.array: complex element ${JSON.stringify(v)} in an array of dtype ${d}`);
      return +v;
    });
  return NDArray.fromData(data, shape, d);
}

const shapeArg = (s: number | readonly number[], where: string) => checkShape(typeof s === 'number' ? [s] : [...s], where);
function filled(shape: number | readonly number[], value: number, opts: { dtype?: DType } = {}, where = 'np.full'): NDArray {
  const a = NDArray.zeros(shapeArg(shape, where), checkDType(opts.dtype ?? 'float64', where));
  if (a.dtype === 'complex128') for (let i = 0; i < a.size; i++) a.data[2 * i] = value; else a.data.fill(value);
  return a;
}

function arange(...args: (number | { dtype?: DType })[]): NDArray {
  const opts = typeof args[args.length - 1] === 'object' ? (args.pop() as { dtype?: DType }) : {};
  const [a, b, c] = args as number[];
  const [start, stop, step] = b === undefined ? [0, a, 1] : [a, b, c ?? 1];
  if (step === 0 || ![start, stop, step].every(Number.isFinite)) fail('BAD_ARGUMENT', `np.arange(${start}, ${stop}, ${step}): bounds must be finite and step non-zero`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const dtype = opts.dtype ?? ([start, stop, step].every(Number.isInteger) ? 'int64' : 'float64');
  return NDArray.fromData(Array.from({ length: n }, (_, i) => start + i * step), [n], dtype);
}

function eye(n: number, m = n, k = 0, opts: { dtype?: DType } = {}): NDArray {
  const a = NDArray.zeros(checkShape([n, m], 'np.eye'), opts.dtype ?? 'float64');
  for (let i = 0; i < n; i++) if (i + k >= 0 && i + k < m) a.data[(a.dtype === 'complex128' ? 2 : 1) * (i * m + i + k)] = 1;
  return a;
}

const like = (x: unknown, v: number, opts: { dtype?: DType } = {}) => {
  const t = toValue(x, 'np.zerosLike');
  return filled(t.shape, v, { dtype: opts.dtype ?? t.dtype });
};

export const np: Namespace = {
  ...built.np,
  array,
  asarray: (x: unknown, opts?: { dtype?: DType }) => x instanceof Tensorish && !opts?.dtype ? x : array(x, opts),
  zeros: (shape: number | number[], opts?: { dtype?: DType }) => filled(shape, 0, opts, 'np.zeros'),
  ones: (shape: number | number[], opts?: { dtype?: DType }) => filled(shape, 1, opts, 'np.ones'),
  empty: (shape: number | number[], opts?: { dtype?: DType }) => filled(shape, 0, opts, 'np.empty'),
  zerosLike: (x: unknown, opts?: { dtype?: DType }) => like(x, 0, opts),
  onesLike: (x: unknown, opts?: { dtype?: DType }) => like(x, 1, opts),
  arange, eye,
  identity: (n: number, opts?: { dtype?: DType }) => eye(n, n, 0, opts),
  ndim: (x: unknown) => toValue(x, 'np.ndim').shape.length,
  shape: (x: unknown) => [...toValue(x, 'np.shape').shape],
  size: (x: unknown) => toValue(x, 'np.size').size,
  at,
  random,
  cond, whileLoop, forLoop, scan,
  pi: Math.PI, e: Math.E, inf: Infinity, nan: NaN, newaxis: null,
};
export const scipy: Namespace = { ...built.scipy, integrate: { ...built.scipy.integrate, odeint } };
export { callOp, applyOp, getOp };
export type { Attrs };
