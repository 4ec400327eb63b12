// Tensors on the wire: raw little-endian bytes and typed contents, binary and canonical JSON, for every
// dtype; expected bytes and JSON text are written out by hand from IEEE 754 and the proto3 JSON mapping.
import { create } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import type { DType } from '../../core/dtype.js';
import { NDArray } from '../../core/ndarray.js';
import { TensorSchema, type Tensor } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { InferTensorContentsSchema } from '../../core/graph/gen/inference/grpc_predict_v2_pb.js';
import { TensorContentsSchema } from '../../core/graph/gen/gradd/v1/tensor_pb.js';
import { decode, encode, fromJsonString, tensorFromProto, tensorToProto, toJsonString } from '../../core/graph/wire.js';
import { throws } from '../helpers/assert.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
/** A typed array from big-endian hex words, as IEEE 754 is usually written. */
function fromWords<T extends Float64Array | Float32Array>(Ctor: new (n: number) => T, words: string[]): T {
  const a = new Ctor(words.length), w = a.BYTES_PER_ELEMENT, dv = new DataView(a.buffer);
  words.forEach((s, i) => { for (let k = 0; k < w; k++) dv.setUint8(i * w + k, parseInt(s.slice(2 * (w - 1 - k), 2 * (w - k)), 16)); });
  return a;
}

/** tensor → message → binary → message → tensor, and the same through JSON text. */
function roundTrips(nd: NDArray, typed = false): NDArray[] {
  const msg = tensorToProto(nd, { typed });
  return [
    tensorFromProto(decode(TensorSchema, encode(TensorSchema, msg))),
    tensorFromProto(fromJsonString(TensorSchema, toJsonString(TensorSchema, msg))),
  ];
}

