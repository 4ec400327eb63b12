// autograd's differential operators. Arguments and results may be numbers, arrays, or containers of them.
import type { Value } from './catalog.js';
import { callOp } from './call.js';
import { isComplexScalar, Leaf, leaves, unleaves } from './containers.js';
import { allocate, isFloating } from './dtype.js';
import { fail, fmtShape } from './errors.js';
import { cStrides, NDArray } from './ndarray.js';
import { Tensorish } from './tensorish.js';
import { Box, FwdNode, newTrace, RevNode, backward, batchedCotangents, sameShape, withBatchedCotangents } from './tracer.js';
import { withBatch } from './ops/axes.js';
import { matmul, mul, onesLike, reshape, sum, zerosLike } from './ops/prims.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Fn = (...args: any[]) => any;
export type Argnum = number | number[];

/** A leaf as an engine value: JS numbers are float64, {re, im} complex128; only float and complex arrays are differentiable. */
function leafValue(l: Leaf, what: string): Value {
  if (typeof l === 'number') return NDArray.scalar(l);
  if (isComplexScalar(l)) return NDArray.fromData([l.re, l.im], [], 'complex128');
  if (typeof l === 'boolean' || !isFloating(l.dtype))
    fail('NOT_DIFFERENTIABLE', `cannot differentiate with respect to ${what} of dtype ${typeof l === 'boolean' ? 'bool' : l.dtype}; ` +
      'only float32, float64 and complex128 inputs have gradients (convert with .astype(\'float64\') or np.array(..., { dtype: \'float64\' }))');
  return l;
}

/** Back to the caller's form: a number for a number, {re, im} for a complex scalar, unless still traced. */
function asGiven(v: Value, like: Leaf): any {
  if (!(v instanceof NDArray)) return v;
  if (typeof like === 'number') return v.item();
  if (isComplexScalar(like)) return v.dtype === 'complex128' ? v.item() : { re: v.item(), im: 0 };
  return v;
}

const argnumList = (argnum: Argnum, n: number): number[] => {
  const list = Array.isArray(argnum) ? argnum : [argnum];
  for (const a of list) if (!Number.isInteger(a) || a < 0 || a >= n) fail('BAD_ARGUMENT', `argnum ${a} is out of range for a call with ${n} argument${n === 1 ? '' : 's'}`);
  return list;
};

function boxArgs(args: any[], nums: number[], trace: number, node: (l: Value, k: number, j: number) => RevNode | FwdNode) {
  const boxed = [...args];
  const leafLists = nums.map((n, k) => {
    const ls = leaves(args[n]);
    const vals = ls.map((l, j) => leafValue(l, `argument ${n}`));
    boxed[n] = unleaves(args[n], vals.map((v, j) => new Box(v, trace, node(v, k, j))));
    return { ls, vals };
  });
  return { boxed, leafLists };
}

const unboxAt = (out: unknown, trace: number) =>
  unleaves(out, leaves(out).map((l) => (l instanceof Box && l.trace === trace ? l.value : l)));

let warned = false;
function warnIndependent() {
  if (warned) return;
  warned = true;
  process.emitWarning('Output seems independent of input: its gradient is zero.', { code: 'GRADD_INDEPENDENT' });
}

/** makeVjp(f, argnum)(...args) → [vjp, value]; vjp(g) takes a cotangent shaped like value. */
export function makeVjp(f: Fn, argnum: Argnum = 0) {
  return (...args: any[]): [(g: any) => any, any] => {
    const nums = argnumList(argnum, args.length), trace = newTrace();
    const starts: RevNode[][] = nums.map(() => []);
    const { boxed, leafLists } = boxArgs(args, nums, trace, (_v, k) => { const n = new RevNode([], null); starts[k].push(n); return n; });
    const out = f(...boxed);
    const outLeaves = leaves(out);
    const vjp = (g: any) => {
      const gl = leaves(g);
      if (gl.length !== outLeaves.length) fail('SHAPE_MISMATCH', `vjp: the cotangent has ${gl.length} arrays but the function returned ${outLeaves.length}`);
      const seeds: [RevNode, Value][] = [];
      outLeaves.forEach((l, i) => {
        if (!(l instanceof Box && l.trace === trace)) return;
        const c = leafValue(gl[i], 'a cotangent'), want = withBatch(batchedCotangents(), l.shape);
        if (!sameShape(c.shape, want))
          fail('SHAPE_MISMATCH', `vjp: the cotangent${outLeaves.length > 1 ? ` of output ${i}` : ''} has shape ${fmtShape(c.shape)}, but the function's value has shape ${fmtShape(want)}; pass a cotangent shaped like the value`);
        seeds.push([l.node as RevNode, c]);
      });
      if (!seeds.length) warnIndependent();
      const grads = seeds.length ? backward(seeds, ([] as RevNode[]).concat(...starts)) : []; // (not flat(): ~10x slower)
      let j = 0;
      const res = nums.map((n, k) => unleaves(args[n], leafLists[k].vals.map((v, i) => asGiven(grads[j++] ?? zerosLike(v), leafLists[k].ls[i]))));
      return Array.isArray(argnum) ? res : res[0];
    };
    return [vjp, unboxAt(out, trace)];
  };
}

