// Writes docs/ops.md, the op reference, from the catalog (`npm run docs`). test/docs.test.ts regenerates it in
// memory and fails on a difference, and CI regenerates it and fails on a diff, so the checked-in file never goes stale.
// Accepted dtypes are probed: each op's shape rule is called with the shapes and attributes of its first generic
// test spec (test/generic/specs.ts), with every differentiable argument in each dtype in turn.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { allOps, type Meta, type OpDef, type VjpRule, type JvpRule } from '../core/catalog.js';
import type { DType } from '../core/dtype.js';
import { NDArray } from '../core/ndarray.js';
import { np, scipy } from '../core/np.js';
import { SPECS } from '../test/generic/specs.js';

const TITLES: Record<string, string> = {
  unary: 'Elementwise functions of one array', binary: 'Elementwise functions of two arrays', reduce: 'Reductions and ops along an axis',
  products: 'Products', special: 'scipy.special', scipy_special: 'scipy.special', stats: 'scipy.stats', shape: 'Shapes, joins and splits',
  indexing: 'Indexing', fft: 'FFT', linalg: 'Linear algebra (numpy.linalg)', scipy_linalg: 'scipy.linalg', misc: 'Miscellaneous and without gradient',
  signal: 'scipy.signal',
};
const PROBED: [DType, string][] = [['float64', 'f64'], ['float32', 'f32'], ['complex128', 'c128'], ['int64', 'i64'], ['bool', 'bool']];
const SHORT = Object.fromEntries(PROBED.map(([d, s]) => [d, s])) as Record<string, string>;

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
/** The namespace call of an op: expand_dims → np.expandDims, scipy.special.gammaln → scipy.special.gammaln. */
function callName(name: string): string {
  const path = name.split('.'), last = camel(path.pop()!);
  return [...(path[0] === 'scipy' ? path : ['np', ...path]), last].join('.');
}

const arity = (op: OpDef) => (op.arity === 'variadic' ? 'list' : op.minArity !== undefined ? `${op.minArity}–${op.arity}` : String(op.arity));

/** ✓ when every argument has a rule, the argument positions that have one, or — for none. */
function rules(op: OpDef, r: VjpRule | JvpRule | (VjpRule | JvpRule | undefined)[] | undefined): string {
  if (op.nondiff) return 'const';
  if (!r) return '—';
  if (!Array.isArray(r)) return '✓';
  const n = op.arity === 'variadic' ? r.length : op.arity, have = [...Array(n).keys()].filter((i) => r[i]);
  return have.length === n ? '✓' : have.length ? `arg ${have.join(', ')}` : '—';
}

/** An array of `shape` with every stored number (both parts of a complex) equal to v. */
const filled = (shape: readonly number[], dtype: DType, v: number) => { const a = NDArray.zeros(shape, dtype); a.data.fill(v); return a; };

/** The input dtypes the shape rule accepts, each with the result's dtype(s) where they differ; a value-dependent
 * rule is asked about zeros and about ones. */
function dtypes(op: OpDef): string {
  const spec = SPECS[op.name];
  if (!spec) return 'not probed';
  const { shapes, attrs = {} } = spec.configs[0];
  const accepted = PROBED.flatMap(([d, s]) => {
    const results = new Set<string>();
    for (const v of op.valueDependent ? [0, 1] : [0]) {
      const args = shapes.map((shape, i) => filled(shape, spec.dtypes?.[i] && spec.dtypes[i] !== 'float64' ? spec.dtypes[i]! : d, v));
      try { [op.infer(args, attrs)].flat().forEach((m: Meta) => results.add(SHORT[m.dtype])); } catch { return []; }
    }
    const r = [...results].join('/');
    return [r === s ? s : `${s}→${r}`];
  });
  return accepted.join(' ') || 'none';
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function familyTable(family: string, ops: OpDef[]): string[] {
  const lines = [`## ${TITLES[family] ?? family} (\`${family}\`)`, '',
    '| op | call | arrays | attributes | dtypes | reverse | forward | notes |', '|---|---|---|---|---|---|---|---|'];
  for (const op of ops) {
    const notes = [op.multi ? 'returns a list' : '', op.valueDependent ? 'result shape/dtype depends on the values (arrays only, no graph rule)' : '', op.doc ?? '']
      .filter(Boolean).join('; ');
    lines.push(`| \`${op.name}\` | \`${callName(op.name)}\` | ${arity(op)} | ${(op.attrs ?? []).join(', ')} | ${dtypes(op)} | ${rules(op, op.vjp)} | ${op.linear ? 'linear' : rules(op, op.jvp)} | ${cell(notes)} |`);
  }
  return [...lines, ''];
}

/** Functions of the np and scipy namespaces that are not catalog ops (constructors, np.random, odeint, …). */
function beyondCatalog(): string[] {
  const ops = new Set(allOps().map((op) => callName(op.name)));
  const walk = (ns: Record<string, unknown>, path: string): string[] => Object.keys(ns).sort().flatMap((k) => {
    const v = ns[k], p = `${path}.${k}`;
    if (typeof v === 'function') return ops.has(p) ? [] : [p];
    return v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype ? walk(v as Record<string, unknown>, p) : [];
  });
  return [...walk(np, 'np'), ...walk(scipy, 'scipy')].map((p) => `\`${p}\``);
}

export function opsReference(): string {
  const families = new Map<string, OpDef[]>();
  for (const op of allOps()) families.set(op.family ?? 'other', [...(families.get(op.family ?? 'other') ?? []), op]);
  return [
    '# Op reference',
    '',
    '<!-- Generated from the op catalog by scripts/gen-docs.ts (npm run docs); do not edit. -->',
    '',
    `${allOps().length} ops. Each is \`callOp(name, arrays, attrs)\` with NumPy's parameter names, and the NumPy-style function in`,
    "the *call* column (NumPy's keyword arguments go in a trailing options object, camelCased). Columns:",
    '',
    "* **arrays**: how many array arguments (*list*: one sequence of arrays); **attributes**: NumPy's other parameters, in positional order.",
    "* **dtypes**: the input dtypes the op's shape rule accepts (f64 float64, f32 float32, c128 complex128, i64 int64, bool), with → the",
    '  result dtype where it differs; probed with the shapes of the op\'s generic test spec, every differentiable argument in that dtype.',
    '* **reverse** / **forward**: ✓ differentiable in every array argument (a VJP rule; a JVP rule), *arg i* only in those,',
    '  — not at all; *linear*: forward mode applies the op to the tangents; *const*: no gradient, traced inputs pass through',
    '  and the result is a constant.',
    '',
    ...[...families].flatMap(([family, ops]) => familyTable(family, ops)),
    '## Beyond the catalog',
    '',
    'Functions of the namespaces that are not ops (they are not graph nodes): constructors, in-place helpers,',
    '`np.random` (seeded xoshiro256**; not differentiated, and not NumPy\'s streams) and `scipy.integrate.odeint`',
    '(differentiable in y0, t and args: reverse mode by the adjoint method, forward mode by sensitivities).',
    '',
    beyondCatalog().join(', '),
    '',
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  writeFileSync(new URL('../docs/ops.md', import.meta.url), opsReference());
  console.log('wrote docs/ops.md');
}
