// Run by bench/index.ts in a child process (node --expose-gc, MALLOC_MMAP_THRESHOLD_=65536 and GRADD_MALLOC=system so
// that every array over 64 KB is its own mapping, returned to the OS when freed: RSS then follows the live arrays), so that the
// peak it reads is this process's own: RSS before and after many W1 and W4 gradients (a leak shows as growth),
// and the peak extra RSS of one W4 gradient next to the bytes that gradient must keep. Prints one JSON object.
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

// One W4 gradient after a first one (which also compiles the code it runs): the peak above the RSS it started from.
const grad4 = w4('float64');
grad4();
rss();
await new Promise((r) => setTimeout(r, 100)); // let the GC's concurrent sweeping return what it freed first
const start = peak(true), arrays = process.memoryUsage().arrayBuffers;
const g = grad4() as { W: { data: ArrayBufferView }; b: { data: ArrayBufferView } }[];
const after = peak(), allocated = (process.memoryUsage().arrayBuffers - arrays) / MB;
// It must keep its result (one gradient per parameter) and, while it runs, the two hidden activations (128×512)
// that the backward pass reads.
const gradientBytes = g.reduce((s, p) => s + p.W.data.byteLength + p.b.data.byteLength, 0);
const mustKeep = (gradientBytes + 2 * 128 * 512 * 8) / MB;
const params = mlp('float64').params.reduce((s, p) => s + p.W.size + p.b.size, 0);

const settled = async () => { rss(); await new Promise((r) => setTimeout(r, 100)); return rss(); };
async function growth(fn: () => unknown, n: number): Promise<{ before: number; after: number }> {
  fn();
  const before = await settled();
  for (let i = 0; i < n; i++) fn();
  return { before, after: await settled() };
}

console.log(JSON.stringify({
  w4Peak: { peakMB: start === null || after === null ? null : after - start, allocatedMB: allocated, mustKeepMB: mustKeep, params },
  w1x1e5: await growth(w1(), 1e5),
  w4x1e3: await growth(grad4, 1e3),
}));