/** makeJvp(f, argnum)(...args) → (tangent) → [value, jvp], by forward mode. */
export function makeJvp(f: Fn, argnum: Argnum = 0) {
  return (...args: any[]) => (tangent: any): [any, any] => {
    const nums = argnumList(argnum, args.length), trace = newTrace();
    const tans = Array.isArray(argnum) ? tangent : [tangent];
    if (!Array.isArray(tans) || tans.length !== nums.length) fail('BAD_ARGUMENT', `makeJvp: expected one tangent per argnum (${nums.length})`);
    const tl = nums.map((_, k) => leaves(tans[k]));
    const { boxed } = boxArgs(args, nums, trace, (v, k, j) => {
      const t = leafValue(tl[k][j], 'a tangent');
      if (t.shape.length !== v.shape.length || t.shape.some((d: number, i: number) => d !== v.shape[i]))
        fail('SHAPE_MISMATCH', `makeJvp: tangent of shape ${fmtShape(t.shape)} for an argument of shape ${fmtShape(v.shape)}`);
      return new FwdNode(t);
    });
    const out = f(...boxed);
    const jvp = unleaves(out, leaves(out).map((l) => {
      if (typeof l === 'number') return 0;
      const mine = l instanceof Box && l.trace === trace;
      const v = mine ? (l.node as FwdNode).tangent ?? zerosLike(l.value) : zerosLike(l as Value);
      return asGiven(v, l);
    }));
    return [unboxAt(out, trace), jvp];
  };
}

function scalarOut(ans: unknown, op: string): Value | number {
  if (typeof ans === 'number') return ans;
  if (!(ans instanceof Tensorish))
    fail('NON_SCALAR_OUTPUT', `${op} needs a function returning a scalar (a number or an array of one element); it returned a container. Use makeVjp or jacobian for other outputs`);
  if (ans.size !== 1)
    fail('NON_SCALAR_OUTPUT', `${op} needs a scalar-output function; it returned an array of shape ${fmtShape(ans.shape)}. Sum it (np.sum), or use elementwiseGrad, jacobian or makeVjp`);
  if (ans.dtype === 'complex128')
    fail('NON_SCALAR_OUTPUT', `${op} needs a real scalar output; it returned complex128. Use holomorphicGrad for holomorphic functions, or take np.real / np.abs`);
  return ans as Value;
}

const ones = (ans: Value | number) => (typeof ans === 'number' ? 1 : onesLike(ans));

export const grad = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  const [vjp, ans] = makeVjp(f, argnum)(...args);
  return vjp(ones(scalarOut(ans, 'grad')));
};

export const valueAndGrad = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  const [vjp, ans] = makeVjp(f, argnum)(...args);
  return [ans, vjp(ones(scalarOut(ans, 'valueAndGrad')))];
};

/** f returns [loss, aux]; gives [grad of loss, aux]. */
export const gradAndAux = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  let aux: unknown;
  const g = grad((...a: any[]) => { const [loss, x] = f(...a); aux = x; return loss; }, argnum)(...args);
  return [g, aux];
};

/** The sum of the Jacobian's rows: the derivative of each output element for elementwise functions. */
export const elementwiseGrad = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  const [vjp, ans] = makeVjp(f, argnum)(...args);
  return vjp(treeOnes(ans));
};

const treeOnes = (t: unknown) => unleaves(t, leaves(t).map((l) => (typeof l === 'number' ? 1 : onesLike(l as Value))));

/** Forward-mode derivative along ones (autograd's deriv). */
export const deriv = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  const nums = argnumList(argnum, args.length);
  const t = nums.map((n) => treeOnes(args[n]));
  return makeJvp(f, argnum)(...args)(Array.isArray(argnum) ? t : t[0])[1];
};

