// The gradient RPCs' messages read and written without reflection (core/graph/tensor-wire.ts): the same
// messages as protobuf-es's fromJson and fromBinary, the same bytes as its toBinary and the same text as
// JSON.stringify of its toJson, on random messages of every such request and response, and protobuf-es's own
// results wherever the JSON, the bytes or a tensor is not in the plain form.
import { create, fromBinary, fromJson as pbFromJson, toBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { TensorSchema, type Tensor } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { tensorBinaryReader, tensorMessage, tensorReader, tensorWriters } from '../../core/graph/tensor-wire.js';
import { decode, encode, fromJson, toJsonString } from '../../core/graph/wire.js';
import { rng } from '../helpers/fd.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const schemas = (Object.values(g) as unknown[]).filter((v): v is DescMessage => (v as DescMessage)?.kind === 'message');
const TENSOR_ONLY = ['EvaluateResponse', 'ValueAndGradResponse', 'BackwardResponse', 'JvpResponse', 'HvpResponse', 'JacobianResponse'];

describe('tensor-only messages', () => {
  it('are exactly the responses that hold nothing but tensors', () => {
    expect(schemas.filter((s) => tensorWriters(s)).map((s) => s.name).sort()).toEqual([...TENSOR_ONLY].sort());
  });

  const r = rng(11);
  const int = (n: number) => Math.floor(r() * n);
  const tensor = (): Tensor => {
    const shape = Array.from({ length: int(4) }, () => BigInt([0, 1, 3, 127, 128, 300, 16384, 2 ** 21, 2 ** 40, Number.MAX_SAFE_INTEGER][int(10)]));
    return create(TensorSchema, {
      datatype: ['FP64', 'FP32', 'INT32', 'INT64', 'BOOL', 'C128', ''][int(7)], shape,
      rawContents: Uint8Array.from({ length: [0, 1, 8, 24, 127, 128, 200, 20000][int(8)] }, () => int(256)), weak: r() < 0.3,
    });
  };

  for (const name of TENSOR_ONLY) {
    const schema = schemas.find((s) => s.name === name)!;
    it(`${name}: the bytes of toBinary and the text of toJson on 200 random messages`, () => {
      for (let k = 0; k < 200; k++) {
        const init = Object.fromEntries(schema.fields.map((f) => [f.localName, f.fieldKind === 'list' ? Array.from({ length: int(4) }, tensor) : r() < 0.8 ? tensor() : undefined]));
        const msg = create(schema, init as never);
        expect(hex(encode(schema, msg))).toBe(hex(toBinary(schema, msg)));
        expect(toJsonString(schema, msg)).toBe(JSON.stringify(toJson(schema, msg)));
        expect(tensorMessage(schema, init as never)).toEqual(msg);
      }
    });
  }

  it('are made with lists of their own where init leaves one out', () => {
    const [a, b] = [tensorMessage(g.JvpResponseSchema, { outputs: [] }), tensorMessage(g.JvpResponseSchema, {})];
    a.tangents.push(create(TensorSchema));
    expect(b.tangents).toEqual([]);
    expect(b).toEqual(create(g.JvpResponseSchema));
  });

  it('leave typed contents, unknown fields and negative dimensions to protobuf-es', () => {
    const w = tensorWriters(g.ValueAndGradResponseSchema)!;
    const typed = create(g.ValueAndGradResponseSchema, { value: { datatype: 'FP64', contents: { fp64Contents: [-0, 1.5] }, shape: [2n] } });
    const negative = create(g.ValueAndGradResponseSchema, { grads: [{ datatype: 'FP64', shape: [-1n] }] });
    const unknown = create(g.ValueAndGradResponseSchema, { value: { datatype: 'FP64' } });
    unknown.value!.$unknown = [{ no: 9, wireType: 0, data: new Uint8Array([1]) }];
    for (const m of [typed, negative, unknown]) {
      expect(w.binary(m)).toBeNull();
      expect(w.json(m)).toBeNull();
      expect(hex(encode(g.ValueAndGradResponseSchema, m))).toBe(hex(toBinary(g.ValueAndGradResponseSchema, m)));
    }
    expect(toJsonString(g.ValueAndGradResponseSchema, typed)).toBe('{"value":{"datatype":"FP64","shape":["2"],"contents":{"fp64Contents":[-0,1.5]}}}');
  });

  it('give up part-way, after a large tensor, and then write the next message from the start', () => {
    const big = { datatype: 'FP64', shape: [12_500n], rawContents: Uint8Array.from({ length: 100_000 }, (_, i) => i % 251) };
    const mixed = create(g.JacobianResponseSchema, { jacobians: [big, { datatype: 'FP64', contents: { fp64Contents: [2] } }] });
    expect(tensorWriters(g.JacobianResponseSchema)!.json(mixed)).toBeNull();
    expect(toJsonString(g.JacobianResponseSchema, mixed)).toBe(JSON.stringify(toJson(g.JacobianResponseSchema, mixed)));
    const small = create(g.ValueAndGradResponseSchema, { value: { datatype: 'FP64', rawContents: new Uint8Array([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]) } });
    expect(tensorWriters(g.ValueAndGradResponseSchema)!.json(small)).toBe('{"value":{"datatype":"FP64","rawContents":"AAAAAAAA8D8="}}');
  });

  it('write a gradient as the proto3 mapping spells it, by hand', () => {
    const msg = create(g.ValueAndGradResponseSchema, {
      value: { datatype: 'FP64', rawContents: new Uint8Array([0, 0, 0, 0, 0, 0, 0xf0, 0x3f]) },
      grads: [{ datatype: 'FP32', shape: [2n, 300n], weak: true }],
    });
    // value: field 1, 16 bytes: datatype (0a 04 "FP64"), raw_contents (22 08, 1.0 little-endian); grads: field 2,
    // 13 bytes: datatype (0a 04 "FP32"), shape packed (12 03 02 ac 02: 2, then 300 as a two-byte varint), weak (28 01).
    expect(hex(encode(g.ValueAndGradResponseSchema, msg))).toBe('0a10' + '0a0446503634' + '2208000000000000f03f' + '120d' + '0a0446503332' + '120302ac02' + '2801');
    expect(toJsonString(g.ValueAndGradResponseSchema, msg)).toBe('{"value":{"datatype":"FP64","rawContents":"AAAAAAAA8D8="},"grads":[{"datatype":"FP32","shape":["2","300"],"weak":true}]}');
  });
});

describe('requests read from JSON', () => {
  const READABLE = ['EvaluateRequest', 'ValueAndGradRequest', 'VjpRequest', 'BackwardRequest', 'JvpRequest', 'HvpRequest', 'JacobianRequest'];

  it('are the messages of ids, selections and tensors: the requests, and the responses a client reads', () => {
    expect(schemas.filter((s) => tensorReader(s)).map((s) => s.name).sort()).toEqual([...READABLE, ...TENSOR_ONLY].sort());
  });

  const r = rng(12);
  const int = (n: number) => Math.floor(r() * n);
  const base64 = (n: number) => Buffer.from(Uint8Array.from({ length: n }, () => int(256))).toString('base64');
  const tensorJson = () => ({
    ...(r() < 0.9 ? { datatype: ['FP64', 'FP32', 'BOOL', ''][int(4)] } : {}),
    ...(r() < 0.8 ? { shape: Array.from({ length: int(4) }, () => (r() < 0.7 ? String(int(400)) : int(400))) } : {}),
    ...(r() < 0.9 ? { rawContents: base64([0, 1, 2, 3, 8, 24, 200][int(7)]) } : {}),
    ...(r() < 0.3 ? { weak: r() < 0.5 } : {}),
  });
  const requestJson = (schema: DescMessage) => Object.fromEntries(schema.fields.filter(() => r() < 0.85).map((f) => [f.jsonName,
    f.fieldKind === 'scalar' ? (f.scalar === 9 ? `id-${int(1000)}` : int(5))
      : f.fieldKind === 'list' && f.listKind === 'scalar' ? Array.from({ length: int(3) }, () => int(4))
        : f.fieldKind === 'list' ? Array.from({ length: int(4) }, tensorJson) : tensorJson()]));

  for (const name of READABLE) {
    const schema = schemas.find((s) => s.name === name)!;
    it(`${name}: the message protobuf-es reads, from 200 random bodies in the plain form`, () => {
      for (let k = 0; k < 200; k++) {
        const json = requestJson(schema);
        const fast = tensorReader(schema)!(json);
        expect(fast, JSON.stringify(json)).not.toBeNull();
        expect(fast).toEqual(pbFromJson(schema, json as never));
      }
    });
  }

  const t = { datatype: 'FP64', shape: ['3'], rawContents: 'mpmZmZmZuT+amZmZmZnJvzMzMzMzM9M/' };
  const others: [string, unknown][] = [
    ['snake_case names', { model_id: 'm', inputs: [{ datatype: 'FP64', shape: ['3'], raw_contents: t.rawContents }] }],
    ['numbers as strings', { modelId: 'm', argnums: ['0'], output: '0', inputs: [t] }],
    ['null', { modelId: null, inputs: [t] }],
    ['typed contents', { inputs: [{ datatype: 'FP64', shape: ['2'], contents: { fp64Contents: [1, -0] } }] }],
    ['URL-safe base64 without padding', { inputs: [{ ...t, rawContents: 'mpmZmZmZuT-amZmZmZnJvzMzMzMzM9M_' }, { ...t, shape: ['1'], rawContents: 'AAAAAAAA8D8' }] }],
    ['a dimension with an exponent', { inputs: [{ ...t, shape: [3e0, '1e2'] }] }],
    ['a negative dimension (tensorFromProto refuses it, naming the field)', { inputs: [{ ...t, shape: [-3] }] }],
    ['base64 with a space', { inputs: [{ ...t, rawContents: 'a b' }] }],
    ['base64 with padding inside it', { inputs: [{ ...t, rawContents: 'mpmZmZmZuT+amZmZ=ZnJvzMzMzMzM9M/' }] }],
    ['base64 with three padding characters', { inputs: [{ ...t, shape: ['1'], rawContents: 'AAAAAAAA8D==' }, { ...t, shape: [], rawContents: 'A===' }] }],
    ['base64 with a letter outside ASCII', { inputs: [{ ...t, rawContents: 'mpmZmZmZuT+amZmZmZnJvzMzMzMzM9Mé' }] }],
    ['a dimension with a leading zero', { inputs: [{ ...t, shape: ['03'] }] }],
  ];
  for (const [what, json] of others) {
    it(`${what}: left to protobuf-es, which reads it as before`, () => {
      expect(tensorReader(g.ValueAndGradRequestSchema)!(json)).toBeNull();
      let want: unknown, wantError = '';
      try { want = pbFromJson(g.ValueAndGradRequestSchema, json as never); } catch (e) { wantError = (e as Error).message; }
      if (wantError) expect(() => fromJson(g.ValueAndGradRequestSchema, json as never)).toThrow(wantError);
      else expect(fromJson(g.ValueAndGradRequestSchema, json as never)).toEqual(want);
    });
  }

  it('refuses what protobuf-es refuses, with its message: unknown fields, a wrong type', () => {
    for (const json of [{ modelId: 'm', extra: 1 }, { inputs: [{ ...t, weak: 'yes' }] }, { inputs: {} }, { inputs: [{ ...t, shape: 3 }] }]) {
      expect(tensorReader(g.ValueAndGradRequestSchema)!(json)).toBeNull();
      expect(() => fromJson(g.ValueAndGradRequestSchema, json as never)).toThrow(/^not a valid JSON gradd\.v1\.ValueAndGradRequest: /);
    }
  });
});

describe('messages read from binary', () => {
  const readable = schemas.filter((s) => tensorReader(s));
  const r = rng(13);
  const int = (n: number) => Math.floor(r() * n);
  const tensor = () => create(TensorSchema, {
    datatype: ['FP64', 'INT32', 'BOOL', ''][int(4)], shape: Array.from({ length: int(4) }, () => BigInt([0, 3, 127, 128, 300, 2 ** 21, 2 ** 40][int(7)])),
    rawContents: Uint8Array.from({ length: [0, 1, 8, 127, 128, 300][int(6)] }, () => int(256)), weak: r() < 0.3,
  });
  const random = (schema: DescMessage) => create(schema, Object.fromEntries(schema.fields.filter(() => r() < 0.85).map((f) => [f.localName,
    f.fieldKind === 'scalar' ? (f.scalar === 9 ? `model-${int(1e6)}` : int(2) ? int(5) : 2 ** 32 - 1 - int(3))
      : f.fieldKind === 'list' && f.listKind === 'scalar' ? Array.from({ length: int(4) }, () => (int(2) ? int(300) : 2 ** 32 - 1))
        : f.fieldKind === 'list' ? Array.from({ length: int(4) }, tensor) : tensor()])) as never);

  for (const schema of readable) {
    it(`${schema.name}: the message fromBinary gives, from 200 random encodings`, () => {
      for (let k = 0; k < 200; k++) {
        const bytes = toBinary(schema, random(schema));
        const fast = tensorBinaryReader(schema)!(bytes);
        expect(fast).not.toBeNull();
        expect(fast).toEqual(fromBinary(schema, bytes));
      }
    });
  }

  it('read from a Buffer (a gRPC request), hold its bytes as plain Uint8Array views, as read from JSON', () => {
    const msg = create(g.ValueAndGradRequestSchema, { modelId: 'm', inputs: [create(TensorSchema, { datatype: 'FP64', shape: [1n], rawContents: Uint8Array.of(0, 0, 0, 0, 0, 0, 0xf0, 0x3f) })] });
    const buffer = Buffer.concat([Buffer.from([7, 7]), toBinary(g.ValueAndGradRequestSchema, msg)]).subarray(2);
    const fromBuffer = tensorBinaryReader(g.ValueAndGradRequestSchema)!(buffer)!, fromText = fromJson(g.ValueAndGradRequestSchema, toJson(g.ValueAndGradRequestSchema, msg) as never);
    for (const m of [fromBuffer, fromText]) {
      expect(m.inputs[0].rawContents.constructor).toBe(Uint8Array);
      expect(new Float64Array(m.inputs[0].rawContents.slice().buffer)[0]).toBe(1);
    }
  });

  // ValueAndGradRequest by hand: model_id = 1, inputs = 2, argnums = 3, output = 4; a Tensor's shape = 2, raw_contents = 4.
  const bytes = (...b: number[]) => Uint8Array.from(b);
  const cases: [string, Uint8Array, boolean][] = [
    ['argnums unpacked, shape unpacked', bytes(0x18, 1, 0x18, 0, 0x12, 6, 0x0a, 2, 0x46, 0x50, 0x10, 3), true],
    ['an unknown field', bytes(0x0a, 1, 0x6d, 0x48, 5), false],
    ['a known field with the wrong wire type', bytes(0x20, 1, 0x0a, 1, 0x6d, 0x25, 1, 0, 0, 0), false],
    ['a truncated tensor', bytes(0x12, 9, 0x0a, 2, 0x46, 0x50), false],
    ['a model id that is not ASCII', bytes(0x0a, 2, 0xc3, 0xa9), false],
    ['typed contents', bytes(0x12, 4, 0x1a, 2, 0x3a, 0), false],
    ['a uint32 in ten bytes (a negative int32)', bytes(0x20, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01), false],
  ];
  for (const [what, b, plain] of cases) {
    it(`${what}: ${plain ? 'read here' : 'left to protobuf-es'}, with protobuf-es's result or error`, () => {
      const fast = tensorBinaryReader(g.ValueAndGradRequestSchema)!(b);
      expect(fast === null).toBe(!plain);
      let want: unknown, error = '';
      try { want = fromBinary(g.ValueAndGradRequestSchema, b); } catch (e) { error = (e as Error).message; }
      if (error) expect(() => decode(g.ValueAndGradRequestSchema, b)).toThrow(error);
      else expect(decode(g.ValueAndGradRequestSchema, b)).toEqual(want);
      if (plain) expect(fast).toEqual(want);
    });
  }
});
