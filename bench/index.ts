// npm run bench: the workloads W1–W8 (bench/workloads.ts) next to the limits measured in the same run and the
// reference figures of ../shared/BENCHMARKS.md (HIPS autograd, PyTorch CPU), then common ops' gradients on 10⁶
// elements. Runs the compiled package (dist/), as users do: tsx would wrap every function. Writes
// bench/results/<date>.json. About two minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { np } from 'gradd';
import { loadNative } from '../native/index.js';
import { fmtTime, gcShare, time, timePair, Timing } from './harness.js';
import { gemmRate, recordGemms, replay, tanhRate, triadRate } from './limits.js';
import { opGradients, w1, w2, w3, w4, w4Adam, w5, w6, w7, w8 } from './workloads.js';

const addon = loadNative();
interface Row {
  name: string; timing: Timing; unit?: string;
  limit?: { what: string; ms: number }; // the time the machine's limit allows for this work
  autograd?: number; pytorch?: number; // reference medians (ms)
  target?: number; // ms; with targetRatio, a bound on timing / limit instead
  targetRatio?: number;
}
const rows: Row[] = [];
const add = (r: Row) => { rows.push(r); print(r); };
const load = loadavg()[0];

console.log(`gradd bench: ${addon.blasConfig().corename}, ${addon.getThreads()} threads, ISA ${addon.getIsa()}, load average ${load.toFixed(2)}` +
  (load > 0.5 ? ' (the machine is busy: timings are noisy)' : ''));
console.log(['workload'.padEnd(44), 'median'.padStart(10), '[p10–p90]'.padEnd(24), 'limit'.padEnd(46), 'ratio'.padEnd(8), 'autograd', '  PyTorch', '  target'].join(' '));

// ---- Limits ---------------------------------------------------------------------------------------------------
const napi = time(() => addon.noop(), { batch: 10000 });
add({ name: 'limit: empty N-API call', timing: napi });
const noopArr = new Float64Array(8);
add({ name: 'limit: N-API call taking a typed array', timing: time(() => addon.noopArray(noopArr), { batch: 10000 }) });
const dgemm = gemmRate(addon, 1024, 'f64'), sgemm = gemmRate(addon, 1024, 'f32');
add({ name: 'limit: dgemm 1024² through the addon', timing: dgemm.timing, unit: `${dgemm.gflops.toFixed(1)} GFLOP/s` });
add({ name: 'limit: sgemm 1024² through the addon', timing: sgemm.timing, unit: `${sgemm.gflops.toFixed(1)} GFLOP/s` });
const triad1 = triadRate(addon, false), triadN = triadRate(addon, true);
add({ name: 'limit: triad 2²² doubles, 1 thread', timing: triad1.timing, unit: `${triad1.gbs.toFixed(1)} GB/s` });
add({ name: `limit: triad 2²² doubles, ${addon.getThreads()} threads`, timing: triadN.timing, unit: `${triadN.gbs.toFixed(1)} GB/s` });
const tanh = tanhRate(addon);
add({ name: 'limit: addon tanh over 10⁶ doubles', timing: tanh.timing, unit: `${tanh.ns.toFixed(2)} ns/element` });
const n = 1024, a = np.ones([n, n]), b = np.ones([n, n]), [A, B, C] = [a, b, np.ones([n, n])].map((x) => x.values() as Float64Array);
const [through, direct] = timePair(() => np.matmul(a, b), () => addon.gemm(false, false, n, n, n, 1, A, 0, n, B, 0, n, 0, C, 0, n));
add({ name: 'dgemm 1024² through np.matmul', timing: through, limit: { what: 'dgemm 1024² through the addon', ms: direct.median }, targetRatio: 1.1 });

