// npm run bench:server — gradient RPCs per second and latency percentiles for W1 (the tutorial's logistic
// regression: ValueAndGrad over gRPC, POST /v1/models/{id}/valueAndGrad over HTTP) at 1, 16 and 64
// concurrent clients, next to the same server's no-op routes (gRPC ServerLive, GET /v2/health/live), each
// cell alternating with its no-op in slices so that a machine changing speed affects both alike. The server
// is a child process (the compiled dist/server/cli.js; run `npm run build:ts` first, else it runs from
// source through tsx) on loopback, sharing the machine with the load generator:
// - h2load (Debian's nghttp2-client; BENCH_GENERATOR=h2load, the default where it is installed): a C load
//   generator, one connection per client with one request in flight (HTTP/1.1 keep-alive, or HTTP/2 carrying
//   gRPC frames), latencies from its per-request log. It costs the machine a few µs a request, so rates are
//   the server's.
// - this process (BENCH_GENERATOR=node): node:http's keep-alive Agent, and gRPC as unary calls on one
//   node:http2 session per client (grpc-js's client costs ~300 µs of CPU a call). Node's HTTP/2 client
//   promotes megabytes per scavenge, and its collector's pauses set the gRPC p99 (11–13 ms for the no-op).
// Each cell also reports the server's CPU time per request (from /proc: all its threads), steadier than rates
// on a shared machine. Writes bench/results/server-<date>.json.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:http2';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, toBinary } from '@bufbuild/protobuf';
import { np } from '../core/np.js';
import { NDArray } from '../core/ndarray.js';
import { trace } from '../core/graph/trace.js';
import { graphToProto, tensorToProto, toJson } from '../core/graph/wire.js';
import { GraphSchema } from '../core/graph/gen/gradd/v1/graph_pb.js';
import { ValueAndGradRequestSchema } from '../core/graph/gen/gradd/v1/gradient_pb.js';
import { NODE_FLAGS } from '../server/config.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
// Ten slice pairs per cell: this machine's speed can change by half from one second to the next (see the spread
// printed), and the median of six pairs still moved by several points from run to run.
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10), WARMUP_S = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const H2LOAD = spawnSync('h2load', ['--version']).status === 0;
const GENERATOR = process.env.BENCH_GENERATOR ?? (H2LOAD ? 'h2load' : 'node');
if (GENERATOR !== 'node' && GENERATOR !== 'h2load') throw new Error(`BENCH_GENERATOR is ${GENERATOR}; use node or h2load`);
if (GENERATOR === 'h2load' && !H2LOAD) throw new Error('BENCH_GENERATOR=h2load, but h2load is not installed (Debian: apt-get install nghttp2-client)');
// Slices: h2load opens its connections anew for each, so its slices are longer.
const SLICE_S = GENERATOR === 'h2load' ? 1 : 0.5;
const root = join(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'gradd-bench-'));
const compiled = existsSync(join(root, 'dist/server/cli.js'));
const freePort = () => new Promise<number>((resolve) => { const srv = createNetServer().listen(0, '127.0.0.1', () => { const { port } = srv.address() as AddressInfo; srv.close(() => resolve(port)); }); });
const ports = { http: await freePort(), grpc: await freePort() };
const child = spawn(process.execPath, [...NODE_FLAGS, ...(compiled ? ['dist/server/cli.js'] : ['--import', 'tsx', 'server/cli.ts']),
  'serve', '--host', '127.0.0.1', '--http', String(ports.http), '--grpc', String(ports.grpc), '--data-dir', dataDir, '--log-level', 'warn'], { cwd: root, stdio: 'inherit' });
process.on('exit', () => { child.kill('SIGKILL'); rmSync(dataDir, { recursive: true, force: true }); });
for (let i = 0; ; i++) {
  if (await fetch(`http://127.0.0.1:${ports.http}/v2/health/ready`).then((r) => r.ok, () => false)) break;
  if (i > 600) throw new Error('the server did not start');
  await new Promise((r) => setTimeout(r, 100));
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function post(path: string, body: string | null): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: ports.http, path, method: body === null ? 'GET' : 'POST', agent, headers: body === null ? {} : { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

// W1, registered once.
const W1_X = [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]];
const loss = (w: any) => {
  const p = np.multiply(0.5, np.add(np.tanh(np.dot(np.array(W1_X), w)), 1)), t = np.array([true, true, false, true]);
  return np.negative(np.sum(np.log(np.add(np.multiply(p, t), np.multiply(np.subtract(1, p), np.subtract(1, t))))));
};
const graph = toJson(GraphSchema, graphToProto(trace(loss, { dtype: 'float64', shape: [3] })));
const reg = await fetch(`http://127.0.0.1:${ports.http}/v1/models`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph }) });
const modelId = ((await reg.json()) as any).model.id as string;
const w = tensorToProto(NDArray.fromData([0.1, -0.2, 0.3], [3], 'float64'));
const grpcBody = toBinary(ValueAndGradRequestSchema, create(ValueAndGradRequestSchema, { modelId, inputs: [w] }));
const httpBody = JSON.stringify({ inputs: [{ datatype: 'FP64', shape: ['3'], rawContents: Buffer.from(w.rawContents).toString('base64') }] });

