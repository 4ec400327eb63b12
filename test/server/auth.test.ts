// Tokens and tenants: every RPC refuses a missing or wrong token, and one tenant's ids are, to another,
// exactly ids that never existed (same status, same message). TLS on both transports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DescMessage } from '@bufbuild/protobuf';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import * as k from '../../core/graph/gen/inference/grpc_predict_v2_pb.js';
import { np } from '../../core/np.js';
import { parseTokens } from '../../server/auth.js';
import { f64, G, GrpcCaller, http, I, jsonF64, jsonGraph, protoGraph, startServer, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const A = { authorization: 'Bearer tok-a' }, B = { authorization: 'Bearer tok-b' };
const spec3 = { dtype: 'float64', shape: [3] };
const sq = (x: any) => np.sum(np.square(x));

describe('tenants', () => {
  let s: TestServer, rpc: GrpcCaller, model = '', tape = '';
  beforeAll(async () => {
    s = await startServer({ tokens: parseTokens('tok-a:alice,tok-b:bob', 'test') });
    rpc = new GrpcCaller(s.grpcAddress);
    model = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(sq, spec3) }, A)).body.model.id;
    tape = (await http(s, 'POST', `/v1/models/${model}/vjp`, { inputs: [jsonF64([1, 2, 3])] }, A)).body.tapeId;
  });
  afterAll(async () => { rpc.close(); await s.close(); });

  it('needs a valid bearer token on every route but health and docs', async () => {
    const none = await http(s, 'GET', '/v1/models');
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await http(s, 'GET', '/v1/models', undefined, { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await http(s, 'GET', '/v1/models', undefined, { authorization: 'Basic tok-a' })).status).toBe(401);
    expect((await http(s, 'GET', '/metrics')).status).toBe(401);
    expect((await http(s, 'GET', '/v2/health/ready')).status).toBe(200);
    await expect(rpc.call(`${G}ListModels`, g.ListModelsRequestSchema, g.ListModelsResponseSchema, {})).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    await expect(rpc.call(`${G}ListModels`, g.ListModelsRequestSchema, g.ListModelsResponseSchema, {}, { token: 'nope' })).rejects.toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    const live = await rpc.call(`${I}ServerLive`, k.ServerLiveRequestSchema, k.ServerLiveResponseSchema, {});
    expect(live.live).toBe(true);
  });

  it('another tenant\'s model or tape is NOT_FOUND exactly like an id that never existed (HTTP)', async () => {
    const body = (id: string) => ({
      models: [
        ['GET', `/v1/models/${id}`], ['DELETE', `/v1/models/${id}`], ['GET', `/v2/models/${id}`], ['GET', `/v2/models/${id}/ready`],
        ...['evaluate', 'valueAndGrad', 'vjp', 'jacobian'].map((p) => ['POST', `/v1/models/${id}/${p}`, { inputs: [jsonF64([1, 2, 3])] }]),
        ['POST', `/v1/models/${id}/jvp`, { inputs: [jsonF64([1, 2, 3])], tangents: [jsonF64([1, 0, 0])] }],
        ['POST', `/v1/models/${id}/hvp`, { inputs: [jsonF64([1, 2, 3])], vectors: [jsonF64([1, 0, 0])] }],
        ['POST', `/v2/models/${id}/infer`, { inputs: [{ name: 'input_0', datatype: 'FP64', shape: [3], data: [1, 2, 3] }] }],
      ],
      tapes: [['POST', `/v1/tapes/${id}/backward`, { cotangents: [jsonF64([1], [])] }], ['DELETE', `/v1/tapes/${id}`]],
    });
    const ghostModel = 'f'.repeat(32), ghostTape = `t-${'0'.repeat(24)}`;
    for (const [kind, real, ghost] of [['models', model, ghostModel], ['tapes', tape, ghostTape]] as const) {
      const theirs = body(real)[kind], never = body(ghost)[kind];
      for (let i = 0; i < theirs.length; i++) {
        const [method, path, b] = theirs[i] as [string, string, unknown];
        const r1 = await http(s, method, path, b, B), r2 = await http(s, method, never[i][1] as string, never[i][2], B);
        expect(r1.status, `${method} ${path}`).toBe(404);
        expect(r1.body.error.message.replace(real, 'ID'), `${method} ${path}`).toBe(r2.body.error.message.replace(ghost, 'ID'));
      }
    }
    expect((await http(s, 'GET', '/v1/models', undefined, B)).body.models ?? []).toEqual([]);
    // Alice still has both.
    expect((await http(s, 'GET', `/v1/models/${model}`, undefined, A)).status).toBe(200);
    expect((await http(s, 'POST', `/v1/tapes/${tape}/backward`, { cotangents: [jsonF64([1], [])] }, A)).status).toBe(200);
  });

  it('the same over gRPC, for each RPC', async () => {
    const x = [f64([1, 2, 3])];
    const calls: [string, DescMessage, DescMessage, (id: string) => object][] = [
      ['GetModel', g.GetModelRequestSchema, g.ModelSchema, (id) => ({ modelId: id })],
      ['DeleteModel', g.DeleteModelRequestSchema, g.DeleteModelResponseSchema, (id) => ({ modelId: id })],
      ['Evaluate', g.EvaluateRequestSchema, g.EvaluateResponseSchema, (id) => ({ modelId: id, inputs: x })],
      ['ValueAndGrad', g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, (id) => ({ modelId: id, inputs: x })],
      ['Vjp', g.VjpRequestSchema, g.VjpResponseSchema, (id) => ({ modelId: id, inputs: x })],
      ['Jvp', g.JvpRequestSchema, g.JvpResponseSchema, (id) => ({ modelId: id, inputs: x, tangents: x })],
      ['Hvp', g.HvpRequestSchema, g.HvpResponseSchema, (id) => ({ modelId: id, inputs: x, vectors: x })],
      ['Jacobian', g.JacobianRequestSchema, g.JacobianResponseSchema, (id) => ({ modelId: id, inputs: x })],
      ['inference.GRPCInferenceService/ModelReady', k.ModelReadyRequestSchema, k.ModelReadyResponseSchema, (id) => ({ name: id })],
      ['inference.GRPCInferenceService/ModelMetadata', k.ModelMetadataRequestSchema, k.ModelMetadataResponseSchema, (id) => ({ name: id })],
      ['inference.GRPCInferenceService/ModelInfer', k.ModelInferRequestSchema, k.ModelInferResponseSchema, (id) => ({ modelName: id })],
      ['Backward', g.BackwardRequestSchema, g.BackwardResponseSchema, (id) => ({ tapeId: id, cotangents: [f64([1], [])] })],
      ['ReleaseTape', g.ReleaseTapeRequestSchema, g.ReleaseTapeResponseSchema, (id) => ({ tapeId: id })],
    ];
    for (const [name, inS, outS, req] of calls) {
      const path = name.includes('/') ? `/${name}` : `${G}${name}`, tapeCall = name === 'Backward' || name === 'ReleaseTape';
      const [real, ghost] = tapeCall ? [tape, `t-${'0'.repeat(24)}`] : [model, 'f'.repeat(32)];
      const e1 = await rpc.call(path, inS, outS, req(real) as never, { token: 'tok-b' }).catch((e) => e);
      const e2 = await rpc.call(path, inS, outS, req(ghost) as never, { token: 'tok-b' }).catch((e) => e);
      expect(e1.code, name).toBe(grpc.status.NOT_FOUND);
      expect(e1.details.replace(real, 'ID'), name).toBe(e2.details.replace(ghost, 'ID'));
    }
    const mine = await rpc.call(`${G}RegisterModel`, g.RegisterModelRequestSchema, g.RegisterModelResponseSchema, { graph: protoGraph(sq, spec3) }, { token: 'tok-b' });
    expect(mine.created).toBe(true);
    expect((await rpc.call(`${G}GetModel`, g.GetModelRequestSchema, g.ModelSchema, { modelId: model }, { token: 'tok-a' })).id).toBe(model);
  });
});

