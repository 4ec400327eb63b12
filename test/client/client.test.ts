// gradd/client against `gradd serve` processes, over gRPC and HTTP: models and their containers, every
// differential call with hand-derived values, tapes, errors with the server's codes, deadlines and
// cancellation, retries, TLS and tokens, streams, and no native addon in the client's process.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { create } from '@bufbuild/protobuf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, connect, httpRoute, np, NDArray, type Transport } from '../../client/index.js';
import { graddError, type ErrorCode } from '../../core/errors.js';
import { Gradient, ModelSchema } from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { Health, HealthCheckResponse_ServingStatus as Serving } from '../../core/graph/gen/grpc/health/v1/health_pb.js';
import { ROOT, serve, type ServerProcess } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const TRANSPORTS = ['grpc', 'http'] as const;
type Kind = (typeof TRANSPORTS)[number];
const urlOf = (s: ServerProcess, kind: Kind, secure = false) => `${kind}${secure ? 's' : ''}://127.0.0.1:${kind === 'grpc' ? s.grpc : s.http}`;
const vals = (a: any): number[] => Array.from((a as NDArray).values());
const close = (got: number[], want: number[]) => expect(got).toEqual(want.map((w) => expect.closeTo(w, 12)));
const f64 = (shape: number[]) => ({ dtype: 'float64', shape });

// f(x, y) = Σ tanh(x)·y: ∂x = sech²(x)·y, ∂y = tanh(x), ∂²f/∂x² v = −2 tanh(x) sech²(x) y v.
const X = [0.5, -1, 2], Y = [1, 2, 3], V = [0.3, -0.2, 1.5];
const th = X.map(Math.tanh), sech2 = th.map((t) => 1 - t * t);
const f = (x: any, y: any) => np.sum(np.multiply(np.tanh(x), y));

let plain: ServerProcess;
beforeAll(async () => { plain = await serve(); }, 60_000);
afterAll(() => plain?.stop());