describe('raw contents: exact bit for bit', () => {
  it('FP64: NaN payload, ±Inf, -0, the smallest denormal', () => {
    const words = ['3ff8000000000000', '8000000000000000', '7ff80000deadbeef', '7ff0000000000000', 'fff0000000000000', '0000000000000001'];
    const nd = new NDArray(fromWords(Float64Array, words), [2, 3], 'float64');
    const msg = tensorToProto(nd);
    expect(msg.datatype).toBe('FP64');
    expect(msg.shape).toEqual([2n, 3n]);
    // little-endian: the low byte first
    expect(hex(msg.rawContents).slice(0, 32)).toBe('000000000000f83f0000000000000080');
    for (const back of roundTrips(nd)) {
      expect(back.dtype).toBe('float64');
      expect(back.shape).toEqual([2, 3]);
      expect(hex(bytesOf(back.data))).toBe(hex(bytesOf(nd.data)));
      expect(Object.is(back.data[1], -0)).toBe(true);
      expect(back.data[5]).toBe(5e-324);
    }
  });

  it('FP32: denormals, -0, a NaN payload and the largest float32 keep their bits', () => {
    const words = ['00000001', '007fffff', '80000000', '7fc01234', '7f7fffff', '3dcccccd'];
    const nd = new NDArray(fromWords(Float32Array, words), [6], 'float32');
    expect(nd.data[0]).toBe(2 ** -149);
    const msg = tensorToProto(nd);
    expect(msg.rawContents.length).toBe(24);
    expect(hex(msg.rawContents).slice(0, 16)).toBe('01000000ffff7f00');
    for (const back of roundTrips(nd)) {
      expect(back.data).toBeInstanceOf(Float32Array);
      expect(hex(bytesOf(back.data))).toBe(hex(bytesOf(nd.data)));
    }
  });

  it('C128: real then imaginary FP64 per element', () => {
    const nd = NDArray.fromData([1, -2, NaN, -0, Infinity, 0.5], [3], 'complex128');
    const msg = tensorToProto(nd);
    expect(msg.datatype).toBe('C128');
    expect(msg.rawContents.length).toBe(48);
    expect(hex(msg.rawContents.slice(0, 16))).toBe('000000000000f03f00000000000000c0'); // 1, -2
    for (const back of roundTrips(nd)) {
      expect(back.dtype).toBe('complex128');
      expect(Array.from(back.data)).toEqual([1, -2, NaN, -0, Infinity, 0.5]);
      expect(Object.is(back.data[3], -0)).toBe(true);
    }
  });

  it('INT32, BOOL and INT64 within ±2^53', () => {
    const i32 = NDArray.fromData([-(2 ** 31), 2 ** 31 - 1, 0], [3], 'int32');
    expect(hex(tensorToProto(i32).rawContents)).toBe('00000080ffffff7f00000000');
    const b = NDArray.fromData([1, 0, 1], [3], 'bool');
    expect(hex(tensorToProto(b).rawContents)).toBe('010001');
    const i64 = NDArray.fromData([2 ** 53, -(2 ** 53), -1], [3], 'int64');
    expect(hex(tensorToProto(i64).rawContents)).toBe('0000000000002000' + '000000000000e0ff' + 'ffffffffffffffff');
    for (const nd of [i32, b, i64]) for (const back of roundTrips(nd)) {
      expect(back.dtype).toBe(nd.dtype);
      expect(back.toArray()).toEqual(nd.toArray());
    }
  });

  it('decodes from an unaligned slice of a larger Node Buffer (as grpc-js hands them over)', () => {
    const bytes = encode(TensorSchema, tensorToProto(NDArray.fromData([1, 2, 3], [3])));
    const pool = Buffer.alloc(bytes.length + 100, 0xab);
    pool.set(bytes, 3);
    const msg = decode(TensorSchema, pool.subarray(3, 3 + bytes.length));
    expect(Buffer.isBuffer(msg.rawContents)).toBe(false);
    expect(Array.from(tensorFromProto(msg).data)).toEqual([1, 2, 3]);
  });

  it('a strided view travels in C order; zero-element and 0-d tensors travel too', () => {
    const x = NDArray.fromData([1, 2, 3, 4, 5, 6], [2, 3]);
    const t = new NDArray(x.data, [3, 2], 'float64', [1, 3]); // x.T
    expect(roundTrips(t)[0].toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    const empty = NDArray.zeros([0, 4], 'int64');
    expect(tensorToProto(empty).rawContents.length).toBe(0);
    expect(roundTrips(empty)[1].shape).toEqual([0, 4]);
    expect(roundTrips(NDArray.scalar(-2.5))[0].toArray()).toBe(-2.5);
  });
});

  it('tensors of 64 bytes and of one element more (small ones take a byte-by-byte path) keep every bit', () => {
    const sizes: [DType, number, (i: number) => number][] = [
      ['float64', 8, (i) => [-0, NaN, 2 ** -1074, -Infinity][i % 4] ?? i], ['complex128', 4, (i) => (i % 3 ? -0 : 1 / 3 + i)],
      ['float32', 16, (i) => (i % 2 ? -0 : 0.1 * i)], ['int32', 16, (i) => (i % 2 ? -(2 ** 31) : 2 ** 31 - 1 - i)],
    ];
    for (const [dtype, n, value] of sizes) for (const size of [n, n + 1]) {
      const nd = NDArray.zeros([size], dtype), w = dtype === 'complex128' ? 2 : 1;
      for (let i = 0; i < size * w; i++) nd.data[i] = value(i);
      const bytes = hex(bytesOf(nd.data));
      expect(hex(tensorToProto(nd).rawContents), `${dtype}[${size}]`).toBe(bytes);
      for (const back of roundTrips(nd)) expect(hex(bytesOf(back.data)), `${dtype}[${size}]`).toBe(bytes);
    }
  });

describe('typed contents (what JSON clients write)', () => {
  const cases: [DType, number[], string][] = [
    ['float64', [1.5, -0, NaN, Infinity, -Infinity], '{"datatype":"FP64","shape":["5"],"contents":{"fp64Contents":[1.5,-0,"NaN","Infinity","-Infinity"]}}'],
    ['float32', [0.1, 2 ** -149, -0], '{"datatype":"FP32","shape":["3"],"contents":{"fp32Contents":[0.10000000149011612,1.401298464324817e-45,-0]}}'],
    ['complex128', [1, -2, 0, NaN], '{"datatype":"C128","shape":["2"],"contents":{"fp64Contents":[1,-2,0,"NaN"]}}'],
    ['int32', [-7, 2 ** 31 - 1], '{"datatype":"INT32","shape":["2"],"contents":{"intContents":[-7,2147483647]}}'],
    ['int64', [-(2 ** 53), 3], '{"datatype":"INT64","shape":["2"],"contents":{"int64Contents":["-9007199254740992","3"]}}'],
    ['bool', [1, 0], '{"datatype":"BOOL","shape":["2"],"contents":{"boolContents":[true,false]}}'],
  ];
  for (const [dtype, values, json] of cases) it(`${dtype}: canonical JSON literally, and back`, () => {
    const n = dtype === 'complex128' ? values.length / 2 : values.length;
    const nd = NDArray.fromData(values, [n], dtype);
    const msg = tensorToProto(nd, { typed: true });
    expect(msg.rawContents.length).toBe(0);
    expect(toJsonString(TensorSchema, msg)).toBe(json);
    for (const back of roundTrips(nd, true)) {
      expect(back.dtype).toBe(dtype);
      Array.from(nd.data).forEach((v, i) => expect(Object.is(back.data[i], v), `element ${i}`).toBe(true));
    }
  });

  it('raw contents in JSON are base64 of the little-endian bytes', () => {
    expect(toJsonString(TensorSchema, tensorToProto(NDArray.fromData([1.5, -0], [2])))).toBe('{"datatype":"FP64","shape":["2"],"rawContents":"AAAAAAAA+D8AAAAAAAAAgA=="}');
  });

  it('reads what a JSON client writes by hand: shape as numbers, values typed', () => {
    const nd = tensorFromProto(fromJsonString(TensorSchema, '{"datatype":"FP64","shape":[2,2],"contents":{"fp64Contents":[1,2,"NaN",-0]}}'));
    expect(nd.shape).toEqual([2, 2]);
    expect(Object.is(nd.data[3], -0)).toBe(true);
    expect(Number.isNaN(nd.data[2])).toBe(true);
  });

  it("TensorContents is wire-compatible with KServe's InferTensorContents", () => {
    const ours = create(TensorContentsSchema, { int64Contents: [2n ** 60n], fp32Contents: [0.5], fp64Contents: [-0.25], boolContents: [true], intContents: [-3] });
    const theirs = decode(InferTensorContentsSchema, encode(TensorContentsSchema, ours));
    expect([theirs.int64Contents, theirs.fp32Contents, theirs.fp64Contents, theirs.boolContents, theirs.intContents]).toEqual([[2n ** 60n], [0.5], [-0.25], [true], [-3]]);
  });
});

describe('int64 beyond 2^53', () => {
  const big = [2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n];
  const msg = create(TensorSchema, { datatype: 'INT64', shape: [3n], contents: { int64Contents: big } });

  it('round-trips losslessly as a message, binary and JSON (as strings)', () => {
    expect(decode(TensorSchema, encode(TensorSchema, msg)).contents?.int64Contents).toEqual(big);
    const json = toJsonString(TensorSchema, msg);
    expect(json).toBe('{"datatype":"INT64","shape":["3"],"contents":{"int64Contents":["9007199254740993","-9223372036854775808","9223372036854775807"]}}');
    expect(fromJsonString(TensorSchema, json).contents?.int64Contents).toEqual(big);
    const raw = create(TensorSchema, { datatype: 'INT64', shape: [3n], rawContents: bytesOf(BigInt64Array.from(big)) });
    expect(hex(raw.rawContents).slice(16, 32)).toBe('0000000000000080'); // -2^63
    expect(decode(TensorSchema, encode(TensorSchema, raw)).rawContents).toEqual(raw.rawContents);
  });

  it('refuses to round them into an NDArray: a RangeError naming the element', () => {
    throws(() => tensorFromProto(msg), 'VALUE_OUT_OF_RANGE', RangeError, 'element 0', '9007199254740993', '2^53');
    const raw = create(TensorSchema, { datatype: 'INT64', shape: [2n], rawContents: bytesOf(BigInt64Array.of(1n, -(2n ** 63n))) });
    throws(() => tensorFromProto(raw), 'VALUE_OUT_OF_RANGE', RangeError, 'element 1', '-9223372036854775808');
    const edge = create(TensorSchema, { datatype: 'INT64', shape: [2n], contents: { int64Contents: [2n ** 53n, -(2n ** 53n)] } });
    expect(Array.from(tensorFromProto(edge).data)).toEqual([2 ** 53, -(2 ** 53)]);
  });

  it('an int64 NDArray value outside INT64 cannot be sent', () => {
    throws(() => tensorToProto(NDArray.fromData([1, 2 ** 63], [2], 'int64')), 'VALUE_OUT_OF_RANGE', RangeError, 'element 1');
    expect(tensorToProto(NDArray.fromData([-(2 ** 63)], [1], 'int64')).rawContents).toEqual(bytesOf(BigInt64Array.of(-(2n ** 63n))));
  });
});

describe('malformed tensors are typed errors naming the field', () => {
  const t = (init: Parameters<typeof create<typeof TensorSchema>>[1]): Tensor => create(TensorSchema, init);
  it('datatype, shape, sizes and forms', () => {
    throws(() => tensorFromProto(t({ datatype: 'FLOAT64', shape: [] })), 'BAD_ARGUMENT', TypeError, 'datatype', 'FLOAT64', 'FP64');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [-1n] })), 'BAD_ARGUMENT', TypeError, /shape\[0\] is -1/);
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [3n], rawContents: new Uint8Array(16) })), 'BAD_ARGUMENT', TypeError, 'raw_contents has 16 bytes', '24');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [2n], contents: { fp64Contents: [1] } })), 'BAD_ARGUMENT', TypeError, 'fp64_contents has 1 values', 'needs 2');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [1n], contents: { fp32Contents: [1] } })), 'BAD_ARGUMENT', TypeError, 'contents.fp64_contents, not contents.fp32_contents');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [1n], rawContents: new Uint8Array(8), contents: { fp64Contents: [1] } })), 'BAD_ARGUMENT', TypeError, 'both raw_contents and contents.fp64_contents');
    throws(() => tensorFromProto(t({ datatype: 'BOOL', shape: [2n], rawContents: Uint8Array.of(1, 2) })), 'BAD_ARGUMENT', TypeError, 'byte 1 is 2');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [1000n, 1000n] }), { maxElements: 999_999 }), 'TOO_LARGE', RangeError, '1000000 elements', '999999');
    throws(() => tensorFromProto(t({ datatype: 'FP64', shape: [2n ** 40n] })), 'BAD_ARGUMENT', TypeError, 'shape[0]');
  });
  it('a shape of huge dimensions with a zero is still bounded per dimension, not allocated', () => {
    expect(tensorFromProto(t({ datatype: 'FP32', shape: [0n, 2n ** 31n - 1n] })).shape).toEqual([0, 2 ** 31 - 1]);
  });
});