// ---- Workloads --------------------------------------------------------------------------------------------------
const callFloor = { what: 'empty N-API call', ms: napi.median };
add({ name: 'W1 logistic-regression grad', timing: time(w1(), { batch: 100 }), limit: callFloor, autograd: 0.174, pytorch: 0.067, target: 0.01 });
add({ name: 'W2 Taylor sine grad at π', timing: time(w2(), { batch: 20 }), limit: callFloor, autograd: 0.624, pytorch: 0.211, target: 0.03 });
const chain = time(w3(), { batch: 2 });
const perOp = { median: chain.median / 1000, p10: chain.p10 / 1000, p90: chain.p90 / 1000, runs: chain.runs, spans: chain.spans };
add({ name: 'W3 per op, 1000-op scalar chain', timing: perOp, limit: callFloor, autograd: 0.0125, pytorch: 0.0047, target: 0.0005 });

/** A workload timed in alternation with its own gemm calls replayed alone: the BLAS-bound time of the same products. */
function withGemms(name: string, make: () => () => unknown, refs: Omit<Row, 'name' | 'timing'>, budgetMs = 2000): Timing {
  const fn = make();
  fn();
  const bound = replay(addon, recordGemms(addon, fn));
  const [timing, gemms] = timePair(fn, bound.run, { budgetMs });
  add({ name, timing, limit: { what: `its gemms alone (${bound.gflop.toFixed(2)} GFLOP)`, ms: gemms.median }, ...refs });
  return gemms;
}
const w4Gemms = withGemms('W4 MLP grad, batch 128, float64', () => w4('float64'), { autograd: 14.2, pytorch: 5.3, target: 3.5, targetRatio: 1.3 });
withGemms('W4 MLP grad, batch 128, float32', () => w4('float32'), { autograd: 4.0, pytorch: 2.4, target: 2.0, targetRatio: 1.3 });
// Adam's update reads the gradient and the parameters and updates m, v (7 arrays of 669,706 doubles).
// A step is timed within a 10-step run (its setup, flattening the parameters and zeroing m and v, shared by the steps).
const adamBytes = 7 * 8 * 669706, ADAM_STEPS = 10, adamRun = time(w4Adam(ADAM_STEPS), { budgetMs: 4000 });
add({
  name: `W4 Adam step, float64 (a ${ADAM_STEPS}-step run / ${ADAM_STEPS})`, timing: { ...adamRun, median: adamRun.median / ADAM_STEPS, p10: adamRun.p10 / ADAM_STEPS, p90: adamRun.p90 / ADAM_STEPS },
  limit: { what: 'W4 gemms + update at triad rate', ms: w4Gemms.median + adamBytes / (triadN.gbs * 1e6) }, autograd: 22.2, pytorch: 10.6, target: 5,
});
// W5 against the addon's tanh over 10⁶ doubles four times (it evaluates sin, exp, tanh and, backward, cos).
const tanh4 = new Float64Array(1e6).map(Math.random), tanhOut = new Float64Array(1e6), tanhCode = addon.unaryOps.indexOf('tanh');
const [w5Time, tanhTime] = timePair(w5(), () => { for (let k = 0; k < 4; k++) addon.unary(tanhCode, tanh4, tanhOut); });
add({ name: 'W5 grad of sum(tanh(exp(sin x)·x)), 10⁶', timing: w5Time, limit: { what: '4 addon tanh passes over 10⁶', ms: tanhTime.median }, autograd: 27.9, pytorch: 10.1, target: 5 });
withGemms('W6 grad of sum(tanh(A@B)), 1024²', w6, { autograd: 72, pytorch: 53, targetRatio: 1.15 }, 3000);
withGemms('W7 HVP of W4', w7, { autograd: 38.7, pytorch: 13.5, target: 9 });
withGemms('W8 jacobian of tanh(W@x), 200²', w8, { autograd: 5.8, pytorch: 0.44, target: 0.4 });

// ---- Op gradients on 10⁶ float64 elements, against one addon tanh pass over as many (no targets) -------------------
for (const [name, fn] of Object.entries(opGradients()))
  add({ name: `op: grad of ${name}`, timing: time(fn, { budgetMs: 400 }), limit: { what: 'addon tanh over 10⁶ doubles', ms: tanh.timing.median } });

// ---- Memory (a child process, so that its peak RSS is its own) ----------------------------------------------------
const child = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(new URL('./memory.js', import.meta.url))],
  { encoding: 'utf8', env: { ...process.env, MALLOC_MMAP_THRESHOLD_: '65536', GRADD_MALLOC: 'system' } });
