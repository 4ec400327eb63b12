// Job test helpers: the models the tests optimize, the same problem run embedded (core/optimizers on
// evalGraph, in this process), waiting on jobs, and reading the two progress streams (SSE, gRPC).
import { get as httpGet } from 'node:http';
import * as grpc from '@grpc/grpc-js';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { np } from '../../core/np.js';
import { NDArray } from '../../core/ndarray.js';
import { grad } from '../../core/differential.js';
import { evalGraph } from '../../core/graph/eval.js';
import { graphFromProto } from '../../core/graph/wire.js';
import { optimizers } from '../../core/optimizers.js';
import * as j from '../../core/graph/gen/gradd/v1/jobs_pb.js';
import { http, protoGraph } from '../server/helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

/** A two-layer network's squared error: w1 [3, 4], w2 [4], over inputs X [16, 3] and targets t [16]. */
export const mlpLoss = (w1: any, w2: any, X: any, t: any) => np.mean(np.square(np.subtract(np.dot(np.tanh(np.dot(X, w1)), w2), t)));
export const MLP_SPECS = [[3, 4], [4], [16, 3], [16]].map((shape) => ({ dtype: 'float64', shape }));

/** Deterministic data: a sine of the inputs (x_i = sin(1.3 i + 0.7 k)). */
export function mlpData() {
  const X = NDArray.fromData(Array.from({ length: 48 }, (_, i) => Math.sin(1.3 * i + 0.7 * (i % 3))), [16, 3], 'float64');
  const t = NDArray.fromData(Array.from({ length: 16 }, (_, i) => Math.cos(0.9 * i)), [16], 'float64');
  const w1 = NDArray.fromData(Array.from({ length: 12 }, (_, i) => 0.3 * Math.sin(2.1 * i + 1)), [3, 4], 'float64');
  const w2 = NDArray.fromData(Array.from({ length: 4 }, (_, i) => 0.2 * Math.cos(1.7 * i)), [4], 'float64');
  return { X, t, w1, w2 };
}

/** The graph as the server reads it (no container trees) and the embedded optimizer run on it: final parameters and the loss at each step. */
export function embedded(f: (...a: any[]) => any, specs: unknown[], params: NDArray[], fixed: NDArray[], optimizer: 'sgd' | 'rmsprop' | 'adam', opts: Record<string, number>) {
  const { inputTree: _i, outputTree: _o, ...ir } = graphFromProto(protoGraph(f, ...specs));
  const loss = (p: NDArray[]) => (evalGraph(ir, [...p, ...fixed]) as any[])[0];
  const losses: number[] = [];
  const x = optimizers[optimizer](grad(loss), params, { ...opts, callback: (p: any) => losses.push(loss(p).item()) }) as NDArray[];
  return { x: x.map((a) => Array.from(a.values())), losses };
}

/** GetJob over HTTP until `done(job)` holds (by default: a final state). */
export async function waitJob(s: { url: string }, id: string, headers: Record<string, string> = {}, done = (b: any) => ['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(b.state), timeoutMs = 60_000) {
  const t0 = Date.now();
  for (;;) {
    const r = await http(s, 'GET', `/v1/jobs/${id}`, undefined, headers);
    if (r.status !== 200 || done(r.body)) return r;
    if (Date.now() - t0 > timeoutMs) throw new Error(`job ${id} is still ${r.body.state} at step ${r.body.progress?.step}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

/**
 * The server-sent events of a job's watch route, parsed, until the stream ends or `stop(event)` is true (then
 * the connection is closed: node:http, since fetch's abort can leave the socket open).
 */
export function sse(s: { url: string }, id: string, headers: Record<string, string> = {}, stop = (_e: { event: string; data: any }) => false) {
  const events: { event: string; data: any }[] = [];
  return new Promise<{ status: number; type: string | undefined; events: typeof events; body?: any }>((resolve, reject) => {
    const req = httpGet(`${s.url}/v1/jobs/${id}/watch`, { headers }, (res) => {
      const out = () => ({ status: res.statusCode!, type: res.headers['content-type'], events });
      let buf = '';
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        res.on('data', (d) => { buf += d; }).on('end', () => resolve({ ...out(), body: JSON.parse(buf) }));
        return;
      }
      res.on('data', (d) => {
        buf += d;
        let at: number;
        while ((at = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, at);
          buf = buf.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1], data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || data === undefined) continue;
          events.push({ event, data: JSON.parse(data) });
          if (stop(events.at(-1)!)) { req.destroy(); resolve(out()); return; }
        }
      });
      res.on('end', () => resolve(out()));
    });
    req.on('error', reject);
  });
}

/** WatchJob over gRPC: every event until the stream ends, and how it ended. */
export function grpcWatch(client: grpc.Client, jobId: string, token?: string): Promise<{ events: j.JobProgress[]; error?: grpc.ServiceError }> {
  const md = new grpc.Metadata();
  if (token) md.set('authorization', `Bearer ${token}`);
  const call = client.makeServerStreamRequest('/gradd.v1.Jobs/WatchJob', (b: Uint8Array) => Buffer.from(b), (b: Buffer) => fromBinary(j.JobProgressSchema, b),
    toBinary(j.WatchJobRequestSchema, create(j.WatchJobRequestSchema, { jobId })), md, {});
  const events: j.JobProgress[] = [];
  return new Promise((resolve) => {
    call.on('data', (p: j.JobProgress) => events.push(p));
    call.on('error', (error: grpc.ServiceError) => resolve({ events, error }));
    call.on('end', () => resolve({ events }));
  });
}

export const J = '/gradd.v1.Jobs/';
/** Raw float64 values of a JSON tensor (raw_contents, base64). */
export const rawValues = (t: any): number[] => Array.from(new Float64Array(new Uint8Array(Buffer.from(t.rawContents ?? '', 'base64')).buffer));
export const jsonTensor = (a: NDArray) => ({ datatype: 'FP64', shape: a.shape.map(String), rawContents: Buffer.from(new Float64Array(a.values() as Float64Array).buffer).toString('base64') });

export { killAll, serveProcess } from '../server/helpers.js';