export const jacobian = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => {
  const [vjp, ans] = makeVjp(f, argnum)(...args);
  const a = typeof ans === 'number' ? NDArray.scalar(ans) : (ans as Value);
  if (!(a instanceof Tensorish)) fail('BAD_ARGUMENT', 'jacobian needs a function returning one array');
  const x = args[Array.isArray(argnum) ? argnum[0] : argnum];
  const xShape: readonly number[] = typeof x === 'number' ? [] : x.shape;
  const batched = typeof argnum === 'number' && a instanceof NDArray ? batchedJacobian(f, args, argnum, a, vjp) : undefined;
  if (batched) return batched;
  const rows: Value[] = [];
  for (let i = 0; i < a.size; i++) {
    const e = NDArray.zeros(a.shape, a.dtype);
    e.data[a.dtype === 'complex128' ? 2 * i : i] = 1;
    const g = vjp(e);
    rows.push(typeof g === 'number' ? NDArray.scalar(g) : g);
  }
  if (rows.length === 0) return NDArray.zeros([...a.shape, ...xShape]);
  return reshape(callOp('stack', [rows], { axis: 0 }) as Value, [...a.shape, ...xShape]);
};

/** Jacobians with at least this many rows are tried in one batched pass (below it the loop costs less). */
export const BATCHED_JACOBIAN_MIN = 16;
const BATCH_MAX_ELEMENTS = 2 ** 22;

/**
 * The Jacobian of f w.r.t. a concrete real argument x without a VJP per row, when f allows: first all m = ans.size
 * basis cotangents in one backward pass of f's trace (batched along a leading axis, when every rule on the way
 * keeps it); else f run once on m stacked copies of x (a leading batch axis, else a trailing one), whose outputs
 * must each equal ans, and one VJP seeding copy b with the b-th basis cotangent. Either is kept only if one VJP of a
 * random cotangent through the unbatched trace agrees with the rows. Else undefined (the caller loops over the rows).
 */
function batchedJacobian(f: Fn, args: any[], argnum: number, a: NDArray, vjp: (g: any) => any): NDArray | undefined {
  const x = args[argnum], m = a.size;
  if (!(x instanceof NDArray) || (x.dtype !== 'float64' && x.dtype !== 'float32') || a.dtype !== x.dtype) return undefined;
  if (m < BATCHED_JACOBIAN_MIN || m * Math.max(x.size, m) > BATCH_MAX_ELEMENTS) return undefined;
  const tol = x.dtype === 'float64' ? 1e-9 : 1e-4;
  const xv = x.values(), av = a.values(), n = x.size;
  const eye = (shape: number[]) => { const e = NDArray.zeros(shape, a.dtype); for (let i = 0; i < m; i++) e.data[i * m + i] = 1; return e; };
  /** An error here only means "not batch-friendly": no stack trace is built for it. */
  const attempt = <T>(g: () => T): T | undefined => {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try { return g(); } catch { return undefined; } finally { Error.stackTraceLimit = limit; }
  };
  /** f's VJP at k stacked copies of x, if its output is k stacked copies of ans (else undefined). */
  const stack = (k: number, lead: boolean) => {
    const data = allocate(x.dtype, k * n);
    for (let j = 0; j < (lead ? k : n); j++) if (lead) data.set(xv, j * n); else data.fill(xv[j], j * k, j * k + k);
    const batch = [...args];
    batch[argnum] = new NDArray(data, lead ? [k, ...x.shape] : [...x.shape, k], x.dtype);
    const [vjpB, y] = makeVjp(f, argnum)(...batch);
    const shape = lead ? [k, ...a.shape] : [...a.shape, k];
    if (!(y instanceof NDArray) || y.dtype !== a.dtype || !sameShape(y.shape, shape)) return undefined;
    const yv = y.values(), [outer, inner] = lead ? [k, m] : [m, k]; // in memory order
    for (let o = 0, p = 0; o < outer; o++) for (let j = 0; j < inner; j++, p++) if (!close(yv[p], av[lead ? j : o], tol)) return undefined;
    return vjpB as (g: NDArray) => NDArray;
  };
  // J[b, i] at rows[b·sb + i·si]: one row per basis cotangent (leading batch), or one column (trailing).
  let rows: NDArray | undefined = attempt(() => withBatchedCotangents([m], () => vjp(eye([m, ...a.shape]))));
  let lead = true;
  if (!(rows instanceof NDArray) || !sameShape(rows.shape, [m, ...x.shape])) {
    const layout = attempt(() => stack(2, true)) ? true : attempt(() => stack(2, false)) ? false : undefined;
    if (layout === undefined) return undefined;
    lead = layout;
    const vjpB = attempt(() => stack(m, lead));
    rows = vjpB && attempt(() => vjpB(eye(lead ? [m, ...a.shape] : [...a.shape, m])));
    if (!rows) return undefined;
  }
  // uᵀJ two ways: through the rows (one matrix-vector product) and by one VJP of the unbatched trace, equal up to
  // rounding relative to the largest element (rows that are not J's differ by about as much as J's elements).
  const u = NDArray.zeros([m], a.dtype), ud = u.data;
  for (let b = 0, s = 12345; b < m; b++) ud[b] = (s = (s * 16807) % 2147483647) / 2147483647 - 0.5;
  const want = attempt(() => (vjp(reshape(u, a.shape)) as NDArray).values());
  if (!want) return undefined;
  const R = reshape(rows, lead ? [m, n] : [n, m]), got = ((lead ? matmul(u, R) : matmul(R, u)) as NDArray).values();
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(got[i]), Math.abs(want[i]));
  for (let i = 0; i < n; i++) if (!(Math.abs(got[i] - want[i]) <= tol * scale)) return undefined;
  const jb = rows.values(), [sb, si] = lead ? [n, 1] : [1, m];
  // Trailing copies give the Jacobian transposed in memory: returned as a strided view, not copied.
  return new NDArray(jb, [...a.shape, ...x.shape], x.dtype, [...cStrides(a.shape).map((s) => s * sb), ...cStrides(x.shape).map((s) => s * si)]);
}