const memory = child.status === 0 ? JSON.parse(child.stdout) : { error: child.stderr.trim().split('\n').slice(-3).join(' ') };
if ('error' in memory) console.log(`\nmemory: the child process failed: ${memory.error}`);
else {
  const mb = (x: number) => `${x.toFixed(1)} MB`;
  const pk = memory.w4Peak;
  console.log(`\nmemory: RSS ${mb(memory.w1x1e5.before)} → ${mb(memory.w1x1e5.after)} over 10⁵ W1 gradients, ${mb(memory.w4x1e3.before)} → ${mb(memory.w4x1e3.after)} over 10³ W4 gradients`);
  console.log(`memory: one W4 gradient (after a first, which compiles the code) allocates ${mb(pk.allocatedMB)} of arrays (the GC frees them later)` +
    (pk.peakMB === null ? '' : `, peaks ${mb(pk.peakMB)} above its starting RSS (${(pk.peakMB / pk.mustKeepMB).toFixed(2)}× what it must keep; target ≤ 2×)`) +
    `; it must keep ${mb(pk.mustKeepMB)} (its gradients, ${pk.params} parameters, and two 128×512 activations)`);
}

function print(r: Row) {
  const t = r.timing, ratio = r.limit ? t.median / r.limit.ms : undefined;
  const vs = (ref?: number) => (ref ? `${(ref / t.median).toFixed(1)}×` : '');
  const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const goals = [
    r.target !== undefined ? `≤ ${fmtTime(r.target)} ${met(t.median <= r.target)}` : '',
    r.targetRatio !== undefined && ratio !== undefined ? `≤ ${r.targetRatio}× limit ${met(ratio <= r.targetRatio)}` : '',
  ].filter(Boolean).join(', ');
  console.log([
    r.name.padEnd(44), fmtTime(t.median).padStart(10), `[${fmtTime(t.p10)}–${fmtTime(t.p90)}]`.padEnd(24),
    (r.unit ?? (r.limit ? `${fmtTime(r.limit.ms)} ${r.limit.what}` : '')).padEnd(46),
    (ratio !== undefined ? `${ratio.toFixed(2)}×` : '').padEnd(8),
    vs(r.autograd).padStart(8), vs(r.pytorch).padStart(9), ` ${goals}`,
  ].join(' '));
}

console.log('\nratio: median / limit. autograd, PyTorch: their median (BENCHMARKS.md) / ours, so > 1× is faster than they are.');
await new Promise((r) => setTimeout(r, 100)); // the collector's pauses are reported once the event loop turns
const gc = new Map(rows.map((r) => [r, gcShare(r.timing)]));
console.log(`gc: the share of each workload's timed calls spent in garbage-collection pauses: ${rows.filter((r) => r.name.startsWith('W') && gc.get(r) !== undefined)
  .map((r) => `${r.name.split(' ')[0]}${r.name.includes('float32') ? ' f32' : r.name.includes('Adam') ? ' Adam' : ''} ${(gc.get(r)! * 100).toFixed(1)}%`).join(', ')}`);
mkdirSync(new URL('../../bench/results/', import.meta.url), { recursive: true });
const file = new URL(`../../bench/results/${new Date().toISOString().replace(/[:.]/g, '-')}.json`, import.meta.url);
writeFileSync(file, JSON.stringify({
  date: new Date().toISOString(), cpu: addon.blasConfig(), threads: addon.getThreads(), isa: addon.getIsa(), loadAverage: loadavg(),
  limits: { dgemmGflops: dgemm.gflops, sgemmGflops: sgemm.gflops, triadGBs: { one: triad1.gbs, all: triadN.gbs }, tanhNsPerElement: tanh.ns, napiCallMs: napi.median },
  rows: rows.map((r) => ({ ...r, timing: { ...r.timing, spans: undefined }, ratio: r.limit ? r.timing.median / r.limit.ms : undefined, gcShare: gc.get(r) })),
  memory,
}, null, 2));
console.log(`results written to ${fileURLToPath(file)}`);
