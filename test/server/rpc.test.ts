// Every RPC over both transports, with values derived by hand or by finite differences.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import * as k from '../../core/graph/gen/inference/grpc_predict_v2_pb.js';
import { np } from '../../core/np.js';
import { f64, G, GrpcCaller, http, I, jsonF64, jsonGraph, jsonValues, protoGraph, startServer, values, w1Expected, w1Loss, type TestServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const W = [0.1, -0.2, 0.3];
const pos = (v: number) => v + 0; // -0 → 0
const spec3 = { dtype: 'float64', shape: [3] };
// f(x, y) = [sum(x² · y), x · y]: ∂out0/∂x = 2xy, ∂out0/∂y = x², Hessian_xx = diag(2y), Hessian_xy = diag(2x).
const twoOut = (x: any, y: any) => [np.sum(np.multiply(np.square(x), y)), np.multiply(x, y)];

let s: TestServer, rpc: GrpcCaller;
beforeAll(async () => { s = await startServer(); rpc = new GrpcCaller(s.grpcAddress); });
afterAll(async () => { rpc.close(); await s.close(); });

describe('models', () => {
  it('registers idempotently by content hash, over HTTP and gRPC alike', async () => {
    const a = await http(s, 'POST', '/v1/models', { graph: jsonGraph(w1Loss, spec3), name: 'w1' });
    expect(a.status).toBe(200);
    expect(a.body.created).toBe(true);
    expect(a.body.model.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a.body.model.inputs).toEqual([{ datatype: 'FP64', shape: ['3'] }]);
    expect(a.body.model.outputs).toEqual([{ datatype: 'FP64' }]); // a scalar: the empty shape is omitted in JSON
    const b = await rpc.call(`${G}RegisterModel`, g.RegisterModelRequestSchema, g.RegisterModelResponseSchema, { graph: protoGraph(w1Loss, spec3), name: 'again' });
    expect(b.created).toBe(false);
    expect(b.model!.id).toBe(a.body.model.id);
    expect(b.model!.name).toBe('w1');
  });

  it('gets, lists in pages, and deletes', async () => {
    const ids: string[] = [];
    for (const c of [1, 2, 3]) {
      const r = await rpc.call(`${G}RegisterModel`, g.RegisterModelRequestSchema, g.RegisterModelResponseSchema, { graph: protoGraph((x: any) => np.multiply(x, c), spec3) });
      ids.push(r.model!.id);
    }
    const m = await rpc.call(`${G}GetModel`, g.GetModelRequestSchema, g.ModelSchema, { modelId: ids[0], includeGraph: true });
    expect(m.graph?.nodes.map((n) => n.op)).toEqual(['multiply']);
    const h = await http(s, 'GET', `/v1/models/${ids[1]}?includeGraph=false`);
    expect(h.body.id).toBe(ids[1]);
    expect(h.body.graph).toBeUndefined();
    const seen: string[] = [];
    let token = '';
    do {
      const page = await http(s, 'GET', `/v1/models?pageSize=2${token ? `&pageToken=${token}` : ''}`);
      expect(page.body.models.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.models.map((x: any) => x.id));
      token = page.body.nextPageToken ?? '';
    } while (token);
    expect(seen).toEqual(expect.arrayContaining(ids));
    expect(new Set(seen).size).toBe(seen.length);
    expect((await http(s, 'DELETE', `/v1/models/${ids[2]}`)).status).toBe(200);
    const gone = await http(s, 'GET', `/v1/models/${ids[2]}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('NOT_FOUND');
    await expect(rpc.call(`${G}DeleteModel`, g.DeleteModelRequestSchema, g.DeleteModelResponseSchema, { modelId: ids[2] })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});

describe('gradients', () => {
  let w1 = '', two = '';
  beforeAll(async () => {
    w1 = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(w1Loss, spec3) })).body.model.id;
    two = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(twoOut, spec3, spec3) })).body.model.id;
  });
  const x = [0.5, -1, 2], y = [3, 0.25, -1];

  it('Evaluate and ValueAndGrad of W1 match the hand-derived loss and gradient (HTTP and gRPC)', async () => {
    const want = w1Expected(W);
    const ev = await http(s, 'POST', `/v1/models/${w1}/evaluate`, { inputs: [jsonF64(W)] });
    expect(jsonValues(ev.body.outputs[0])[0]).toBeCloseTo(want.loss, 12);
    const vg = await rpc.call(`${G}ValueAndGrad`, g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, { modelId: w1, inputs: [f64(W)] });
    expect(values(vg.value)[0]).toBeCloseTo(want.loss, 12);
    values(vg.grads[0]).forEach((v, j) => expect(v).toBeCloseTo(want.grad[j], 12));
    const hv = await http(s, 'POST', `/v1/models/${w1}/valueAndGrad`, { inputs: [jsonF64(W)] });
    jsonValues(hv.body.grads[0]).forEach((v, j) => expect(v).toBeCloseTo(want.grad[j], 12));
  });

  it('ValueAndGrad selects inputs (argnums) and the output', async () => {
    const r = await rpc.call(`${G}ValueAndGrad`, g.ValueAndGradRequestSchema, g.ValueAndGradResponseSchema, { modelId: two, inputs: [f64(x), f64(y)], argnums: [1, 0], output: 0 });
    expect(values(r.value)[0]).toBeCloseTo(0.25 * 3 + 1 * 0.25 + 4 * -1, 12);
    expect(values(r.grads[0])).toEqual(x.map((v) => v * v));
    expect(values(r.grads[1])).toEqual(x.map((v, i) => 2 * v * y[i]));
    const bad = await http(s, 'POST', `/v1/models/${two}/valueAndGrad`, { inputs: [jsonF64(x), jsonF64(y)], output: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('NON_SCALAR_OUTPUT');
  });

  it('Vjp keeps a tape; Backward runs on it with different cotangents; ReleaseTape frees it', async () => {
    const v = await rpc.call(`${G}Vjp`, g.VjpRequestSchema, g.VjpResponseSchema, { modelId: two, inputs: [f64(x), f64(y)], argnums: [0] });
    expect(v.tapeId).toMatch(/^t-/);
    expect(values(v.outputs[1])).toEqual(x.map((a, i) => a * y[i]));
    expect(Number(v.expireTime!.seconds) * 1000).toBeGreaterThan(Date.now());
    // Cotangent (1, 0): 2xy. Cotangent (0, c): c·y.
    const b1 = await rpc.call(`${G}Backward`, g.BackwardRequestSchema, g.BackwardResponseSchema, { tapeId: v.tapeId, cotangents: [f64([1], []), f64([0, 0, 0])] });
    expect(values(b1.grads[0])).toEqual(x.map((a, i) => 2 * a * y[i]));
    const b2 = await http(s, 'POST', `/v1/tapes/${v.tapeId}/backward`, { cotangents: [jsonF64([0], []), jsonF64([1, 2, 3])] });
    expect(jsonValues(b2.body.grads[0])).toEqual([1, 2, 3].map((c, i) => c * y[i]));
    expect((await http(s, 'DELETE', `/v1/tapes/${v.tapeId}`)).status).toBe(200);
    const after = await http(s, 'POST', `/v1/tapes/${v.tapeId}/backward`, { cotangents: [jsonF64([1], []), jsonF64([0, 0, 0])] });
    expect(after.status).toBe(404);
    expect(after.body.error.message).toMatch(/released/);
  });

  it('Jvp: every output and its tangent', async () => {
    const r = await rpc.call(`${G}Jvp`, g.JvpRequestSchema, g.JvpResponseSchema, { modelId: two, inputs: [f64(x), f64(y)], argnums: [0], tangents: [f64([1, 0, 0])] });
    expect(values(r.tangents[0])[0]).toBeCloseTo(2 * x[0] * y[0], 12);
    expect(values(r.tangents[1]).map(pos)).toEqual([y[0], 0, 0]);
  });

  it('Hvp: Hessian-vector products over the selected inputs', async () => {
    // H = [[diag(2y), diag(2x)], [diag(2x), 0]]; H·(u, w) = (2y·u + 2x·w, 2x·u).
    const u = [1, 2, 3], w = [-1, 0.5, 2];
    const r = await rpc.call(`${G}Hvp`, g.HvpRequestSchema, g.HvpResponseSchema, { modelId: two, inputs: [f64(x), f64(y)], argnums: [0, 1], vectors: [f64(u), f64(w)] });
    expect(values(r.hvps[0])).toEqual(x.map((a, i) => 2 * y[i] * u[i] + 2 * a * w[i]));
    expect(values(r.hvps[1])).toEqual(x.map((a, i) => 2 * a * u[i]));
  });

  it('Jacobian: output.shape + input.shape, for each selected input', async () => {
    const r = await http(s, 'POST', `/v1/models/${two}/jacobian`, { inputs: [jsonF64(x), jsonF64(y)], argnums: [0, 1], output: 1 });
    expect(r.body.jacobians[0].shape).toEqual(['3', '3']);
    expect(jsonValues(r.body.jacobians[0]).map(pos)).toEqual([y[0], 0, 0, 0, y[1], 0, 0, 0, y[2]]);
    expect(jsonValues(r.body.jacobians[1]).map(pos)).toEqual([x[0], 0, 0, 0, x[1], 0, 0, 0, x[2]]);
  });

  it('NaN and Infinity inputs are allowed and propagate', async () => {
    const r = await http(s, 'POST', `/v1/models/${two}/evaluate`, { inputs: [jsonF64(['NaN', 1, 'Infinity']), jsonF64([1, 1, 1])] });
    expect(r.status).toBe(200);
    expect(jsonValues(r.body.outputs[1])).toEqual([NaN, 1, Infinity]);
  });
});

describe('KServe v2', () => {
  let id = '';
  beforeAll(async () => { id = (await http(s, 'POST', '/v1/models', { graph: jsonGraph(w1Loss, spec3) })).body.model.id; });

  it('health, server metadata with the gradients extension, model metadata and readiness', async () => {
    expect((await http(s, 'GET', '/v2/health/live')).body).toEqual({ live: true });
    expect((await http(s, 'GET', '/v2/health/ready')).body).toEqual({ ready: true });
    expect((await http(s, 'GET', '/v2')).body.extensions).toContain('gradients');
    const meta = await http(s, 'GET', `/v2/models/${id}`);
    expect(meta.body).toMatchObject({ name: id, platform: 'gradd', inputs: [{ name: 'input_0', datatype: 'FP64', shape: ['3'] }], outputs: [{ name: 'output_0', datatype: 'FP64' }] });
    expect((await http(s, 'GET', `/v2/models/${id}/ready`)).body).toEqual({ ready: true });
    expect((await http(s, 'GET', `/v2/models/${id}/versions/2/ready`)).status).toBe(404);
    const gm = await rpc.call(`${I}ServerMetadata`, k.ServerMetadataRequestSchema, k.ServerMetadataResponseSchema, {});
    expect(gm.extensions).toEqual(['gradients']);
    const ready = await rpc.call(`${I}ModelReady`, k.ModelReadyRequestSchema, k.ModelReadyResponseSchema, { name: id });
    expect(ready.ready).toBe(true);
  });

  it('infer with the gradients extension, REST and gRPC', async () => {
    const want = w1Expected(W);
    const r = await http(s, 'POST', `/v2/models/${id}/infer`, { id: 'req-1', parameters: { gradients: 'input_0' }, inputs: [{ name: 'input_0', shape: [3], datatype: 'FP64', data: W }] });
    expect(r.status).toBe(200);
    expect(r.body.id).toBe('req-1');
    expect(r.body.outputs.map((o: any) => o.name)).toEqual(['output_0', 'input_0.grad']);
    expect(r.body.outputs[0].data[0]).toBeCloseTo(want.loss, 12);
    r.body.outputs[1].data.forEach((v: number, j: number) => expect(v).toBeCloseTo(want.grad[j], 12));
    const raw = f64(W).rawContents;
    const gr = await rpc.call(`${I}ModelInfer`, k.ModelInferRequestSchema, k.ModelInferResponseSchema, {
      modelName: id, inputs: [{ name: 'input_0', datatype: 'FP64', shape: [3n] }], rawInputContents: [raw],
      parameters: { gradients: { parameterChoice: { case: 'stringParam', value: 'input_0' } } },
    });
    expect(gr.outputs.map((o) => o.name)).toEqual(['output_0', 'input_0.grad']);
    Array.from(new Float64Array(new Uint8Array(gr.rawOutputContents[1]).buffer)).forEach((v, j) => expect(v).toBeCloseTo(want.grad[j], 12));
  });
});

describe('operations', () => {
  it('grpc.health.v1 answers SERVING; reflection lists the services', async () => {
    const h = await import('../../core/graph/gen/grpc/health/v1/health_pb.js');
    const r = await rpc.call('/grpc.health.v1.Health/Check', h.HealthCheckRequestSchema, h.HealthCheckResponseSchema, { service: 'gradd.v1.Gradient' });
    expect(r.status).toBe(h.HealthCheckResponse_ServingStatus.SERVING);
    await expect(rpc.call('/grpc.health.v1.Health/Check', h.HealthCheckRequestSchema, h.HealthCheckResponseSchema, { service: 'nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    const list = await reflect(s.grpcAddress);
    expect(list).toEqual(expect.arrayContaining(['gradd.v1.Gradient', 'inference.GRPCInferenceService', 'grpc.health.v1.Health']));
  });

  it('/metrics: requests by RPC and status, tapes, computations, jobs', async () => {
    const m = await http(s, 'GET', '/metrics');
    expect(m.headers.get('content-type')).toMatch(/text\/plain/);
    expect(m.body).toMatch(/gradd_requests_total\{transport="grpc",rpc="ValueAndGrad",status="OK"\} \d+/);
    expect(m.body).toMatch(/gradd_requests_total\{transport="http",rpc="GetModel",status="NOT_FOUND"\} \d+/);
    expect(m.body).toMatch(/gradd_request_duration_seconds_bucket\{le="0\.005",transport="grpc",rpc="ValueAndGrad",status="OK"\}/);
    for (const name of ['gradd_tapes', 'gradd_tape_bytes', 'gradd_computations_running', 'gradd_jobs_running']) expect(m.body).toMatch(new RegExp(`^${name} \\d+`, 'm'));
  });

  it('documents every route in OpenAPI', async () => {
    const doc = (await http(s, 'GET', '/docs/json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    for (const p of ['/v1/models', '/v1/models/{modelId}/valueAndGrad', '/v1/tapes/{tapeId}/backward', '/v2/models/{name}/infer', '/v2/health/live'])
      expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.components.schemas['gradd.v1.Tensor'].properties.rawContents).toBeDefined();
  });
});

/** Server reflection (v1): the service names, by a raw bidi stream. */
async function reflect(address: string): Promise<string[]> {
  const protoLoader = await import('@grpc/proto-loader');
  const { createRequire } = await import('node:module');
  const path = createRequire(import.meta.url).resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto');
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(path)) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = client.ServerReflectionInfo();
    stream.on('data', (r: any) => { resolve(r.listServicesResponse.service.map((x: any) => x.name)); stream.end(); client.close(); });
    stream.on('error', reject);
    stream.write({ listServices: '' });
  });
}
