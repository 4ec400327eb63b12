// The services' shape, and grpcService() with a real grpc-js server and client on 127.0.0.1.
import { create } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NDArray } from '../../core/ndarray.js';
import { EvaluateRequestSchema, EvaluateResponseSchema, Gradient, type EvaluateRequest, type EvaluateResponse } from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { JobProgressSchema, Jobs, JobState, type JobProgress, type WatchJobRequest } from '../../core/graph/gen/gradd/v1/jobs_pb.js';
import { GRPCInferenceService } from '../../core/graph/gen/inference/grpc_predict_v2_pb.js';
import { grpcService, tensorFromProto, tensorToProto } from '../../core/graph/wire.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
describe('the services', () => {
  it('name the RPCs the server implements', () => {
    expect(Gradient.typeName).toBe('gradd.v1.Gradient');
    expect(Gradient.methods.map((m) => m.name)).toEqual(['RegisterModel', 'GetModel', 'ListModels', 'DeleteModel', 'Evaluate', 'ValueAndGrad', 'Vjp', 'Backward', 'ReleaseTape', 'Jvp', 'Hvp', 'Jacobian']);
    expect(Jobs.methods.map((m) => `${m.name}:${m.methodKind}`)).toEqual(['StartJob:unary', 'WatchJob:server_streaming', 'CancelJob:unary', 'GetJob:unary', 'ListJobs:unary']);
    expect(GRPCInferenceService.typeName).toBe('inference.GRPCInferenceService');
    expect(GRPCInferenceService.methods.map((m) => m.name)).toEqual(['ServerLive', 'ServerReady', 'ModelReady', 'ServerMetadata', 'ModelMetadata', 'ModelInfer']);
  });

  it('grpcService gives grpc-js paths, stream flags and binary codecs', () => {
    const def = grpcService(Gradient);
    expect(def.evaluate.path).toBe('/gradd.v1.Gradient/Evaluate');
    expect(def.evaluate.originalName).toBe('Evaluate');
    expect([def.evaluate.requestStream, def.evaluate.responseStream]).toEqual([false, false]);
    expect([grpcService(Jobs).watchJob.requestStream, grpcService(Jobs).watchJob.responseStream]).toEqual([false, true]);
    const req = create(EvaluateRequestSchema, { modelId: 'm1', inputs: [tensorToProto(NDArray.fromData([0.5], [1]))] });
    const bytes = def.evaluate.requestSerialize(req);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(def.evaluate.requestDeserialize(bytes)).toEqual(req);
    expect(() => def.evaluate.requestDeserialize(Buffer.from([0xff, 0xff]))).toThrow(/cannot decode 2 bytes as gradd.v1.EvaluateRequest/);
  });
});

describe('grpc-js loopback', () => {
  const server = new grpc.Server();
  let gradientClient: any, jobsClient: any;

  beforeAll(async () => {
    server.addService(grpcService(Gradient), {
      // doubles each input; model "missing" is NOT_FOUND
      evaluate(call: grpc.ServerUnaryCall<EvaluateRequest, EvaluateResponse>, done: grpc.sendUnaryData<EvaluateResponse>) {
        if (call.request.modelId === 'missing') return done({ code: grpc.status.NOT_FOUND, details: 'no model missing' });
        const outputs = call.request.inputs.map((t) => {
          const x = tensorFromProto(t);
          return tensorToProto(NDArray.fromData(Array.from(x.data, (v) => 2 * v), x.shape, x.dtype));
        });
        done(null, create(EvaluateResponseSchema, { outputs }));
      },
    });
    server.addService(grpcService(Jobs), {
      watchJob(call: grpc.ServerWritableStream<WatchJobRequest, JobProgress>) {
        for (let step = 1; step <= 3; step++)
          call.write(create(JobProgressSchema, { jobId: call.request.jobId, step, loss: 1 / step, state: step < 3 ? JobState.RUNNING : JobState.SUCCEEDED }));
        call.end();
      },
    });
    const port = await new Promise<number>((ok, ko) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? ko(e) : ok(p))));
    const address = `127.0.0.1:${port}`;
    gradientClient = new (grpc.makeGenericClientConstructor(grpcService(Gradient), 'Gradient'))(address, grpc.credentials.createInsecure());
    jobsClient = new (grpc.makeGenericClientConstructor(grpcService(Jobs), 'Jobs'))(address, grpc.credentials.createInsecure());
  });
  afterAll(() => {
    gradientClient?.close();
    jobsClient?.close();
    server.forceShutdown();
  });

  const unary = (method: string, req: unknown) => new Promise<any>((ok, ko) => gradientClient[method](req, (e: unknown, r: unknown) => (e ? ko(e) : ok(r))));

  it('a unary call carries tensors both ways, NaN and -0 included', async () => {
    const x = NDArray.fromData([1.5, -0, NaN, -Infinity], [2, 2]);
    const res: EvaluateResponse = await unary('Evaluate', create(EvaluateRequestSchema, { modelId: 'm1', inputs: [tensorToProto(x)] }));
    expect(res.$typeName).toBe('gradd.v1.EvaluateResponse');
    const y = tensorFromProto(res.outputs[0]);
    expect(y.shape).toEqual([2, 2]);
    expect(Array.from(y.data)).toEqual([3, -0, NaN, -Infinity]);
    expect(Object.is(y.data[1], -0)).toBe(true);
    // the JS name works too, and plain init objects are accepted
    const res2: EvaluateResponse = await unary('evaluate', { modelId: 'm1', inputs: [tensorToProto(NDArray.scalar(4))] });
    expect(tensorFromProto(res2.outputs[0]).item()).toBe(8);
  });

  it('a status error reaches the client as its gRPC code', async () => {
    await expect(unary('Evaluate', create(EvaluateRequestSchema, { modelId: 'missing' }))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND, details: 'no model missing' });
    await expect(unary('Jacobian', create(EvaluateRequestSchema, {}))).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
  });

  it('a server stream delivers every progress event', async () => {
    const events: JobProgress[] = [];
    await new Promise<void>((ok, ko) => {
      const stream = jobsClient.watchJob({ jobId: 'j1' });
      stream.on('data', (e: JobProgress) => events.push(e));
      stream.on('end', ok);
      stream.on('error', ko);
    });
    expect(events.map((e) => [e.jobId, e.step, e.loss, e.state])).toEqual([['j1', 1, 1, JobState.RUNNING], ['j1', 2, 0.5, JobState.RUNNING], ['j1', 3, 1 / 3, JobState.SUCCEEDED]]);
  });
});
