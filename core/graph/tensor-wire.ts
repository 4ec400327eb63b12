// The responses of the gradient RPCs are messages of Tensors only (ValueAndGradResponse: value, grads). Their
// binary and JSON forms are written here without protobuf-es's reflection, which cost more than a small
// gradient: byte for byte what toBinary writes and character for character what toJson gives JSON.stringify.
// A tensor with typed contents, a negative dimension or unknown fields is left to protobuf-es (null).
import type { DescField, DescMessage, MessageShape } from '@bufbuild/protobuf';
import type { Tensor } from './gen/gradd/v1/tensor_pb.js';

const TENSOR = 'gradd.v1.Tensor', DATATYPE = /^[A-Z0-9]{0,16}$/, MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Writers<D extends DescMessage> {
  binary(m: MessageShape<D>): Uint8Array | null;
  json(m: MessageShape<D>): string | null;
}

const made = new WeakMap<DescMessage, Writers<DescMessage> | null>();

/** Writers for a message whose fields are all Tensors (singular or repeated); null for any other message. */
export function tensorWriters<D extends DescMessage>(schema: D): Writers<D> | null {
  let w = made.get(schema);
  if (w === undefined) made.set(schema, w = isTensorList(schema) ? writers(schema.fields) : null);
  return w as Writers<D> | null;
}

const isTensorList = (schema: DescMessage) => schema.fields.length > 0 && schema.fields.every((f) =>
  (f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) && f.message.typeName === TENSOR);

function writers(fields: readonly DescField[]): Writers<DescMessage> {
  return {
    binary(m) {
      const msg = m as unknown as Record<string, undefined | Tensor | Tensor[]> & Unknown;
      if (msg.$unknown?.length) return null;
      const tags: number[] = [], chunks: Uint8Array[] = [];
      let n = 0;
      for (const f of fields) {
        const v = msg[f.localName], tag = (f.number << 3) | 2;
        for (const t of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
          if (!plain(t)) return null;
          const c = tensorBytes(t);
          tags.push(tag);
          chunks.push(c);
          n += varintSize(tag) + varintSize(c.length) + c.length;
        }
      }
      const out = new Uint8Array(n);
      let at = 0;
      chunks.forEach((c, k) => {
        at = varint(out, at, tags[k]);
        at = varint(out, at, c.length);
        out.set(c, at);
        at += c.length;
      });
      return out;
    },
    json(m) {
      const msg = m as unknown as Record<string, undefined | Tensor | Tensor[]> & Unknown;
      if (msg.$unknown?.length) return null;
      let s = '';
      for (const f of fields) {
        const v = msg[f.localName];
        if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
        const ts = Array.isArray(v) ? v : [v];
        if (!ts.every(plain)) return null;
        const body = ts.map(tensorJson).join(',');
        s += `${s ? ',' : ''}"${f.jsonName}":${f.fieldKind === 'list' ? `[${body}]` : body}`;
      }
      return `{${s}}`;
    },
  };
}

type Unknown = { $unknown?: unknown[] };
const plain = (t: Tensor) => !t.contents && !t.$unknown?.length && DATATYPE.test(t.datatype) && t.shape.every((d) => d >= 0n && d <= MAX_SAFE);

// gradd.v1.Tensor: datatype = 1 (string), shape = 2 (packed int64), raw_contents = 4 (bytes), weak = 5 (bool);
// proto3 leaves out empty and false fields.
function tensorBytes(t: Tensor): Uint8Array {
  const dt = t.datatype, shapeLen = t.shape.reduce((s, d) => s + varintSize(Number(d)), 0), raw = t.rawContents;
  const n = (dt.length ? 2 + dt.length : 0) + (t.shape.length ? 1 + varintSize(shapeLen) + shapeLen : 0)
    + (raw.length ? 1 + varintSize(raw.length) + raw.length : 0) + (t.weak ? 2 : 0);
  const out = new Uint8Array(n);
  let at = 0;
  if (dt.length) {
    out[at++] = 0x0a;
    out[at++] = dt.length; // a few ASCII letters and digits (DATATYPE)
    for (let i = 0; i < dt.length; i++) out[at++] = dt.charCodeAt(i);
  }
  if (t.shape.length) {
    out[at++] = 0x12;
    at = varint(out, at, shapeLen);
    for (const d of t.shape) at = varint(out, at, Number(d));
  }
  if (raw.length) {
    out[at++] = 0x22;
    at = varint(out, at, raw.length);
    out.set(raw, at);
    at += raw.length;
  }
  if (t.weak) { out[at++] = 0x28; out[at++] = 1; }
  return out;
}

function tensorJson(t: Tensor): string {
  let s = t.datatype ? `,"datatype":"${t.datatype}"` : '';
  if (t.shape.length) s += `,"shape":["${t.shape.join('","')}"]`;
  const raw = t.rawContents;
  if (raw.length) s += `,"rawContents":"${Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64')}"`;
  if (t.weak) s += ',"weak":true';
  return `{${s.slice(1)}}`;
}

const varintSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : Math.ceil(Math.log2(v + 1) / 7));

function varint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) { out[at++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
  out[at++] = v;
  return at;
}
