// scipy.signal.convolve (autograd's N-d convolution): values against the definition summed in plain JS,
// the output axis order with axes and dot_axes, derivatives against finite differences, and bad input.
import { describe, expect, it } from 'vitest';
import { callOp } from '../../core/call.js';
import { NDArray } from '../../core/ndarray.js';
import { np, scipy } from '../../core/np.js';
import { checkDerivatives, randLike, rng, seedOf } from '../helpers/fd.js';
import { code } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const conv = (a: NDArray, b: NDArray, attrs: Record<string, unknown> = {}) => callOp('scipy.signal.convolve', [a, b], attrs) as NDArray;

/** The definition, for 2-d arrays convolved over both axes: out[o] = Σ_k a[k]·b[o + s − k], with SciPy's sizes and shifts. */
function reference(a: number[][], b: number[][], mode: string): number[][] {
  const dims = [0, 1].map((d) => {
    const na = d ? a[0].length : a.length, nb = d ? b[0].length : b.length;
    const n = mode === 'full' ? na + nb - 1 : mode === 'valid' ? Math.abs(na - nb) + 1 : na;
    return { n, s: mode === 'full' ? 0 : mode === 'valid' ? Math.min(na, nb) - 1 : (nb - 1) >> 1 };
  });
  return Array.from({ length: dims[0].n }, (_, o0) => Array.from({ length: dims[1].n }, (_, o1) => {
    let s = 0;
    a.forEach((row, k0) => row.forEach((v, k1) => { s += v * (b[o0 + dims[0].s - k0]?.[o1 + dims[1].s - k1] ?? 0); }));
    return s;
  }));
}

const grid = (r: () => number, m: number, n: number) => Array.from({ length: m }, () => Array.from({ length: n }, () => Math.round(10 * (2 * r() - 1)) / 4));

describe('values', () => {
  it('convolves 1-d arrays as the textbook sum', () => {
    // [1, 2, 3] * [0, 1, 0.5] = [0, 1, 2 + 0.5, 3 + 1, 1.5]
    expect(conv(np.array([1, 2, 3]), np.array([0, 1, 0.5])).toArray()).toEqual([0, 1, 2.5, 4, 1.5]);
    expect(conv(np.array([1, 2, 3]), np.array([0, 1, 0.5]), { mode: 'valid' }).toArray()).toEqual([2.5]);
    expect(conv(np.array([1, 2, 3]), np.array([0, 1, 0.5]), { mode: 'same' }).toArray()).toEqual([1, 2.5, 4]);
  });

  it('matches the definition in 2-d for every mode and either operand the larger', () => {
    const r = rng(seedOf('convolve values'));
    for (const [sa, sb] of [[[4, 5], [2, 3]], [[2, 3], [4, 5]], [[3, 3], [3, 3]], [[2, 5], [3, 2]]] as [number, number][][]) {
      const x = grid(r, ...sa), y = grid(r, ...sb);
      for (const mode of ['full', 'valid', 'same']) {
        if (mode === 'valid' && !(sa.every((s, i) => s >= sb[i]) || sb.every((s, i) => s >= sa[i]))) continue;
        expect(conv(np.array(x), np.array(y), { mode }).toArray(), `${sa} * ${sb} ${mode}`).toEqual(reference(x, y, mode));
      }
    }
  });

  it('orders the output as A\'s remaining axes, B\'s remaining axes, then the convolved ones; dot_axes contract', () => {
    // A[i, k, d] and B[j, d, m]: axes [[1], [2]], dot_axes [[2], [1]] → out[i, j, o] = Σ_d Σ_k A[i, k, d]·B[j, d, o − k].
    const r = rng(seedOf('convolve axes'));
    const A = randLike({ shape: [2, 3, 4], dtype: 'float64' }, r), B = randLike({ shape: [5, 4, 2], dtype: 'float64' }, r);
    const out = conv(A, B, { axes: [[1], [2]], dot_axes: [[2], [1]] });
    expect(out.shape).toEqual([2, 5, 4]);
    const av = A.toArray() as number[][][], bv = B.toArray() as number[][][], ov = out.toArray() as number[][][];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 5; j++) for (let o = 0; o < 4; o++) {
      let s = 0;
      for (let d = 0; d < 4; d++) for (let k = 0; k < 3; k++) s += av[i][k][d] * (bv[j][d][o - k] ?? 0);
      expect(ov[i][j][o]).toBeCloseTo(s, 12);
    }
    // Without axes, all of A's axes pair with B's first ones; B's extra axes come after A's (none left).
    expect(conv(np.ones([3]), np.ones([2, 4])).shape).toEqual([4, 4]);
  });

  it('is scipy.signal.convolve in the namespace, SciPy\'s positional mode', () => {
    expect(scipy.signal.convolve(np.array([1, 2]), np.array([1, 1]), 'valid').toArray()).toEqual([3]);
  });
});

describe('derivatives', () => {
  const cases: [number[], number[], Record<string, unknown>][] = [
    [[5], [3], {}], [[3], [5], { mode: 'valid' }], [[4, 3], [2, 2], { mode: 'same' }], [[2, 5], [3, 2], { mode: 'same' }],
    [[2, 3, 4], [5, 4, 2], { axes: [[1], [2]], dot_axes: [[2], [1]] }],
    [[3, 2], [2, 4, 2], { axes: [[0], [1]], dot_axes: [[1], [2]], mode: 'valid' }],
  ];
  for (const [sa, sb, attrs] of cases) {
    for (const dtype of ['float64', 'complex128'] as const) {
      it(`${dtype} [${sa}] * [${sb}] ${JSON.stringify(attrs)}: VJP and JVP to second order`, () => {
        const r = rng(seedOf(`convolve ${sa} ${sb} ${JSON.stringify(attrs)} ${dtype}`));
        checkDerivatives((a: any, b: any) => conv(a, b, attrs), [randLike({ shape: sa, dtype }, r), randLike({ shape: sb, dtype }, r)], r);
      });
    }
  }
});

describe('bad input', () => {
  it('names the problem', () => {
    expect(code(() => conv(np.ones([2, 3]), np.ones([3, 2]), { mode: 'valid' }))).toBe('SHAPE_MISMATCH');
    expect(code(() => conv(np.ones([3]), np.ones([2]), { mode: 'circular' }))).toBe('BAD_ATTRIBUTE');
    expect(code(() => conv(np.ones([2, 3]), np.ones([3])))).toBe('SHAPE_MISMATCH');
    expect(code(() => conv(np.ones([2, 3]), np.ones([4, 3]), { axes: [[1], [0]], dot_axes: [[0], [1]] }))).toBe('SHAPE_MISMATCH');
    expect(code(() => conv(np.ones([2, 3]), np.ones([4, 2]), { axes: [[1], [0]], dot_axes: [[1], [1]] }))).toBe('BAD_ATTRIBUTE');
  });
});
