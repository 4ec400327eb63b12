// The variants of an op's spec (real, complex, mixed) and the arguments they draw: shared by the generic tests.
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';
import type { Rng } from '../helpers/fd.js';
import type { Config, Domain, Shape, Spec } from './specs.js';

export type Variant = { config: Config; dtypes: DType[] };

/** The configs of a spec, each with the dtypes of its arguments: real, then (if complex) all complex and mixed. */
export function variants(spec: Spec): Variant[] {
  return spec.configs.flatMap((config) => {
    const base = config.shapes.map((_, i) => spec.dtypes?.[i] ?? 'float64');
    const floats = base.flatMap((d, i) => (d === 'float64' ? [i] : []));
    const cplx = (from: number) => base.map((d, i) => (d === 'float64' && floats.indexOf(i) >= from ? 'complex128' : d));
    const ds = !spec.complex ? [base] : floats.length > 1 ? [base, cplx(0), cplx(1)] : [base, cplx(0)];
    return ds.map((dtypes) => ({ config, dtypes }));
  });
}

function draw(domain: Domain, shape: Shape, r: Rng): number[] {
  const n = shape.reduce((a, b) => a * b, 1);
  if (typeof domain === 'function') return domain(r, n, shape);
  const [lo, hi] = domain;
  return Array.from({ length: n }, () => lo + (hi - lo) * r());
}

export function makeArg(shape: Shape, dtype: DType, domain: Domain, r: Rng): NDArray {
  if (dtype === 'bool') return NDArray.fromData(draw([0, 1], shape, r).map((u) => +(u < 0.5)), shape, 'bool');
  if (dtype === 'complex128') {
    const re = draw(domain, shape, r), im = draw([-0.5, 0.5], shape, r);
    return NDArray.fromData(re.flatMap((x, i) => [x, im[i]]), shape, dtype);
  }
  return NDArray.fromData(draw(domain, shape, r), shape, dtype);
}

export const label = ({ config, dtypes }: Variant) =>
  `${config.shapes.map((s, i) => `${dtypes[i]}[${s}]`).join(', ')}${config.attrs && Object.keys(config.attrs).length ? ` ${JSON.stringify(config.attrs)}` : ''}`;