// A gRPC unary call: one length-prefixed message out; the status in the trailers (or the headers, when there is no message).
// Client c's own connection, as each client of a real service has its own channel.
const sessions: ReturnType<typeof connect>[] = [];
const sessionOf = (c: number) => (sessions[c] ??= connect(`http://127.0.0.1:${ports.grpc}`));
const grpcFrame = (body: Uint8Array) => {
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
};
const unary = (c: number, path: string, body: Uint8Array) => new Promise<void>((resolve, reject) => {
  const frame = grpcFrame(body);
  const call = sessionOf(c).request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers' });
  let status: unknown;
  call.on('response', (h) => { status = h['grpc-status']; });
  call.on('trailers', (t) => { status = t['grpc-status']; });
  call.on('data', () => undefined);
  call.on('end', () => (status === '0' ? resolve() : reject(new Error(`${path}: grpc-status ${String(status)}`))));
  call.on('error', reject);
  call.end(frame);
});

/** A route under load: its path and body; `send` makes one request from client c and checks its status. */
interface Target { name: string; grpc: boolean; path: string; body: Uint8Array | string | null; send: (c: number) => Promise<unknown> }
const grpcTarget = (name: string, path: string, body: Uint8Array): Target => ({ name, grpc: true, path, body: grpcFrame(body), send: (c) => unary(c, path, body) });
const httpTarget = (name: string, path: string, body: string | null): Target =>
  ({ name, grpc: false, path, body, send: async () => { const status = await post(path, body); if (status !== 200) throw new Error(`${path}: HTTP ${status}`); } });
const targets: Target[] = [
  grpcTarget('gRPC ValueAndGrad', '/gradd.v1.Gradient/ValueAndGrad', grpcBody),
  grpcTarget('gRPC no-op (ServerLive)', '/inference.GRPCInferenceService/ServerLive', new Uint8Array()),
  httpTarget('HTTP valueAndGrad', `/v1/models/${modelId}/valueAndGrad`, httpBody),
  httpTarget('HTTP no-op (/v2/health/live)', '/v2/health/live', null),
];
for (const t of targets) await t.send(0); // each answers, gRPC with status 0 (h2load sees only HTTP statuses)

/** The server process's CPU time so far (all its threads), in µs; NaN where /proc is not there. */
const serverCpu = () => {
  try {
    const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1e6) / CLOCK_TICKS;
  } catch { return NaN; }
};
const CLOCK_TICKS = 100; // USER_HZ, 100 on Linux

interface Tally { lat: number[]; ms: number; cpu: number }
const tally = (): Tally => ({ lat: [], ms: 0, cpu: 0 });

/** `clients` loops, each sending its next request when the last is answered, for `ms`; into t: latencies, time, server CPU. */
async function load(target: Target, clients: number, ms: number, t = tally()) {
  const cpu0 = serverCpu(), t0 = performance.now();
  if (GENERATOR === 'h2load') await h2load(target, clients, ms, t);
  else {
    const end = t0 + ms;
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      while (performance.now() < end) {
        const s = performance.now();
        await target.send(c);
        t.lat.push(performance.now() - s);
      }
    }));
  }
  t.ms += GENERATOR === 'h2load' ? ms : performance.now() - t0;
  t.cpu += serverCpu() - cpu0;
  return t;
}

