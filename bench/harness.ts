// Timing: run a closure until a time budget is spent, report the median and the spread (p10–p90) per call.
export interface Timing { median: number; p10: number; p90: number; runs: number }

function summary(samples: number[], runs: number): Timing {
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { median: q(0.5), p10: q(0.1), p90: q(0.9), runs };
}

export function time(fn: () => unknown, { budgetMs = 1500, minRuns = 5, batch = 1 } = {}): Timing {
  for (let i = 0; i < Math.min(3, minRuns); i++) fn(); // warm-up (JIT, caches)
  const samples: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    samples.push((performance.now() - t0) / batch);
  }
  return summary(samples, samples.length * batch);
}

/** Two closures timed in alternation, so that both see the same load on a shared machine: their ratio holds up
 * better than the times themselves. */
export function timePair(a: () => unknown, b: () => unknown, { budgetMs = 2000, minRuns = 5 } = {}): [Timing, Timing] {
  for (let i = 0; i < 3; i++) { a(); b(); }
  const sa: number[] = [], sb: number[] = [];
  const end = performance.now() + budgetMs;
  while (sa.length < minRuns || performance.now() < end) {
    let t0 = performance.now();
    a();
    sa.push(performance.now() - t0);
    t0 = performance.now();
    b();
    sb.push(performance.now() - t0);
  }
  return [summary(sa, sa.length), summary(sb, sb.length)];
}

export const fmtTime = (ms: number) => (ms < 1e-3 ? `${(ms * 1e6).toFixed(0)} ns` : ms < 1 ? `${(ms * 1e3).toFixed(2)} µs` : `${ms.toFixed(2)} ms`);