describe.each(TRANSPORTS)('over %s', (kind) => {
  let client: Client;
  beforeAll(async () => { client = await connect(urlOf(plain, kind)); });
  afterAll(() => client?.close());
  const x = () => np.array(X), y = () => np.array(Y);

  it('registers idempotently and reopens a model by id', async () => {
    const m = await client.register(f, f64([3]), f64([3]));
    expect(m.id).toMatch(/^[0-9a-f]{32}$/);
    expect(m.name).toBe('f');
    expect(m.inputs).toEqual([f64([3]), f64([3])]);
    expect(m.outputs).toEqual([f64([])]);
    expect((await client.register(f, f64([3]), f64([3]))).id).toBe(m.id);
    const again = await client.model(m.id);
    expect(again.id).toBe(m.id);
    close(vals(await again.grad(x(), y())), sech2.map((s, i) => s * Y[i]));
  });

  it('evaluates, and differentiates with respect to one argument or several', async () => {
    const m = await client.register(f, f64([3]), f64([3]));
    const value = th.reduce((s, t, i) => s + t * Y[i], 0);
    expect((await m.evaluate(x(), y())).item()).toBeCloseTo(value, 12);
    const [v, g] = await m.valueAndGrad(x(), y());
    expect(v.item()).toBeCloseTo(value, 12);
    close(vals(g), sech2.map((s, i) => s * Y[i]));
    close(vals(await m.grad(x(), y(), { argnum: 1 })), th);
    const [gx, gy] = await m.grad(x(), y(), { argnum: [0, 1] });
    close(vals(gx), sech2.map((s, i) => s * Y[i]));
    close(vals(gy), th);
    close(vals(await m.hvp(x(), y(), np.array(V))), X.map((_, i) => -2 * th[i] * sech2[i] * Y[i] * V[i]));
    const [hx, hy] = await m.hvp(x(), y(), [np.array(V), np.zeros(3)], { argnum: [0, 1] });
    close(vals(hx), X.map((_, i) => -2 * th[i] * sech2[i] * Y[i] * V[i]));
    close(vals(hy), X.map((_, i) => sech2[i] * V[i])); // ∂²f/∂y∂x v = sech²(x) v
  });

  it('gives forward-mode products and Jacobians of shape output + input', async () => {
    const g = await client.register((x: any, y: any) => np.multiply(np.tanh(x), y), f64([3]), f64([3]));
    const [out, tangent] = await g.jvp(x(), y(), np.array(V));
    close(vals(out), th.map((t, i) => t * Y[i]));
    close(vals(tangent), X.map((_, i) => sech2[i] * Y[i] * V[i]));
    const jx = await g.jacobian(x(), y()), jy = await g.jacobian(x(), y(), { argnum: 1 });
    expect(jx.shape).toEqual([3, 3]);
    close(vals(jx), [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? sech2[i] * Y[i] : 0))));
    close(vals(jy), [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => (i === j ? th[i] : 0))));
  });

  it('keeps containers and numbers as the traced function had them, and selects outputs', async () => {
    // h([w, c], x) = [tanh(x), {s: c·Σ w·x}]
    const h = (p: any, x: any) => [np.tanh(x), { s: np.multiply(p[1], np.sum(np.multiply(p[0], x))) }];
    const m = await client.register(h, [f64([3]), 2.0], f64([3]));
    const p = [np.array(Y), 2.0], wx = Y.reduce((s, w, i) => s + w * X[i], 0);
    const [t, { s }] = await m.evaluate(p, x());
    close(vals(t), th);
    expect(s.item()).toBeCloseTo(2 * wx, 12);
    const [value, [gw, gc]] = await m.valueAndGrad(p, x(), { output: 1 });
    expect(value.item()).toBeCloseTo(2 * wx, 12);
    close(vals(gw), X.map((xi) => 2 * xi));
    expect(typeof gc).toBe('number');
    expect(gc).toBeCloseTo(wx, 12);

    const tape = await m.vjp(p, x(), { argnum: [0, 1] });
    expect(tape.expires.getTime()).toBeGreaterThan(Date.now());
    close(vals(tape.value[0]), th);
    const [[bw, bc], bx] = await tape.backward([np.ones(3), { s: 1 }]);
    close(vals(bw), X.map((xi) => 2 * xi));
    expect(bc).toBeCloseTo(wx, 12);
    close(vals(bx), X.map((_, i) => sech2[i] + 2 * Y[i]));
    const [[bw3], bx3] = await tape.backward([np.zeros(3), { s: 3 }]); // the same tape, another cotangent
    close(vals(bw3), X.map((xi) => 6 * xi));
    close(vals(bx3), Y.map((w) => 6 * w));
    await tape.release();
    await expect(tape.backward([np.ones(3), { s: 1 }])).rejects.toMatchObject({ name: 'GraddRangeError', code: 'NOT_FOUND' });
  });

  it('reopens a model with its containers (tuples)', async () => {
    const m = await client.register((p: any) => np.sum(np.multiply(p[0], p[1])), [f64([2]), f64([2])]);
    const [ga, gb] = await (await client.model(m.id)).grad([np.array([1, 2]), np.array([3, 4])]);
    expect([vals(ga), vals(gb)]).toEqual([[3, 4], [1, 2]]);
  });

  // A dict's leaves come in sorted key order in every graph, so a model reopened from the server (whose protobuf
  // maps keep no order) reads {w, b} the way it was traced.
  it('reopens a model whose argument is a dict with keys out of order', async () => {
    const m = await client.register((p: any) => np.sum(np.multiply(p.w, p.b)), { w: f64([2]), b: f64([]) });
    const g = await (await client.model(m.id)).grad({ w: np.array([1, 2]), b: np.array(3) });
    expect(vals(g.w)).toEqual([3, 3]);
  });

  it('fails with the server\'s error codes', async () => {
    const m = await client.register(f, f64([3]), f64([3]));
    await expect(m.grad(np.array([1, 2]), y())).rejects.toMatchObject({ name: 'GraddRangeError', code: 'SHAPE_MISMATCH' });
    await expect(m.grad(x(), np.array([1, 2, 3], { dtype: 'float32' }))).rejects.toMatchObject({ name: 'GraddTypeError', code: 'DTYPE_MISMATCH' });
    await expect(client.model('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ name: 'GraddRangeError', code: 'NOT_FOUND' });
    const vec = await client.register((x: any) => np.tanh(x), f64([3]));
    await expect(vec.grad(x())).rejects.toMatchObject({ code: 'NON_SCALAR_OUTPUT' });
    // Checked before anything is sent:
    await expect(m.grad(x())).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('takes the model\'s 2 arguments') });
    await expect(m.grad(x(), y(), { argnums: [1] })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('unknown option "argnums"') });
    await expect(m.grad(x(), y(), { argnum: 2 })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });

  it('stops a call at its deadline or when its signal aborts', async () => {
    const loop = await client.register((n: any, x: any) => np.sum(np.forLoop(0, n, (_i: any, s: any) => np.sin(np.add(s, 1)), x)), { dtype: 'int64', shape: [] }, f64([10]));
    const slow = [5_000_000, np.zeros(10)];
    let t0 = Date.now();
    await expect(loop.evaluate(...slow, { deadline: Date.now() + 300 })).rejects.toMatchObject({ name: 'GraddRangeError', code: 'DEADLINE_EXCEEDED' });
    expect(Date.now() - t0).toBeLessThan(5000);
    const ctrl = new AbortController();
    setTimeout(() => ctrl.abort(), 300);
    t0 = Date.now();
    await expect(loop.evaluate(...slow, { signal: ctrl.signal })).rejects.toMatchObject({ name: 'GraddRangeError', code: 'CANCELLED' });
    expect(Date.now() - t0).toBeLessThan(5000);
    await expect(loop.evaluate(...slow, { signal: AbortSignal.abort() })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect((await loop.evaluate(3, np.zeros(10))).item()).toBeCloseTo(10 * Math.sin(Math.sin(Math.sin(1) + 1) + 1), 12);
  });
});