const scratch = mkdtempSync(join(tmpdir(), 'gradd-bench-h2load-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));

/** One h2load run: `clients` connections, one request in flight on each, for `ms` of measurement; latencies from its log. */
async function h2load(target: Target, clients: number, ms: number, t: Tally) {
  const log = join(scratch, 'log.tsv'), body = join(scratch, 'body');
  rmSync(log, { force: true });
  const args = ['-c', String(clients), '-m', '1', '-D', String(ms / 1000), `--log-file=${log}`];
  if (target.body !== null) {
    writeFileSync(body, target.body);
    args.push('-d', body, '-H', `content-type: application/${target.grpc ? 'grpc' : 'json'}`);
  }
  if (target.grpc) args.push('-H', 'te: trailers');
  else args.push('--h1');
  const url = `http://127.0.0.1:${target.grpc ? ports.grpc : ports.http}${target.path}`;
  const run = spawn('h2load', [...args, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  run.stdout.on('data', (d) => { out += d; });
  const code = await new Promise<number | null>((resolve) => run.on('close', resolve));
  const lines = readFileSync(log, 'utf8').trim().split('\n');
  const bad = lines.find((l) => l.split('\t')[1] !== '200');
  if (code !== 0 || bad !== undefined || /\b[1-9]\d* (failed|errored)/.test(out)) throw new Error(`h2load ${target.path}: exit ${code}, ${bad ? `a response with HTTP status ${bad.split('\t')[1]}` : out.split('\n').find((l) => l.startsWith('requests:'))}`);
  for (const l of lines) t.lat.push(Number(l.split('\t')[2]) / 1000);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summary(t: Tally) {
  t.lat.sort((a, b) => a - b);
  const q = (p: number) => t.lat[Math.min(t.lat.length - 1, Math.floor(p * t.lat.length))];
  return { rps: (t.lat.length * 1000) / t.ms, p50: q(0.5), p99: q(0.99), cpuUs: t.cpu / t.lat.length };
}

// Warm-up: V8 keeps optimizing the server's request path for several seconds of load (about 1,000 functions).
for (const t of targets) await load(t, 16, t.name.includes('no-op') ? 2000 : WARMUP_S * 1000);
const rows: { target: string; clients: number; rps: number; p50: number; p99: number; cpuUs: number; ofNoop?: number; slices?: number[] }[] = [];
const how = GENERATOR === 'h2load' ? 'h2load (C; a connection per client, one request in flight; HTTP/1.1 keep-alive, and HTTP/2 for gRPC)'
  : 'this Node process (HTTP: node:http keep-alive Agent; gRPC: unary calls, one node:http2 session per client)';
console.log(`gradd server bench: ${availableParallelism()} cores, server from ${compiled ? 'dist' : 'sources (tsx)'}, warmed up ${WARMUP_S} s per gradient route; ${SECONDS} s per cell in ${SLICE_S} s slices alternating with its no-op; load generator on the same cores: ${how}`);
console.log('target                          clients   req/s    p50 ms   p99 ms   server CPU µs/req   % of no-op: median slice pair (range)');
for (const clients of [1, 16, 64]) {
  for (const transport of ['gRPC', 'HTTP']) {
    const [gradTarget, noopTarget] = targets.filter((t) => t.name.startsWith(transport));
    // The two alternate in slices, so that a machine that speeds up or slows down meanwhile affects both alike.
    const [g, n] = [tally(), tally()], pairs: number[] = [];
    for (let k = 0; k < SECONDS / SLICE_S; k++) {
      const [g0, n0] = [g.lat.length, n.lat.length];
      await load(noopTarget, clients, SLICE_S * 1000, n);
      await load(gradTarget, clients, SLICE_S * 1000, g);
      pairs.push((g.lat.length - g0) / (n.lat.length - n0));
    }
    const [grad, noop] = [summary(g), summary(n)];
    for (const [name, r] of [[gradTarget.name, grad], [noopTarget.name, noop]] as const) {
      // The share of the no-op rate is the median pair's: a pair that a change of machine speed splits (one
      // slice at full speed, the other at half) counts as one pair, not by its requests.
      const row = { target: name, clients, ...r, ...(r === grad ? { ofNoop: median(pairs), slices: pairs } : {}) };
      rows.push(row);
      const spread = row.slices ? `   (slices ${Math.round(100 * Math.min(...pairs))}–${Math.round(100 * Math.max(...pairs))}%)` : '';
      console.log(`${name.padEnd(32)}${String(clients).padStart(7)}${r.rps.toFixed(0).padStart(8)}${r.p50.toFixed(3).padStart(9)}${r.p99.toFixed(3).padStart(9)}${r.cpuUs.toFixed(0).padStart(20)}${row.ofNoop ? `${(row.ofNoop * 100).toFixed(0)}%`.padStart(13) : ''}${spread}`);
    }
  }
}
const at16 = rows.filter((r) => r.clients === 16 && r.ofNoop !== undefined);
console.log(`targets at 16 clients (≥ 60% of the no-op rate, p99 ≤ 5 ms): ${at16.map((r) => `${r.target}: ${(r.ofNoop! * 100).toFixed(0)}%, p99 ${r.p99.toFixed(2)} ms ${r.ofNoop! >= 0.6 && r.p99 <= 5 ? 'met' : 'MISSED'}`).join('; ')}`);
mkdirSync(join(root, 'bench/results'), { recursive: true });
writeFileSync(join(root, `bench/results/server-${new Date().toISOString().slice(0, 10)}.json`), JSON.stringify({ cores: availableParallelism(), compiled, generator: GENERATOR, seconds: SECONDS, rows }, null, 2));
sessions.forEach((s) => s.close());
agent.destroy();
process.exit(0);
