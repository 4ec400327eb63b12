// A job's files under <dataDir>/jobs/<tenant digest>/<job id>/:
//   job.json    what StartJob asked for (the request as binary protobuf, base64), written once;
//   state.bin   the latest checkpoint, or the final state: parameters, optimizer state and step;
//   losses.bin  the loss of every step, float64 little-endian, step k at byte 8k.
// state.bin is replaced atomically (temporary file, fsync, rename, fsync of the directory), so after a crash
// (kill -9 included) it is one whole checkpoint; the losses it covers are written and fsynced before it.
// Numbers are kept as their float64 bytes, never as decimal text: a resumed job continues bit for bit.
import { closeSync, constants, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fail } from '../core/errors.js';
import type { State } from '../core/optimizers.js';

export type StoredState = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';

export interface Checkpoint {
  state: StoredState;
  /** Steps done. */
  step: number;
  /** The flat parameters after `step` steps. */
  x: Float64Array;
  /** The optimizer's state after `step` steps. */
  opt: State;
  /** At the last step done: loss and gradient norm (NaN before the first); running time so far. */
  loss: number;
  gradNorm: number;
  elapsedMs: number;
  endMs?: number;
  error?: { code: string; message: string };
}

export interface Spec { format: 'gradd.job.v1'; id: string; tenant: string; modelId: string; createTime: string; request: string }

const MAGIC = Buffer.from('GRADDJB1');

export const jobsRoot = (dataDir: string) => join(dataDir, 'jobs');
export const jobDir = (dataDir: string, tenant: string, id: string) =>
  join(jobsRoot(dataDir), createHash('sha256').update(tenant).digest('hex').slice(0, 32), id);

/** MAGIC, header length (u32 LE), header JSON, zero padding to 8 bytes, then each array's float64 bytes in header order. */
export function encodeCheckpoint(c: Checkpoint): Buffer {
  const arrays: [string, Float64Array][] = [['x', c.x], ['progress', Float64Array.of(c.loss, c.gradNorm, c.elapsedMs)], ...Object.entries(c.opt).map(([k, v]): [string, Float64Array] => [`opt.${k}`, v])];
  const header = Buffer.from(JSON.stringify({ state: c.state, step: c.step, endMs: c.endMs, error: c.error, arrays: arrays.map(([k, v]) => [k, v.length]) }));
  const start = Math.ceil((MAGIC.length + 4 + header.length) / 8) * 8;
  const out = Buffer.alloc(start + arrays.reduce((n, [, v]) => n + v.byteLength, 0));
  MAGIC.copy(out);
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  let at = start;
  for (const [, v] of arrays) {
    for (let i = 0; i < v.length; i++, at += 8) out.writeDoubleLE(v[i], at);
  }
  return out;
}

export function decodeCheckpoint(b: Buffer, where: string): Checkpoint {
  if (b.length < MAGIC.length + 4 || !b.subarray(0, MAGIC.length).equals(MAGIC)) fail('INTERNAL', `${where} is not a gradd job checkpoint`);
  const n = b.readUInt32LE(MAGIC.length);
  const h = JSON.parse(b.subarray(MAGIC.length + 4, MAGIC.length + 4 + n).toString()) as Omit<Checkpoint, 'x' | 'opt' | 'loss' | 'gradNorm' | 'elapsedMs'> & { arrays: [string, number][] };
  let at = Math.ceil((MAGIC.length + 4 + n) / 8) * 8;
  const arrays = new Map(h.arrays.map(([k, len]) => {
    const v = new Float64Array(len);
    for (let i = 0; i < len; i++, at += 8) v[i] = b.readDoubleLE(at);
    return [k, v];
  }));
  const progress = arrays.get('progress')!;
  const opt = Object.fromEntries([...arrays].filter(([k]) => k.startsWith('opt.')).map(([k, v]) => [k.slice(4), v]));
  return { state: h.state, step: h.step, endMs: h.endMs, error: h.error, x: arrays.get('x')!, opt, loss: progress[0], gradNorm: progress[1], elapsedMs: progress[2] };
}

/** Writes the losses of steps from+1 … from+losses.length (at byte 8·from), then state.bin, each durably. Synchronous: the job's thread waits for its checkpoint. */
export function writeCheckpointSync(dir: string, c: Checkpoint, losses?: { from: number; values: Float64Array }): void {
  mkdirSync(dir, { recursive: true });
  if (losses?.values.length) {
    const fd = openSync(join(dir, 'losses.bin'), constants.O_RDWR | constants.O_CREAT); // not O_APPEND: it would ignore the position
    try {
      const b = Buffer.alloc(losses.values.length * 8);
      losses.values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
      // Positioned writes: after a resume the steps past the checkpoint are written again, over the old ones.
      writeSync(fd, b, 0, b.length, losses.from * 8);
      fsyncSync(fd);
    } finally { closeSync(fd); }
  }
  const path = join(dir, 'state.bin'), tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, encodeCheckpoint(c));
    fsyncSync(fd);
  } finally { closeSync(fd); }
  renameSync(tmp, path);
  const d = openSync(dir, 'r');
  try { fsyncSync(d); } finally { closeSync(d); }
}

export async function writeSpec(dir: string, spec: Spec): Promise<void> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'job.json'), tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(JSON.stringify(spec));
    await fh.sync();
  } finally { await fh.close(); }
  await rename(tmp, path);
  for (const d of [dir, join(dir, '..')]) {
    const h = await open(d, 'r');
    try { await h.sync(); } finally { await h.close(); }
  }
}

export interface Stored { dir: string; spec: Spec; checkpoint: Checkpoint | null; losses: Float64Array }

/** Every stored job; a directory without a whole job.json (a StartJob that a crash interrupted) is removed. */
export async function loadAll(dataDir: string, warn: (msg: string) => void): Promise<Stored[]> {
  const root = jobsRoot(dataDir), out: Stored[] = [];
  await mkdir(root, { recursive: true });
  for (const tenant of await readdir(root)) {
    for (const id of await readdir(join(root, tenant))) {
      const dir = join(root, tenant, id);
      try {
        const spec = JSON.parse(await readFile(join(dir, 'job.json'), 'utf8').catch(() => 'null')) as Spec | null;
        if (!spec) { await rm(dir, { recursive: true, force: true }); continue; }
        const state = await readFile(join(dir, 'state.bin')).catch(() => null);
        const checkpoint = state && decodeCheckpoint(state, join(dir, 'state.bin'));
        out.push({ dir, spec, checkpoint, losses: readLosses(dir, checkpoint?.step ?? 0) });
      } catch (e) {
        warn(`job ${dir} was not loaded: ${(e as Error).message}`);
      }
    }
  }
  return out;
}

function readLosses(dir: string, n: number): Float64Array {
  if (!n) return new Float64Array(0);
  const b = readFileSync(join(dir, 'losses.bin'));
  if (b.length < 8 * n) fail('INTERNAL', `losses.bin holds ${Math.floor(b.length / 8)} losses; its checkpoint is at step ${n}`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = b.readDoubleLE(8 * i);
  return out;
}

export const removeJob = (dir: string) => rm(dir, { recursive: true, force: true });
