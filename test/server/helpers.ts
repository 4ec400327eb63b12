// Test helpers: in-process servers on 127.0.0.1 (ports picked by the OS), a gRPC caller that sends and
// receives raw protobuf, an HTTP caller, and the graphs the tests register.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { pino } from 'pino';
import { np } from '../../core/np.js';
import { NDArray } from '../../core/ndarray.js';
import { trace } from '../../core/graph/trace.js';
import { graphToProto, tensorFromProto, tensorToProto, toJson } from '../../core/graph/wire.js';
import { GraphSchema } from '../../core/graph/gen/gradd/v1/graph_pb.js';
import type { Tensor } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { createServer, type GraddServer, type ServerOptions } from '../../server/index.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

export interface TestServer extends GraddServer { dataDir: string }

export async function startServer(opts: ServerOptions = {}): Promise<TestServer> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'gradd-server-'));
  const s = await createServer({ host: '127.0.0.1', httpPort: 0, grpcPort: 0, workers: 1, ...opts, dataDir }, pino({ level: 'silent' }));
  return { ...s, dataDir, close: async () => { await s.close(); if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true }); } };
}

// ---- graphs ----

export const jsonGraph = (f: (...a: any[]) => any, ...specs: unknown[]) => toJson(GraphSchema, graphToProto(trace(f, ...specs)));
export const protoGraph = (f: (...a: any[]) => any, ...specs: unknown[]) => graphToProto(trace(f, ...specs));

/** W1: the tutorial's logistic regression, loss(w) for w of shape [3]. */
export const W1_X = [[0.52, 1.12, 0.77], [0.88, -1.08, 0.15], [0.52, 0.06, -1.3], [0.74, -2.49, 1.39]];
export const W1_T = [true, true, false, true];
export function w1Loss(w: any) {
  const inputs = np.array(W1_X), targets = np.array(W1_T);
  const p = np.multiply(0.5, np.add(np.tanh(np.dot(inputs, w)), 1));
  return np.negative(np.sum(np.log(np.add(np.multiply(p, targets), np.multiply(np.subtract(1, p), np.subtract(1, targets))))));
}
/** By hand: p = σ(2·Xw) (0.5·(tanh z + 1) is the logistic function of 2z); loss = −Σ log(p or 1−p); ∇ = −Σ 2(t − p) X. */
export function w1Expected(w: number[]) {
  let loss = 0;
  const grad = [0, 0, 0];
  W1_X.forEach((x, i) => {
    const z = x.reduce((s, xi, j) => s + xi * w[j], 0), p = 1 / (1 + Math.exp(-2 * z)), t = W1_T[i] ? 1 : 0;
    loss -= Math.log(t ? p : 1 - p);
    x.forEach((xi, j) => { grad[j] -= 2 * (t - p) * xi; });
  });
  return { loss, grad };
}

// ---- tensors ----

export const f64 = (values: number[], shape = [values.length]): Tensor => tensorToProto(NDArray.fromData(values, shape, 'float64'));
export const jsonF64 = (values: (number | string)[], shape = [values.length]) => ({ datatype: 'FP64', shape: shape.map(String), contents: { fp64Contents: values } });
export const values = (t: Tensor | undefined): number[] => Array.from(tensorFromProto(t!).values());
/** A JSON tensor from the server (raw_contents, base64) as numbers. */
export const jsonValues = (t: any): number[] => Array.from(new Float64Array(new Uint8Array(Buffer.from(t.rawContents ?? '', 'base64')).buffer));

// ---- transports ----

export async function http(s: { url: string }, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${s.url}${path}`, {
    method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = text; }
  return { status: res.status, body: json, headers: res.headers };
}

export class GrpcCaller {
  readonly client: grpc.Client;
  constructor(address: string, creds = grpc.credentials.createInsecure(), options: grpc.ClientOptions = {}) {
    this.client = new grpc.Client(address, creds, { 'grpc.max_send_message_length': -1, ...options });
  }

  /** A unary call; `raw` sends those bytes instead of the encoded request. */
  call<I extends DescMessage, O extends DescMessage>(
    path: string, input: I, output: O, req: MessageInitShape<I>,
    opts: { token?: string; deadline?: number; raw?: Uint8Array; signal?: AbortSignal } = {},
  ): Promise<MessageShape<O>> {
    const md = new grpc.Metadata();
    if (opts.token) md.set('authorization', `Bearer ${opts.token}`);
    const bytes = opts.raw ?? toBinary(input, create(input, req));
    return new Promise((resolve, reject) => {
      const call = this.client.makeUnaryRequest(path, (b: Uint8Array) => Buffer.from(b), (b: Buffer) => fromBinary(output, b), bytes, md,
        opts.deadline ? { deadline: Date.now() + opts.deadline } : {}, (err, res) => (err ? reject(err) : resolve(res!)));
      opts.signal?.addEventListener('abort', () => call.cancel());
    });
  }

  close(): void { this.client.close(); }
}

export const G = '/gradd.v1.Gradient/';
export const I = '/inference.GRPCInferenceService/';

/** `gradd serve` processes started by serveProcess. */
const children = new Set<ChildProcess>();

/** SIGKILLs every server process the tests started that is still running. */
export const killAll = () => children.forEach((c) => c.kill('SIGKILL'));

/**
 * Starts `gradd serve` on `dataDir` (ports: free ones by default); resolves when it logs that it is serving. `entry`:
 * Node's arguments up to the script (from sources by default).
 */
export function serveProcess(dataDir: string, ports = { http: 0, grpc: 0 }, args: string[] = [], entry = ['--import', 'tsx', 'server/cli.ts']): Promise<{ child: ChildProcess; url: string; grpc: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, [...entry, 'serve', '--host', '127.0.0.1', '--http', String(ports.http), '--grpc', String(ports.grpc),
    '--data-dir', dataDir, '--workers', '1', ...args], { cwd: join(import.meta.dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => { children.delete(child); resolve(code); }));
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`gradd serve did not start: ${buf}`)), 30_000);
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`gradd serve exited (code ${code}) before serving: ${buf}`)); });
    child.stdout!.on('data', (d) => {
      buf += d;
      const line = buf.split('\n').find((l) => l.includes('"gradd serving"'));
      if (line) {
        clearTimeout(timer);
        const { http: h, grpc: g } = JSON.parse(line);
        resolve({ child, url: `http://127.0.0.1:${h}`, grpc: `grpc://127.0.0.1:${g}`, exited });
      }
    });
  });
}
