// Short names for catalog ops, for writing rules: a rule built from these is itself differentiable.
import { getOp, type Attrs, type Value } from '../catalog.js';
import { callOp, npFunction, Operand } from '../call.js';
import type { DType } from '../dtype.js';
import { NDArray } from '../ndarray.js';

type Axis = number | readonly number[] | null | undefined;
// np's own function for the op, whose calls without options skip the argument parsing (rules run many of these per
// backward pass). Made at the first call: the op families register after this module loads.
const f1 = (name: string) => {
  let f: ((...a: unknown[]) => unknown) | undefined;
  return (x: Operand, attrs?: Attrs) => (attrs ? callOp(name, [x], attrs) : (f ??= npFunction(getOp(name)))(x)) as Value;
};
const f2 = (name: string) => {
  let f: ((...a: unknown[]) => unknown) | undefined;
  return (x: Operand, y: Operand) => (f ??= npFunction(getOp(name)))(x, y) as Value;
};

export const add = f2('add'), sub = f2('subtract'), mul = f2('multiply'), div = f2('divide'), pow = f2('power');
export const maximum = f2('maximum'), equal = f2('equal'), greater = f2('greater'), less = f2('less');
export const neg = f1('negative'), exp = f1('exp'), log = f1('log'), sqrt = f1('sqrt'), square = f1('square');
export const sin = f1('sin'), cos = f1('cos'), sinh = f1('sinh'), cosh = f1('cosh'), tanh = f1('tanh');
export const abs = f1('abs'), sign = f1('sign'), floor = f1('floor');
export const conj = f1('conj'), real = f1('real'), imag = f1('imag');
export const dot = f2('dot'), matmul = f2('matmul');

export const sum = (x: Operand, axis?: Axis, keepdims = false) => callOp('sum', [x], { axis, keepdims }) as Value;
export const reshape = (x: Operand, shape: readonly number[]) => callOp('reshape', [x], { shape }) as Value;
export const broadcastTo = (x: Operand, shape: readonly number[]) => callOp('broadcast_to', [x], { shape }) as Value;
export const transpose = (x: Operand, axes?: number[] | null) => callOp('transpose', [x], { axes }) as Value;
export const astype = (x: Operand, dtype: DType) => callOp('astype', [x], { dtype }) as Value;
export const where = (c: Operand, x: Operand, y: Operand) => callOp('where', [c, x, y]) as Value;

/** Constant zeros or ones shaped like v (never traced). */
export const zerosLike = (v: { shape: readonly number[]; dtype: DType }) => NDArray.zeros(v.shape, v.dtype);
export const onesLike = (v: { shape: readonly number[]; dtype: DType }) => {
  const a = NDArray.zeros(v.shape, v.dtype);
  if (v.dtype === 'complex128') for (let i = 0; i < a.size; i++) a.data[2 * i] = 1; else a.data.fill(1);
  return a;
};
/** The imaginary unit as a weak scalar. */
export const I = { re: 0, im: 1 };
