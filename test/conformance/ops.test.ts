// Every op case of the conformance vectors: forward value, VJP and (where autograd has one) JVP.
// An op missing from the catalog is reported as not implemented; an op in the catalog must pass.
import { afterAll, describe, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { hasOp } from '../../core/catalog.js';
import { makeJvp, makeVjp } from '../../core/differential.js';
import { NDArray } from '../../core/ndarray.js';
import '../../core/np.js';
import { compare, decode, decodeAttrs, DEFAULT_TOL, Json, loadGolden } from './decode.js';
import { Tally } from './report.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const golden = loadGolden();
const tally = new Tally();

afterAll(() => { process.stdout.write(tally.table(`conformance op cases (autograd ${golden.autograd_version})`)); });

// Gauge-dependent outputs (README §8): golden column (or row) j is our column k[b][j] times s[b][j], per matrix b.
type Axis = 'vec' | 'col' | 'row';
const GAUGE_AXES: Record<string, Axis[]> = { eigh: ['vec', 'col'], eig: ['vec', 'col'], svd: ['col', 'vec', 'row'] };

class Gauge {
  readonly k: number[][] = [];
  readonly s: number[][] = [];
  constructor(readonly kind: string, ours: NDArray[], gold: NDArray[]) {
    const at = kind === 'svd' ? 0 : 1, V = ours[at].values(), G = gold[at].values();
    const [m, n] = ours[at].shape.slice(-2);
    for (let b = 0; b < ours[at].size / (m * n); b++) {
      const w = ours[0].values().subarray(b * n, (b + 1) * n), wg = gold[0].values().subarray(b * n, (b + 1) * n);
      // eig: eigenvalues come in LAPACK's order; match each golden one to our nearest.
      const k = [...Array(n).keys()].map((j) => (kind !== 'eig' ? j
        : [...w.keys()].reduce((best, i) => (Math.abs(w[i] - wg[j]) < Math.abs(w[best] - wg[j]) ? i : best), 0)));
      const s = k.map((kj, j) => { let d = 0; for (let i = 0; i < m; i++) d += V[b * m * n + i * n + kj] * G[b * m * n + i * n + j]; return d < 0 ? -1 : 1; });
      this.k.push(k); this.s.push(s);
    }
  }

  /** Our outputs (or output tangents) in the golden gauge. */
  fix = (xs: NDArray[]) => xs.map((x, o) => this.move(x, GAUGE_AXES[this.kind][o], false));
  /** A golden-gauge cotangent for our outputs. */
  unfix = (gs: NDArray[]) => gs.map((g, o) => this.move(g, GAUGE_AXES[this.kind][o], true));

  private move(a: NDArray, axis: Axis, scatter: boolean): NDArray {
    const v = a.values(), out = new Float64Array(v.length);
    const n = a.shape[a.ndim - 1], m = axis === 'vec' ? 1 : a.shape[a.ndim - 2];
    this.k.forEach((k, b) => k.forEach((kj, j) => {
      const s = axis === 'vec' ? 1 : this.s[b][j];
      for (let i = 0; i < (axis === 'row' ? n : m); i++) {
        const at = (c: number) => b * m * n + (axis === 'row' ? c * n + i : i * n + c);
        if (scatter) out[at(kj)] = v[at(j)] * s; else out[at(j)] = v[at(kj)] * s;
      }
    }));
    return NDArray.fromData(out, a.shape, a.dtype);
  }
}

function runCase(c: Json): void {
  const tol = c.tol ?? DEFAULT_TOL;
  const args = c.args.map(decode), kwargs = decodeAttrs(c.kwargs);
  const nums: number[] = c.diff_argnums;
  const f = (...d: unknown[]) => callOp(c.op, args.map((a: unknown, i: number) => (nums.includes(i) ? d[nums.indexOf(i)] : a)), kwargs);
  const primals = nums.map((i) => args[i]), argnums = nums.map((_, k) => k);
  const gauge = (ours: any) => new Gauge(c.gauge, ours, decode(c.out));
  const problems: string[] = [];
  const attempt = (stage: string, check: () => string | null) => {
    try {
      const p = check();
      if (p) problems.push(p);
    } catch (e) {
      const err = e as Error & { code?: string };
      problems.push(`${stage} threw ${err.name}${err.code ? ` [${err.code}]` : ''}: ${err.message} ${err.stack?.split('\n').find((l) => l.includes('/core/'))?.trim() ?? ''}`);
    }
  };

  attempt('forward', () => {
    const out = f(...primals);
    return compare(c.gauge ? gauge(out).fix(out as NDArray[]) : out, c.out, tol, 'out');
  });
  attempt('vjp', () => {
    const [vjp, out] = makeVjp(f, argnums)(...primals);
    const g = decode(c.g);
    return compare(vjp(c.gauge ? gauge(out).unfix(g) : g), c.vjp, tol, 'vjp');
  });
  if (c.jvp) attempt('jvp', () => {
    const [out, t] = makeJvp(f, argnums)(...primals)(decode(c.jvp.tangents));
    return compare(c.gauge ? gauge(out).fix(t) : t, c.jvp.out, tol, 'jvp');
  });
  if (problems.length) throw new Error(`${c.id} (${c.op}, kwargs ${JSON.stringify(c.kwargs)}):\n  ${problems.join('\n  ')}${c.note ? `\n  note: ${c.note}` : ''}`);
}

const families = new Map<string, Json[]>();
for (const c of golden.cases) families.set(c.family, [...(families.get(c.family) ?? []), c]);

for (const [family, cases] of families) {
  describe(family, () => {
    for (const c of cases) {
      if (hasOp(c.op)) it(c.id, () => tally.run(family, c.id, () => runCase(c)));
      else {
        tally.add(family, c.id, 'not implemented');
        it.todo(`${c.id}: ${c.op} is not in the catalog yet`);
      }
    }
  });
}
