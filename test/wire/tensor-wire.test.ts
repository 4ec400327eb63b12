// The gradient responses written without reflection (core/graph/tensor-wire.ts): the same bytes as
// protobuf-es's toBinary and the same text as JSON.stringify of its toJson, on random messages of every
// Tensor-only response, and protobuf-es's own output wherever a tensor is not plain.
import { create, toBinary, toJson, type DescMessage } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import * as g from '../../core/graph/gen/gradd/v1/gradient_pb.js';
import { TensorSchema, type Tensor } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { tensorWriters } from '../../core/graph/tensor-wire.js';
import { encode, toJsonString } from '../../core/graph/wire.js';
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
    const shape = Array.from({ length: int(4) }, () => BigInt([0, 1, 3, 127, 128, 300, 16384, 2 ** 21][int(8)]));
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
      }
    });
  }

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
