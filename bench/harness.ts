// Timing: run a closure until a time budget is spent, report the median and the spread (p10–p90) per call, and
// the share of the timed samples that the garbage collector's pauses took.
import { PerformanceObserver } from 'node:perf_hooks';

export interface Timing {
  median: number; p10: number; p90: number; runs: number;
  /** When each timed sample ran: start and end pairs, performance.now() milliseconds. */
  spans?: number[];
}

function summary(samples: number[], runs: number, spans: number[]): Timing {
  samples.sort((a, b) => a - b);
  const q = (p: number) => samples[Math.min(samples.length - 1, Math.floor(p * samples.length))];
  return { median: q(0.5), p10: q(0.1), p90: q(0.9), runs, spans };
}

// The collector's pauses on this thread, as [start, duration]. The observer hears of them only once the event loop
// turns: gcShare is for after the runs (await a timer first).
const pauses: [number, number][] = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) pauses.push([e.startTime, e.duration]); }).observe({ entryTypes: ['gc'] });

/** The share of t's timed samples spent in garbage-collection pauses that started within them. */
export function gcShare(t: Timing): number | undefined {
  const s = t.spans;
  if (!s?.length) return undefined;
  pauses.sort((a, b) => a[0] - b[0]);
  let inGc = 0, timed = 0;
  for (let i = 0; i < s.length; i += 2) {
    timed += s[i + 1] - s[i];
    let lo = 0, hi = pauses.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (pauses[m][0] < s[i]) lo = m + 1; else hi = m; }
    for (let k = lo; k < pauses.length && pauses[k][0] < s[i + 1]; k++) inGc += pauses[k][1];
  }
  return inGc / timed;
}

export function time(fn: () => unknown, { budgetMs = 1500, minRuns = 5, batch = 1 } = {}): Timing {
  for (let i = 0; i < Math.min(3, minRuns); i++) fn(); // warm-up (JIT, caches)
  const samples: number[] = [], spans: number[] = [];
  const end = performance.now() + budgetMs;
  while (samples.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn();
    const t1 = performance.now();
    samples.push((t1 - t0) / batch);
    spans.push(t0, t1);
  }
  return summary(samples, samples.length * batch, spans);
}

/** Two closures timed in alternation, so that both see the same load on a shared machine: their ratio holds up
 * better than the times themselves. */
export function timePair(a: () => unknown, b: () => unknown, { budgetMs = 2000, minRuns = 5 } = {}): [Timing, Timing] {
  for (let i = 0; i < 3; i++) { a(); b(); }
  const sa: number[] = [], sb: number[] = [], pa: number[] = [], pb: number[] = [];
  const end = performance.now() + budgetMs;
  while (sa.length < minRuns || performance.now() < end) {
    const t0 = performance.now();
    a();
    const t1 = performance.now();
    b();
    const t2 = performance.now();
    sa.push(t1 - t0);
    sb.push(t2 - t1);
    pa.push(t0, t1);
    pb.push(t1, t2);
  }
  return [summary(sa, sa.length, pa), summary(sb, sb.length, pb)];
}

export const fmtTime = (ms: number) => (ms < 1e-3 ? `${(ms * 1e6).toFixed(0)} ns` : ms < 1 ? `${(ms * 1e3).toFixed(2)} µs` : `${ms.toFixed(2)} ms`);
