// The generic test (STYLE.md item 9): every catalog op, driven by its spec, has VJP and JVP equal to central
// finite differences to second order; nondifferentiable ops pass traced values through as constants.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { allOps, hasOp, OpDef } from '../../core/catalog.js';
import { leaves } from '../../core/containers.js';
import { makeJvp, makeVjp } from '../../core/differential.js';
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';
import '../../core/np.js';
import { checkDerivatives, Rng, rng, seedOf } from '../helpers/fd.js';
import { Spec, SPECS } from './specs.js';
import { label, makeArg, variants, type Variant } from './variants.js';

/** A nondifferentiable op called on traced values returns constants equal to its untraced result. */
function checkPassThrough(f: (...a: NDArray[]) => unknown, args: NDArray[]) {
  const want = leaves(f(...args)) as NDArray[];
  const argnums = args.map((_, i) => i);
  const seen: unknown[] = [];
  makeVjp((...a: unknown[]) => { const y = f(...(a as NDArray[])); seen.push(y); return y; }, argnums)(...args);
  makeJvp((...a: unknown[]) => { const y = f(...(a as NDArray[])); seen.push(y); return y; }, argnums)(...args)(args.map((a) => NDArray.zeros(a.shape, a.dtype)));
  for (const y of seen) {
    const got = leaves(y);
    got.forEach((g, k) => {
      expect(g, 'a constant NDArray, not a traced value').toBeInstanceOf(NDArray);
      expect((g as NDArray).toArray()).toEqual(want[k].toArray());
    });
  }
}

function runVariant(op: OpDef, spec: Spec, v: Variant) {
  const r = rng(seedOf(`${op.name} ${label(v)}`));
  const args = v.config.shapes.map((s, i) => makeArg(s, v.dtypes[i], spec.domains?.[i] ?? [-2, 2], r));
  const diff = v.dtypes.flatMap((d, i) => (d === 'float64' || d === 'complex128' ? [i] : []));
  const call = (...d: unknown[]) => callOp(op.name, args.map((a, i) => (diff.includes(i) ? d[diff.indexOf(i)] : a)), v.config.attrs ?? {});
  const f = spec.fn ? spec.fn(call) : call;
  const primals = diff.map((i) => args[i]);
  if (op.nondiff) checkPassThrough(f, primals);
  else checkDerivatives(f, primals, r, { modes: spec.modes, order: spec.order });
}

describe('specs', () => {
  it('name only catalog ops', () => {
    expect(Object.keys(SPECS).filter((name) => !hasOp(name)), 'specs for ops that are not in the catalog').toEqual([]);
  });
});

for (const op of allOps()) {
  describe(op.name, () => {
    const spec = SPECS[op.name];
    if (!spec) {
      it('has a spec', () => { throw new Error(`add a spec for op ${op.name} in test/generic/specs.ts`); });
      return;
    }
    for (const v of variants(spec)) it(label(v), () => runVariant(op, spec, v));
  });
}
