// docs/ops.md is generated from the catalog (npm run docs): a stale copy fails here, with what to run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { allOps } from '../core/catalog.js';
import { opsReference } from '../scripts/gen-docs.js';

describe('docs/ops.md', () => {
  const fresh = opsReference();

  it('is the generator\'s output for the current catalog (run `npm run docs` after changing an op)', () => {
    expect(readFileSync(new URL('../docs/ops.md', import.meta.url), 'utf8') === fresh, 'docs/ops.md is stale: run `npm run docs`').toBe(true);
  });

  it('lists every op once, with its call and its modes', () => {
    for (const op of allOps()) expect(fresh.split('\n').filter((l) => l.startsWith(`| \`${op.name}\` |`)), op.name).toHaveLength(1);
    const row = (name: string) => fresh.split('\n').find((l) => l.startsWith(`| \`${name}\` |`))!.split(' | ');
    expect(row('expand_dims').slice(1, 3)).toEqual(['`np.expandDims`', '1']);
    expect(row('where').slice(5, 7)).toEqual(['arg 1, 2', 'arg 1, 2']);
    expect(row('reshape').slice(6, 7)).toEqual(['linear']);
    expect(row('argsort').slice(4, 7)).toEqual(['f64→i64 f32→i64 c128→i64 i64 bool→i64', 'const', 'const']);
    expect(row('exp')[4]).toBe('f64 f32 c128 i64→f64 bool→f64');
    expect(fresh).toContain('`scipy.integrate.odeint`');
  });
});
