import type { DType } from './dtype.js';
import { fail } from './errors.js';
import type { NDArray } from './ndarray.js';
import type { Box } from './tracer.js';

/** An array value inside the engine: concrete, or traced by one or more nested traces. */
export type Value = NDArray | Box;
export type Attrs = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** The attributes of a call that gives none: one frozen object shared by all. */
export const NO_ATTRS: Attrs = Object.freeze({});
export interface Meta { readonly shape: readonly number[]; readonly dtype: DType; readonly weak?: boolean }
export type Out = Value | Value[];

/** A reverse rule for argument i: cotangent g of the output(s) → cotangent of args[i] (undefined = zero). */
export type VjpRule = (g: any, ans: any, args: Value[], attrs: Attrs, i: number) => Value | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A forward rule for argument i: tangent t of args[i] → that argument's contribution to the output tangent. */
export type JvpRule = (t: Value, ans: any, args: Value[], attrs: Attrs, i: number) => Out; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface OpDef {
  /** NumPy's dotted name: 'tanh', 'linalg.inv', 'scipy.special.gammaln', 'getitem'. */
  name: string;
  /** How many array arguments; 'variadic' ops take a sequence (concatenate, stack, einsum). */
  arity: number | 'variadic';
  /** Fewer array arguments accepted (trailing ones optional, e.g. scipy.stats' loc and scale). */
  minArity?: number;
  /** NumPy's names of the non-array parameters, in positional order. */
  attrs?: readonly string[];
  /** Shape and dtype of the result(s); validates arguments and attributes. Pure. */
  infer: (args: readonly Meta[], attrs: Attrs) => Meta | Meta[];
  /** Computes on concrete arrays; `out` is what infer returned. */
  forward: (args: NDArray[], attrs: Attrs, out: any) => NDArray | NDArray[]; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Elementwise ops: the function of one element of each (real) argument, where forward maps it over real
   * arrays below the native kernels' sizes; compiled graphs (graph/plan.ts) run such nodes as one loop over it. */
  scalar?: ((v: number) => number) | ((a: number, b: number) => number);
  /** One rule for every argument, or one per argument (missing = not differentiable in it). */
  vjp?: VjpRule | (VjpRule | undefined)[];
  jvp?: JvpRule | (JvpRule | undefined)[];
  /** Jointly linear in its arguments: the JVP is the op applied to the tangents. */
  linear?: boolean;
  /** Results are constants (comparisons, argmax, floor): traced inputs pass through unrecorded. */
  nondiff?: boolean;
  /** The result is a list of arrays (split, eigh, svd). */
  multi?: boolean;
  /** The result's shape or dtype depends on the values (nonzero, unique, real_if_close): infer needs concrete arrays. */
  valueDependent?: boolean;
  /** The op's family in the documentation; by default the name of the file that registered it (unary, linalg, …). */
  family?: string;
  /** NumPy's calling convention when it differs from arrays-then-parameters (einsum, full). */
  npStyle?: (call: (args: unknown[], attrs: Attrs) => Out) => (...a: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any
  doc?: string;
}

const REGISTRY = new Map<string, OpDef>();

export function defop(...defs: OpDef[]): void {
  const family = callerFile();
  for (const d of defs) {
    if (REGISTRY.has(d.name)) throw new Error(`op ${d.name} defined twice`);
    d.family ??= family;
    REGISTRY.set(d.name, d);
  }
}

/** The base name of the file that called defop (core/ops/unary.ts → 'unary'), read from the call stack. */
const callerFile = () => /([\w-]+)\.[cm]?[jt]s:\d+/.exec(new Error().stack?.split('\n')[3] ?? '')?.[1];

export function alias(name: string, target: string): void {
  REGISTRY.set(name, { ...getOp(target), name });
}

/** Whether op is the catalog's own (user primitives are not). */
export const isCatalogOp = (op: OpDef): boolean => REGISTRY.get(op.name) === op;

export function getOp(name: string): OpDef {
  const op = REGISTRY.get(name);
  if (!op) {
    const near = [...REGISTRY.keys()].filter((k) => k.endsWith(name) || name.endsWith(k)).slice(0, 3);
    fail('UNKNOWN_OP', `unknown op '${name}'${near.length ? `; did you mean ${near.map((n) => `'${n}'`).join(', ')}?` : ''} ` +
      '(op names are NumPy\'s dotted names, e.g. \'tanh\', \'linalg.inv\', \'scipy.special.gammaln\')');
  }
  return op;
}

export const hasOp = (name: string) => REGISTRY.has(name);
export const allOps = (): OpDef[] => [...REGISTRY.values()];

export function ruleFor<R>(rules: R | (R | undefined)[] | undefined, i: number): R | undefined {
  return Array.isArray(rules) ? rules[i] : rules;
}
