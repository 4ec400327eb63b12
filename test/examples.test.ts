import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../', import.meta.url).pathname;
const golden = JSON.parse(readFileSync(new URL('fixtures/golden.json', import.meta.url), 'utf8'));
const program = (id: string) => golden.programs.find((p: { id: string }) => p.id === id).expected;

describe('examples', () => {
  it('the tutorial prints autograd\'s numbers', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'examples/tutorial.ts'], { cwd: root, encoding: 'utf8' });
    const num = (label: string) => Number(new RegExp(`${label}\\s*(-?[\\d.e-]+)`).exec(out)?.[1]);
    expect(num('grad\\(tanh\\)\\(1.0\\) =')).toBeCloseTo(0.419974341614026, 14);
    expect(Math.abs(num('Gradient of sin\\(pi\\) is') - Math.cos(Math.PI))).toBeLessThan(1e-3); // series cut at |term| < 0.001
    expect(num('Initial loss:')).toBeCloseTo(4 * Math.log(2), 12);
    expect(num('Trained loss:')).toBeCloseTo(program('logistic_regression').trained_loss.data[0], 10);
    expect(out).toContain('H·v = [ 3, 0, -27 ]');
  });
});