describe('TLS', () => {
  let dir = '', s: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gradd-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    s = await startServer({ requestTimeoutMs: 1000, tls: { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') } });
  });
  afterAll(async () => { await s.close(); rmSync(dir, { recursive: true, force: true }); });

  it('serves HTTPS and gRPC over TLS with the configured certificate', async () => {
    const ca = readFileSync(join(dir, 'cert.pem'));
    expect(s.url).toMatch(/^https:/);
    const body = await new Promise<string>((resolve, reject) => {
      request(`${s.url}/v2/health/live`, { ca }, (res) => { let t = ''; res.on('data', (c) => (t += c)); res.on('end', () => resolve(t)); }).on('error', reject).end();
    });
    expect(JSON.parse(body)).toEqual({ live: true });
    const rpc = new GrpcCaller(s.grpcAddress, grpc.credentials.createSsl(ca));
    const live = await rpc.call(`${I}ServerLive`, k.ServerLiveRequestSchema, k.ServerLiveResponseSchema, {});
    expect(live.live).toBe(true);
    rpc.close();
    const plain = new GrpcCaller(s.grpcAddress);
    await expect(plain.call(`${I}ServerLive`, k.ServerLiveRequestSchema, k.ServerLiveResponseSchema, {}, { deadline: 2000 })).rejects.toMatchObject({ code: expect.any(Number) });
    plain.close();
  });

  it('answers a body that stops arriving with 408 and a JSON error, as over plain HTTP', async () => {
    const t0 = performance.now();
    const raw = await new Promise<string>((resolve) => {
      let got = '';
      const sock = tlsConnect({ port: s.httpPort, host: '127.0.0.1', ca: readFileSync(join(dir, 'cert.pem')), servername: 'localhost' },
        () => sock.write('POST /v1/models HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"gra'));
      sock.on('data', (d) => (got += d));
      sock.on('close', () => resolve(got));
      setTimeout(() => { sock.destroy(); resolve(got); }, 8000);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 408 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)).error.code).toBe('REQUEST_TIMEOUT');
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
