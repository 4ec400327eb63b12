// Bad input end to end: each gets a clear error in its protocol's own form, and afterwards a valid
// request still succeeds.
import { connect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { np } from '../../core/np.js';
import { f64, G, GrpcCaller, http, jsonF64, jsonGraph, startServer, values, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const spec3 = { dtype: 'float64', shape: [3] };
let s: TestServer, rpc: GrpcCaller, model = '';
beforeAll(async () => {
  s = await startServer({ requestTimeoutMs: 1000, limits: { maxRequestBytes: 100_000, maxConnections: 20 } });
  rpc = new GrpcCaller(s.grpcAddress);
  model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph((x: any) => np.sum(np.square(x)), spec3) })).body.model.id;
});
afterAll(async () => { rpc.close(); await s.close(); });

const valid = async () => {
  const r = await http(s, 'POST', `/v1/models/${model}/valueAndGrad`, { inputs: [jsonF64([1, 2, 3])] });
  expect(r.status).toBe(200);
  const gr = await rpc.call(`${G}ValueAndGrad`, g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, { modelId: model, inputs: [f64([1, 2, 3])] });
  expect(values(gr.grads[0])).toEqual([2, 4, 6]);
};

/** Raw HTTP over one socket: what arrives before the server closes it (or `ms` pass). */
function rawHttp(port: number, chunks: string[], gapMs = 0, ms = 5000): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let got = '';
    sock.on('data', (d) => (got += d));
    sock.on('close', () => resolve(got));
    sock.on('error', () => resolve(got));
    setTimeout(() => { sock.destroy(); resolve(got); }, ms);
    void (async () => { for (const c of chunks) { sock.write(c); await new Promise((r) => setTimeout(r, gapMs)); } })();
  });
}
const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d+)/.exec(raw)?.[1]);
const jsonOf = (raw: string) => JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));

