// gradd/client traces without the native addon.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { inferOp, trace } from '../../client/index.js';

const root = new URL('../../', import.meta.url).pathname;

describe('gradd/client', () => {
  it('imports and traces with the native addon missing', () => {
    const script = "import('./client/index.ts').then((m) => { const g = m.trace((x) => m.np.sum(m.np.tanh(x.mul(2))), { dtype: 'float64', shape: [3] });" +
      " console.log(JSON.stringify([g.catalogVersion === m.catalogVersion(), g.nodes.map((n) => n.op), g.nodes[2].outputs])); }," +
      " (e) => { console.error(e.code + ': ' + e.message); process.exit(3); })";
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script],
      { cwd: root, env: { ...process.env, GRADD_NATIVE_PATH: '/nonexistent/x.node' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([true, ['multiply', 'tanh', 'sum'], [{ dtype: 'float64', shape: [] }]]);
  });

  it('exposes the shape rules', () => {
    expect(inferOp('matmul', [{ dtype: 'float32', shape: [5, 2, 3] }, { dtype: 'float64', shape: [3, 4] }])).toEqual([{ dtype: 'float64', shape: [5, 2, 4] }]);
    expect(inferOp('linalg.svd', [{ dtype: 'float64', shape: [4, 3] }], { full_matrices: false }).map((s) => s.shape)).toEqual([[4, 3], [3], [3, 3]]);
    expect(() => inferOp('reshape', [{ dtype: 'float64', shape: [4, 3] }], { shape: [5] })).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }));
    expect(trace((x: any) => x, { dtype: 'int32', shape: [2] }).outputs).toEqual([{ input: 0 }]);
  });
});
