// Run by bench/index.ts in a child process (node --expose-gc), so that the peak it reads is this process's own:
// RSS before and after many W1 and W4 gradients (a leak shows as growth), and the peak extra RSS of one W4
// gradient next to the bytes that gradient must keep. Prints one JSON object.
import { readFileSync, writeFileSync } from 'node:fs';
import { mlp, w1, w4 } from './workloads.js';

const gc = (globalThis as { gc?: () => void }).gc ?? (() => { throw new Error('run with node --expose-gc'); });
const MB = 2 ** 20;
const rss = () => { gc(); return process.memoryUsage().rss / MB; };
/** The RSS high-water mark (VmHWM) in MB, reset to the current RSS first when `reset` (Linux: clear_refs 5). */
function peak(reset = false): number | null {
  try {
    if (reset) writeFileSync('/proc/self/clear_refs', '5');
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

// One W4 gradient in a fresh process: the peak above the RSS it started from.
const grad4 = w4('float64');
rss();
const start = peak(true);
const g = grad4() as { W: { data: ArrayBufferView }; b: { data: ArrayBufferView } }[];
const after = peak();
// It must keep its result (one gradient per parameter) and, while it runs, the two hidden activations (128×512)
// that the backward pass reads.
const gradientBytes = g.reduce((s, p) => s + p.W.data.byteLength + p.b.data.byteLength, 0);
const mustKeep = (gradientBytes + 2 * 128 * 512 * 8) / MB;
const params = mlp('float64').params.reduce((s, p) => s + p.W.size + p.b.size, 0);

function growth(fn: () => unknown, n: number): { before: number; after: number } {
  fn();
  const r0 = rss();
  for (let i = 0; i < n; i++) fn();
  return { before: r0, after: rss() };
}

console.log(JSON.stringify({
  w4Peak: start === null || after === null ? null : { peakMB: after - start, mustKeepMB: mustKeep, params },
  w1x1e5: growth(w1(), 1e5),
  w4x1e3: growth(grad4, 1e3),
}));