const close = (p: number, q: number, tol: number) => Math.abs(p - q) <= tol * Math.max(1, Math.abs(q)) || (Number.isNaN(p) && Number.isNaN(q));

export const hessian = (f: Fn, argnum: Argnum = 0) => jacobian(jacobian(f, argnum), argnum);

/** makeHvp(f)(x) → [hvp, gradient], with hvp(v) = H(x)·v (reverse over reverse). */
export const makeHvp = (f: Fn, argnum: Argnum = 0) => (...args: any[]) => makeVjp(grad(f, argnum), argnum)(...args);

const contract = (a: Value, v: Value | number) => sum(mul(a, v));

/** hessianTensorProduct(f)(...args, v) = H·v. */
export const hessianTensorProduct = (f: Fn, argnum: Argnum = 0) => {
  const fg = grad(f, argnum);
  return grad((...a: any[]) => contract(fg(...a.slice(0, -1)), a[a.length - 1]), argnum);
};
export const hessianVectorProduct = hessianTensorProduct;

/** tensorJacobianProduct(f)(...args, v) = vᵀ·J, contracting v against the leading axes of f's output. */
export const tensorJacobianProduct = (f: Fn, argnum: Argnum = 0) => jacobian((...a: any[]) => {
  const v = a[a.length - 1] as Value | number, out = f(...a.slice(0, -1)) as Value;
  if (typeof v === 'number') return mul(out, v);
  const vb = reshape(v, [...v.shape, ...Array(out.shape.length - v.shape.length).fill(1)]);
  return sum(mul(vb, out), [...Array(v.shape.length).keys()]);
}, argnum);
export const vectorJacobianProduct = tensorJacobianProduct;

/** Generalised Gauss-Newton vector product: Jᵀ·H_g·J·v at f(x). */
export const makeGgnvp = (f: Fn, g: Fn = (y: Value) => mul(0.5, sum(mul(y, y), -1)), fArgnum = 0) => (...args: any[]) => {
  const [fVjp, fx] = makeVjp(f, fArgnum)(...args);
  const [gHvp] = makeVjp(grad(g), 0)(fx);
  const fJvp = makeJvp(f, fArgnum)(...args);
  return (v: any) => fVjp(gHvp(fJvp(v)[1]));
};

/** The complex derivative of a holomorphic function. */
export const holomorphicGrad = (f: Fn, argnum: Argnum = 0) => grad((...a: any[]) => callOp('real', [f(...a)]), argnum);

export function paramNames(f: Fn): string[] {
  const src = Function.prototype.toString.call(f);
  const m = /^(?:async\s*)?(?:function\b[^(]*)?\(([^)]*)\)/.exec(src) ?? /^(?:async\s+)?([A-Za-z_$][\w$]*)\s*=>/.exec(src);
  if (!m) fail('BAD_ARGUMENT', 'could not read the parameter names of the function');
  return m[1].split(',').map((p) => p.trim().replace(/[=\s].*$/, '').replace(/^\.\.\./, '')).filter(Boolean);
}

/** Gradient with respect to the parameter called `name`. */
export const gradNamed = (f: Fn, name: string) => {
  const i = paramNames(f).indexOf(name);
  if (i < 0) fail('BAD_ARGUMENT', `gradNamed: ${f.name || 'the function'} has no parameter named '${name}' (it has ${paramNames(f).join(', ')})`);
  return grad(f, i);
};

/** Gradients with respect to every argument, as an object keyed by parameter name. */
export const multigradDict = (f: Fn) => (...args: any[]) => {
  const names = paramNames(f).slice(0, args.length);
  const gs = grad(f, names.map((_, i) => i))(...args) as any[];
  return Object.fromEntries(names.map((n, i) => [n, gs[i]]));
};