describe('retries', () => {
  /** A transport whose calls fail with `code` the first `failures` times; it answers GetModel with a one-input model. */
  const flaky = (failures: number, code: ErrorCode) => {
    const t = {
      calls: 0,
      async unary(method: { name: string }) {
        if (t.calls++ < failures || method.name !== 'GetModel') throw graddError(code, 'no');
        return create(ModelSchema, { id: 'm', inputs: [{ datatype: 'FP64' }], outputs: [{ datatype: 'FP64' }] });
      },
      stream: () => { throw new Error('unused'); },
      close: async () => {},
    };
    return t;
  };
  const policy = { attempts: 4, baseDelayMs: 1, maxDelayMs: 2 };

  it('retries idempotent calls on UNAVAILABLE, within the policy\'s tries', async () => {
    const ok = flaky(3, 'UNAVAILABLE');
    expect((await new Client(ok as unknown as Transport, policy).model('m')).id).toBe('m');
    expect(ok.calls).toBe(4);
    const down = flaky(99, 'UNAVAILABLE');
    await expect(new Client(down as unknown as Transport, policy).model('m')).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(down.calls).toBe(4);
  });

  it('does not retry other errors, calls that are not idempotent, or past the deadline', async () => {
    const bad = flaky(1, 'BAD_ARGUMENT');
    await expect(new Client(bad as unknown as Transport, policy).model('m')).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    expect(bad.calls).toBe(1);
    const t = flaky(0, 'UNAVAILABLE'), m = await new Client(t as unknown as Transport, policy).model('m');
    await expect(m.vjp(1)).rejects.toMatchObject({ code: 'UNAVAILABLE' }); // Vjp makes a tape: never retried
    expect(t.calls).toBe(2);
    const slow = flaky(99, 'UNAVAILABLE');
    await expect(new Client(slow as unknown as Transport, { attempts: 1000, baseDelayMs: 50, maxDelayMs: 50 }).model('m', { deadline: Date.now() + 300 }))
      .rejects.toMatchObject({ code: expect.stringMatching(/^(UNAVAILABLE|DEADLINE_EXCEEDED)$/) });
    expect(slow.calls).toBeLessThan(20);
  });

  it('retries an idempotent HTTP call whose connection was reset, and not a Vjp', async () => {
    const paths: string[] = [];
    const stub = createHttpServer((req, res) => {
      paths.push(`${req.method} ${req.url}`);
      if (paths.length % 2) return req.socket.destroy(); // every other request: ECONNRESET
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"m","inputs":[{"datatype":"FP64"}],"outputs":[{"datatype":"FP64"}]}');
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const c = await connect(`http://127.0.0.1:${(stub.address() as { port: number }).port}`, { retry: policy });
    try {
      const m = await c.model('m');
      expect(paths).toEqual(['GET /v1/models/m?includeGraph=true', 'GET /v1/models/m?includeGraph=true']);
      await expect(m.vjp(1)).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/connection to .* failed \((ECONNRESET|UND_ERR_SOCKET)/) });
      expect(paths.slice(2)).toEqual(['POST /v1/models/m/vjp']);
    } finally {
      await c.close();
      stub.close();
    }
  });

  it('reaches a server that starts after the first try, over both transports', async () => {
    const port = () => new Promise<number>((resolve) => { const s = createNetServer().listen(0, '127.0.0.1', () => { const { port } = s.address() as { port: number }; s.close(() => resolve(port)); }); });
    const [http, grpc] = [await port(), await port()];
    const retry = { attempts: 200, baseDelayMs: 100, maxDelayMs: 400 };
    const clients = [await connect(`grpc://127.0.0.1:${grpc}`, { retry }), await connect(`http://127.0.0.1:${http}`, { retry })];
    const registered = clients.map((c) => c.register(f, f64([3]), f64([3])));
    await new Promise((r) => setTimeout(r, 300));
    const late = await serve(['--http', String(http), '--grpc', String(grpc)]);
    try {
      const [a, b] = await Promise.all(registered);
      expect(a.id).toBe(b.id);
      close(vals(await b.grad(np.array(X), np.array(Y))), sech2.map((s, i) => s * Y[i]));
    } finally {
      await Promise.all(clients.map((c) => c.close()));
      await late.stop();
    }
  }, 120_000);
});