describe('bad input over HTTP', () => {
  const url = () => `/v1/models/${model}/evaluate`;
  const cases: [string, () => Promise<{ status: number; body: any }>, number, string][] = [
    ['malformed JSON', () => http(s, 'POST', url(), '{"inputs": ['), 400, 'BAD_ARGUMENT'],
    ['empty JSON body', () => http(s, 'POST', url(), ''), 400, 'BAD_ARGUMENT'],
    ['wrong content type', () => http(s, 'POST', url(), 'inputs', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['protobuf sent as JSON', () => http(s, 'POST', url(), '\x0a\x03abc'), 400, 'BAD_ARGUMENT'],
    ['a field the message lacks', () => http(s, 'POST', url(), { inputs: [jsonF64([1, 2, 3])], extra: 1 }), 400, 'BAD_ARGUMENT'],
    ['a value of the wrong JSON type', () => http(s, 'POST', url(), { inputs: 'x' }), 400, 'BAD_ARGUMENT'],
    ['an unknown model', () => http(s, 'POST', `/v1/models/${'0'.repeat(32)}/evaluate`, { inputs: [jsonF64([1, 2, 3])] }), 404, 'NOT_FOUND'],
    ['an unknown tape', () => http(s, 'POST', '/v1/tapes/t-123/backward', { cotangents: [] }), 404, 'NOT_FOUND'],
    ['an unknown route', () => http(s, 'GET', '/v1/nothing'), 404, 'NOT_FOUND'],
    ['the wrong shape', () => http(s, 'POST', url(), { inputs: [jsonF64([1, 2])] }), 400, 'SHAPE_MISMATCH'],
    ['the wrong dtype', () => http(s, 'POST', url(), { inputs: [{ datatype: 'FP32', shape: ['3'], contents: { fp32Contents: [1, 2, 3] } }] }), 400, 'DTYPE_MISMATCH'],
    ['an unknown datatype', () => http(s, 'POST', url(), { inputs: [{ datatype: 'FP16', shape: ['3'] }] }), 400, 'BAD_ARGUMENT'],
    ['too few values', () => http(s, 'POST', url(), { inputs: [{ datatype: 'FP64', shape: ['3'], contents: { fp64Contents: [1] } }] }), 400, 'BAD_ARGUMENT'],
    ['raw contents of the wrong length', () => http(s, 'POST', url(), { inputs: [{ datatype: 'FP64', shape: ['3'], rawContents: 'AAAA' }] }), 400, 'BAD_ARGUMENT'],
    ['too many inputs', () => http(s, 'POST', url(), { inputs: [jsonF64([1, 2, 3]), jsonF64([1])] }), 400, 'BAD_ARGUMENT'],
    ['an id in the body that contradicts the path', () => http(s, 'POST', url(), { modelId: 'other', inputs: [jsonF64([1, 2, 3])] }), 400, 'BAD_ARGUMENT'],
    ['a graph with a forward reference', () => http(s, 'POST', '/v1/models', { graph: { catalogVersion: '1.0.0', inputs: [{ datatype: 'FP64', shape: ['3'] }], nodes: [{ op: 'sin', inputs: [{ node: 0 }], outputs: [{ datatype: 'FP64', shape: ['3'] }] }], outputs: [{ node: 0 }] } }), 400, 'INVALID_GRAPH'],
    ['a graph naming no catalog op', () => http(s, 'POST', '/v1/models', { graph: { catalogVersion: '1.0.0', inputs: [{ datatype: 'FP64', shape: ['3'] }], nodes: [{ op: 'eval', inputs: [{ input: 0 }], outputs: [{ datatype: 'FP64', shape: ['3'] }] }], outputs: [{ node: 0 }] } }), 400, 'UNKNOWN_OP'],
    ['an oversized body', () => http(s, 'POST', url(), { inputs: [jsonF64(new Array(30_000).fill(1.25))] }), 413, 'TOO_LARGE'],
  ];
  it.each(cases)('%s', async (_name, send, status, code) => {
    const r = await send();
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.error.message.length).toBeGreaterThan(10);
  });

  it('a client that sends its body too slowly gets 408 with a JSON error', async () => {
    const head = `POST ${url()} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n`;
    const t0 = performance.now();
    const raw = await rawHttp(s.httpPort, [head, '{"inp'], 200, 8000);
    expect(statusOf(raw)).toBe(408);
    expect(jsonOf(raw).error.code).toBe('REQUEST_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('a flood of connections: past maxConnections each request gets 503 with a JSON error, none is dropped silently', async () => {
    const socks: Socket[] = await Promise.all(Array.from({ length: 40 }, () => new Promise<Socket>((resolve) => { const c = connect(s.httpPort, '127.0.0.1', () => resolve(c)); })));
    await new Promise((r) => setTimeout(r, 300)); // the server accepts them all
    const answers = await Promise.all(socks.map((sock) => new Promise<string>((resolve) => {
      let got = '';
      sock.on('data', (d) => { got += d; if (got.includes('}')) { resolve(got); sock.destroy(); } });
      sock.on('close', () => resolve(got));
      sock.write('GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    })));
    const statuses = answers.map(statusOf);
    expect(statuses.every((c) => c === 200 || c === 503)).toBe(true);
    expect(statuses.filter((c) => c === 503).length).toBeGreaterThanOrEqual(20);
    const refused = answers.find((a) => statusOf(a) === 503)!;
    expect(jsonOf(refused).error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/maxConnections/) });
    await new Promise((r) => setTimeout(r, 100));
  });

  it('a valid request succeeds after all of them', valid);
});

describe('bad input over gRPC', () => {
  const call = (raw: Uint8Array, path = `${G}Evaluate`) => rpc.call(path, g.EvaluateRequestSchema, g.EvaluateResponseSchema, {}, { raw }).catch((e) => e);

  it('malformed protobuf is INVALID_ARGUMENT (not INTERNAL), for every kind of method', async () => {
    for (const path of [`${G}Evaluate`, `${G}GetModel`, `${G}RegisterModel`, `${G}Backward`, '/inference.GRPCInferenceService/ModelInfer']) {
      const e = await call(Uint8Array.of(0x0a, 0xff, 0xff, 0xff), path);
      expect(e.code, path).toBe(grpc.status.INVALID_ARGUMENT);
      expect(e.details, path).toMatch(/cannot decode/);
    }
    // A valid id, then garbage where the tensors are: decoded by the worker, still INVALID_ARGUMENT.
    const bytes = [0x0a, 32, ...Buffer.from(model), 0x12, 0x05, 0xff, 0xff, 0xff, 0xff, 0xff];
    expect((await call(Uint8Array.from(bytes))).code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('wrong shapes and dtypes are INVALID_ARGUMENT; unknown ids NOT_FOUND; oversized RESOURCE_EXHAUSTED', async () => {
    const e1 = await rpc.call(`${G}Evaluate`, g.EvaluateRequestSchema, g.EvaluateResponseSchema, { modelId: model, inputs: [f64([1, 2])] }).catch((e) => e);
    expect(e1.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(e1.metadata.get('gradd-error-code')).toEqual(['SHAPE_MISMATCH']);
    const e2 = await rpc.call(`${G}Backward`, g.BackwardRequestSchema, g.BackwardResponseSchema, { tapeId: 'nope' }).catch((e) => e);
    expect(e2.code).toBe(grpc.status.NOT_FOUND);
    const e3 = await rpc.call(`${G}Evaluate`, g.EvaluateRequestSchema, g.EvaluateResponseSchema, { modelId: model, inputs: [f64(new Array(20_000).fill(1))] }).catch((e) => e);
    expect(e3.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
  });

  it('a valid request succeeds after all of them', valid);
});