describe('TLS and tokens', () => {
  let dir = '', secure: ServerProcess, ca: Buffer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gradd-client-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    ca = readFileSync(join(dir, 'cert.pem'));
    secure = await serve(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')], { GRADD_TOKENS: 'tok-a:alice,tok-b:bob' });
  }, 60_000);
  afterAll(async () => { await secure?.stop(); rmSync(dir, { recursive: true, force: true }); });

  it.each(TRANSPORTS)('%s over TLS, with a tenant per token', async (kind) => {
    const alice = await connect(urlOf(secure, kind, true), { tls: { ca }, token: 'tok-a' });
    const bob = await connect(urlOf(secure, kind, true), { tls: { ca }, token: 'tok-b' });
    const nobody = await connect(urlOf(secure, kind, true), { tls: { ca } });
    const untrusting = await connect(urlOf(secure, kind, true), { token: 'tok-a', retry: { attempts: 1 } });
    try {
      const m = await alice.register(f, f64([3]), f64([3]));
      close(vals(await m.grad(np.array(X), np.array(Y))), sech2.map((s, i) => s * Y[i]));
      await expect(bob.model(m.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(nobody.model(m.id)).rejects.toMatchObject({ name: 'GraddTypeError', code: 'UNAUTHENTICATED' });
      await expect(untrusting.model(m.id)).rejects.toMatchObject({ code: 'UNAVAILABLE' }); // the self-signed certificate is not trusted
    } finally {
      await Promise.all([alice, bob, nobody, untrusting].map((c) => c.close()));
    }
  });
});

describe('connect', () => {
  it('checks the address and options', async () => {
    await expect(connect('ftp://127.0.0.1:1')).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('unsupported scheme') });
    await expect(connect('127.0.0.1:50051')).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
    await expect(connect('http://127.0.0.1:8080', { tls: { ca: 'x' } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT', message: expect.stringContaining('https://') });
    await expect(connect('http://127.0.0.1:8080', { retry: { attempts: 0 } })).rejects.toMatchObject({ code: 'BAD_ARGUMENT' });
  });
});

describe('streams', () => {
  it('reads a gRPC server stream (grpc.health.v1 Watch) and ends it when the consumer stops', async () => {
    const c = await connect(urlOf(plain, 'grpc'));
    for await (const msg of c.stream(Health.method.watch, { service: 'gradd.v1.Gradient' })) {
      expect(msg.status).toBe(Serving.SERVING);
      break;
    }
    await c.close();
  });

  it('reads an HTTP stream of server-sent events, and an "error" event as the error', async () => {
    const server = createHttpServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': keep-alive\n\nevent: progress\ndata: {"status":"SERVING"}\n\nevent: progress\ndata: {"status":');
      setTimeout(() => res.end('"NOT_SERVING"}\r\n\r\nevent: error\ndata: {"error":{"code":"NOT_FOUND","message":"gone"}}\n\n'), 50);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    httpRoute(Health.method.watch, { verb: 'GET', path: () => '/watch' });
    const c = await connect(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
    const seen: Serving[] = [];
    try {
      await expect((async () => { for await (const m of c.stream(Health.method.watch, {})) seen.push(m.status); })()).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'gone' });
      expect(seen).toEqual([Serving.SERVING, Serving.NOT_SERVING]);
      await expect(c.call(Gradient.method.listModels, {})).rejects.toMatchObject({ code: 'INTERNAL' }); // the stub answers with no message
    } finally {
      await c.close();
      server.close();
    }
  });
});

describe('without the native addon', () => {
  it.each(TRANSPORTS)('imports, traces and computes over %s in a process that has no addon', async (kind) => {
    const script = `const m = await import('./client/index.ts');
      const c = await m.connect(${JSON.stringify(urlOf(plain, kind))});
      const model = await c.register((x, w) => m.np.sum(m.np.multiply(m.np.tanh(x), w)), { dtype: 'float64', shape: [3] }, { dtype: 'float64', shape: [3] });
      const g = await model.grad(m.np.array(${JSON.stringify(X)}), m.np.array(${JSON.stringify(Y)}));
      await c.close();
      const loaded = process.report.getReport().sharedObjects.filter((s) => s.endsWith('.node'));
      console.log(JSON.stringify({ g: Array.from(g.values()), loaded }));`;
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, env: { ...process.env, GRADD_NATIVE_PATH: '/nonexistent/x.node' }, timeout: 60_000 });
    expect(stderr).toBe('');
    const out = JSON.parse(stdout);
    expect(out.loaded).toEqual([]);
    close(out.g, sech2.map((s, i) => s * Y[i]));
  });
});
