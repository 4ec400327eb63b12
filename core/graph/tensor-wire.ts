// The gradient RPCs speak in Tensors: their requests are ids, input selections and lists of tensors, their
// responses (ValueAndGradResponse: value, grads) nothing but tensors. Those messages are read from JSON and
// binary and written to both here, without protobuf-es's reflection, which cost more than a small gradient:
// the same messages as its fromJson and fromBinary, the same bytes as its toBinary, the same text as
// JSON.stringify of its toJson. Anything else (typed contents, numbers as strings, field names in snake case,
// unknown fields, null, malformed bytes) is left to protobuf-es (null), which reads it or says what is wrong.
import { create, ScalarType, type DescField, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import { TensorSchema, type Tensor } from './gen/gradd/v1/tensor_pb.js';

const TENSOR = 'gradd.v1.Tensor', MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

interface Writers<D extends DescMessage> {
  binary(m: MessageShape<D>): Uint8Array | null;
  json(m: MessageShape<D>): string | null;
}

/** What `make` gives for a schema, made once per schema (every lookup below). */
function perSchema<V>(make: (schema: DescMessage) => V): (schema: DescMessage) => V {
  const cache = new WeakMap<DescMessage, { v: V }>();
  return (schema) => {
    let c = cache.get(schema);
    if (!c) cache.set(schema, c = { v: make(schema) });
    return c.v;
  };
}

const writersOf = perSchema((schema) => (isTensorList(schema) ? writers(schema.fields) : null));

/** Writers for a message whose fields are all Tensors (singular or repeated); null for any other message. */
export const tensorWriters = <D extends DescMessage>(schema: D) => writersOf(schema) as Writers<D> | null;

/** create(schema, init) for a message of Tensors whose init holds Tensor messages: without reflection (other messages: create). */
export function tensorMessage<D extends DescMessage>(schema: D, init: MessageInitShape<D>): MessageShape<D> {
  if (!tensorWriters(schema)) return create(schema, init);
  const given = init as Record<string, unknown>, m: Record<string, unknown> = { $typeName: schema.typeName };
  for (const f of schema.fields) m[f.localName] = given[f.localName] ?? (f.fieldKind === 'list' ? [] : undefined);
  return m as MessageShape<D>;
}

const isTensorList = (schema: DescMessage) => schema.fields.length > 0 && schema.fields.every(isTensor);

function writers(fields: readonly DescField[]): Writers<DescMessage> {
  return {
    binary(m) {
      const msg = m as unknown as Record<string, undefined | Tensor | Tensor[]> & Unknown;
      if (msg.$unknown?.length) return null;
      const tensors: { tag: number; t: Tensor; size: number; shapeLen: number }[] = [];
      let n = 0;
      for (const f of fields) {
        const v = msg[f.localName], tag = (f.number << 3) | 2;
        for (const t of v === undefined ? [] : Array.isArray(v) ? v : [v]) {
          if (!plain(t)) return null;
          const shapeLen = t.shape.reduce((s, d) => s + varintSize(Number(d)), 0), size = tensorSize(t, shapeLen);
          tensors.push({ tag, t, size, shapeLen });
          n += varintSize(tag) + varintSize(size) + size;
        }
      }
      const out = new Uint8Array(n);
      let at = 0;
      for (const { tag, t, size, shapeLen } of tensors) at = writeTensor(out, varint(out, varint(out, at, tag), size), t, shapeLen);
      return out;
    },
    json(m) {
      const msg = m as unknown as Record<string, undefined | Tensor | Tensor[]> & Unknown;
      if (msg.$unknown?.length) return null;
      const w = text; // empty: done and drop leave it so
      for (const f of fields) {
        const v = msg[f.localName];
        if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
        w.byte(w.at ? COMMA : LBRACE); w.byte(QUOTE); w.ascii(f.jsonName); w.ascii('":');
        if (!Array.isArray(v)) {
          if (!plain(v)) return w.drop();
          tensorJson(w, v);
          continue;
        }
        for (let i = 0; i < v.length; i++) {
          if (!plain(v[i])) return w.drop();
          w.byte(i ? COMMA : LBRACKET);
          tensorJson(w, v[i]);
        }
        w.byte(RBRACKET);
      }
      if (!w.at) return '{}';
      w.byte(RBRACE);
      return w.done();
    },
  };
}

type Unknown = { $unknown?: unknown[] };
type Kind = 'string' | 'uint32' | 'uint32s' | 'tensor' | 'tensors';
const isTensor = (f: DescField) => (f.fieldKind === 'message' || (f.fieldKind === 'list' && f.listKind === 'message')) && f.message.typeName === TENSOR;
const plain = (t: Tensor) => !t.contents && !t.$unknown?.length && isDatatype(t.datatype) && safeShape(t.shape);

// Loops rather than regular expressions and closures: these run on every tensor of every request.
/** Up to 16 capital letters and digits: text that JSON writes as it is, and whose length fits one byte. */
function isDatatype(s: string): boolean {
  if (s.length > 16) return false;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39))) return false; }
  return true;
}
function safeShape(shape: bigint[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] < 0n || shape[i] > MAX_SAFE) return false;
  return true;
}

// gradd.v1.Tensor: datatype = 1 (string), shape = 2 (packed int64), raw_contents = 4 (bytes), weak = 5 (bool);
// proto3 leaves out empty and false fields. shapeLen: the packed shape's bytes.
const tensorSize = (t: Tensor, shapeLen: number) => (t.datatype.length ? 2 + t.datatype.length : 0)
  + (t.shape.length ? 1 + varintSize(shapeLen) + shapeLen : 0) + (t.rawContents.length ? 1 + varintSize(t.rawContents.length) + t.rawContents.length : 0) + (t.weak ? 2 : 0);

/** Writes t's encoding at `at`; where it ends. */
function writeTensor(out: Uint8Array, at: number, t: Tensor, shapeLen: number): number {
  const dt = t.datatype, raw = t.rawContents;
  if (dt.length) {
    out[at++] = 0x0a;
    out[at++] = dt.length; // a few ASCII letters and digits (isDatatype)
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
  return at;
}

function tensorJson(w: Text, t: Tensor): void {
  const start = w.at;
  if (t.datatype) { w.key(start, '"datatype":"'); w.ascii(t.datatype); w.byte(QUOTE); }
  if (t.shape.length) {
    w.key(start, '"shape":[');
    for (let i = 0; i < t.shape.length; i++) { if (i) w.byte(COMMA); w.byte(QUOTE); w.decimal(Number(t.shape[i])); w.byte(QUOTE); }
    w.byte(RBRACKET);
  }
  if (t.rawContents.length) { w.key(start, '"rawContents":"'); w.base64(t.rawContents); w.byte(QUOTE); }
  if (t.weak) w.key(start, '"weak":true');
  if (w.at === start) w.byte(LBRACE);
  w.byte(RBRACE);
}

const varintSize = (v: number) => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : Math.ceil(Math.log2(v + 1) / 7));

function varint(out: Uint8Array, at: number, v: number): number {
  while (v >= 0x80) { out[at++] = (v % 0x80) | 0x80; v = Math.floor(v / 0x80); }
  out[at++] = v;
  return at;
}

// ---- reading JSON ----


function kindOf(f: DescField): Kind | null {
  if (isTensor(f)) return f.fieldKind === 'list' ? 'tensors' : 'tensor';
  if (f.fieldKind === 'scalar') return f.scalar === ScalarType.STRING ? 'string' : f.scalar === ScalarType.UINT32 ? 'uint32' : null;
  return f.fieldKind === 'list' && f.listKind === 'scalar' && f.scalar === ScalarType.UINT32 ? 'uint32s' : null;
}

type Field = { name: string; kind: Kind };

/** The fields of a message of strings, uint32s and Tensors (with at least one Tensor field), by kind; null for any other message. */
const layout = perSchema((schema): Field[] | null => {
  const kinds = schema.fields.map(kindOf);
  return kinds.some((k) => k === 'tensor' || k === 'tensors') && kinds.every((k) => k !== null)
    ? schema.fields.map((f, i) => ({ name: f.localName, kind: kinds[i]! })) : null;
});

const readerOf = perSchema((schema) => { const all = layout(schema); return all && reader(schema, all); });

/** A reader of the canonical JSON of a message of strings, uint32s and Tensors (the gradient RPCs' requests):
 * the message, or null where protobuf-es must read it; null for any other message. */
export const tensorReader = <D extends DescMessage>(schema: D) => readerOf(schema) as ((json: unknown) => MessageShape<D> | null) | null;

/** create(schema)'s message, its fields in order: both readers start from it, so their messages share one shape. */
function empty(typeName: string, all: Field[]): Record<string, unknown> {
  const m: Record<string, unknown> = { $typeName: typeName };
  for (const { name, kind } of all) m[name] = kind === 'tensors' || kind === 'uint32s' ? [] : kind === 'string' ? '' : kind === 'uint32' ? 0 : undefined;
  return m;
}

function reader(schema: DescMessage, all: Field[]): (json: unknown) => unknown {
  const byName = new Map(schema.fields.map((f, k) => [f.jsonName, all[k]]));
  return (json) => {
    if (!isObject(json)) return null;
    const m = empty(schema.typeName, all);
    for (const key in json) {
      const f = byName.get(key), v = json[key];
      if (!f) return null;
      switch (f.kind) {
        case 'string': if (typeof v !== 'string') return null; m[f.name] = v; break;
        case 'uint32': if (!isUint32(v)) return null; m[f.name] = v; break;
        case 'uint32s': if (!Array.isArray(v) || !v.every(isUint32)) return null; m[f.name] = v.slice(); break;
        case 'tensor': { const t = readTensor(v); if (!t) return null; m[f.name] = t; break; }
        case 'tensors': {
          if (!Array.isArray(v)) return null;
          const ts: Tensor[] = []; // packed, as the binary reader's (not new Array(n), which is holey)
          for (let i = 0; i < v.length; i++) { const t = readTensor(v[i]); if (!t) return null; ts.push(t); }
          m[f.name] = ts;
        }
      }
    }
    return m;
  };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** create(TensorSchema): its fields, in its order. */
export const emptyTensor = (): Tensor => ({ $typeName: TensorSchema.typeName, datatype: '', shape: [], rawContents: NO_BYTES, weak: false });
const NO_BYTES = new Uint8Array(0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isUint32 = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
// A string dimension goes through Number: exact (isDim allows below 2^53), and cheaper than parsing a BigInt.
const dimOf = (d: unknown) => (typeof d === 'number' ? (Number.isSafeInteger(d) && d >= 0 ? BigInt(d) : null) : typeof d === 'string' && isDim(d) ? BigInt(Number(d)) : null);
/** A dimension as int64's JSON string: 0, or up to 15 digits without a leading 0. */
function isDim(s: string): boolean {
  if (s.length === 0 || s.length > 15 || (s.length > 1 && s.charCodeAt(0) === 0x30)) return false;
  for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c < 0x30 || c > 0x39) return false; }
  return true;
}

function readTensor(v: unknown): Tensor | null {
  if (!isObject(v)) return null;
  const t = emptyTensor();
  for (const key in v) {
    const x = v[key];
    switch (key) {
      case 'datatype': if (typeof x !== 'string') return null; t.datatype = x; break;
      case 'shape': {
        if (!Array.isArray(x)) return null;
        for (const d of x) { const b = dimOf(d); if (b === null) return null; t.shape.push(b); }
        break;
      }
      case 'rawContents': {
        const raw = typeof x === 'string' ? fromBase64(x) : null;
        if (!raw) return null;
        t.rawContents = raw;
        break;
      }
      case 'weak': if (typeof x !== 'boolean') return null; t.weak = x; break;
      default: return null;
    }
  }
  return t;
}

// ---- reading binary ----

const binaryReaderOf = perSchema((schema) => { const all = layout(schema); return all && binaryReader(schema, all); });

/** A reader of the binary encoding of the same messages as tensorReader: the message fromBinary gives, or null
 * where protobuf-es must read it (unknown fields, typed contents, a string that is not ASCII, anything malformed). */
export const tensorBinaryReader = <D extends DescMessage>(schema: D) => binaryReaderOf(schema) as ((bytes: Uint8Array) => MessageShape<D> | null) | null;

/** A plain Uint8Array view (a gRPC request is a Buffer, whose subarrays are Buffers: one class of bytes for both
 * transports keeps the code that reads them monomorphic). */
const bytesAt = (b: Uint8Array, start: number, end: number) => new Uint8Array(b.buffer, b.byteOffset + start, end - start);

/** A cursor over protobuf's wire format; `bad` once anything is not as expected. */
class Wire {
  at = 0;
  bad = false;
  constructor(readonly b: Uint8Array, readonly end = b.length) {}
  /** A varint of up to 7 bytes (below 2^49, exact as a number). */
  varint(): number {
    let v = 0, scale = 1;
    for (let k = 0; k < 7 && this.at < this.end; k++) {
      const byte = this.b[this.at++];
      v += (byte & 0x7f) * scale;
      if (byte < 0x80) return v;
      scale *= 0x80;
    }
    this.bad = true;
    return 0;
  }
  /** The next length-delimited field's end. */
  span(): number {
    const n = this.varint(), end = this.at + n;
    if (end > this.end) this.bad = true;
    return this.bad ? this.at : end;
  }
  ascii(): string {
    const end = this.span();
    let s = '';
    for (let i = this.at; i < end; i++) { const c = this.b[i]; if (c > 0x7f) this.bad = true; s += String.fromCharCode(c); }
    this.at = end;
    return s;
  }
  /** A repeated varint field, packed (wire type 2) or one element (0), into out. */
  varints(wireType: number, out: (v: number) => void): void {
    if (wireType === 0) { out(this.varint()); return; }
    if (wireType !== 2) { this.bad = true; return; }
    const end = this.span();
    while (this.at < end && !this.bad) out(this.varint());
  }
}

function binaryReader(schema: DescMessage, all: Field[]): (bytes: Uint8Array) => unknown {
  const fields = new Map(schema.fields.map((f, k) => [f.number, all[k]]));
  return (bytes) => {
    const w = new Wire(bytes), m = empty(schema.typeName, all);
    while (w.at < w.end && !w.bad) {
      const tag = w.varint(), f = fields.get(Math.floor(tag / 8)), wireType = tag & 7;
      if (!f) return null;
      switch (f.kind) {
        case 'string': if (wireType !== 2) return null; m[f.name] = w.ascii(); break;
        case 'uint32': { if (wireType !== 0) return null; const v = w.varint(); if (v > 0xffffffff) return null; m[f.name] = v; break; }
        case 'uint32s': w.varints(wireType, (v) => { if (v > 0xffffffff) w.bad = true; (m[f.name] as number[]).push(v); }); break;
        case 'tensor': case 'tensors': {
          if (wireType !== 2 || (f.kind === 'tensor' && m[f.name] !== undefined)) return null; // a repeated singular message merges: protobuf-es's job
          const end = w.span(), t = binaryTensor(new Wire(bytes, end), w.at);
          if (!t) return null;
          w.at = end;
          if (f.kind === 'tensor') m[f.name] = t; else (m[f.name] as Tensor[]).push(t);
        }
      }
    }
    return w.bad ? null : m;
  };
}

function binaryTensor(w: Wire, from: number): Tensor | null {
  w.at = from;
  const t = emptyTensor();
  while (w.at < w.end && !w.bad) {
    const tag = w.varint(), wireType = tag & 7;
    switch (Math.floor(tag / 8)) {
      case 1: if (wireType !== 2) return null; t.datatype = w.ascii(); break;
      case 2: w.varints(wireType, (d) => t.shape.push(BigInt(d))); break;
      case 4: { if (wireType !== 2) return null; const end = w.span(); t.rawContents = bytesAt(w.b, w.at, end); w.at = end; break; }
      case 5: if (wireType !== 0) return null; t.weak = w.varint() !== 0; break;
      default: return null; // typed contents, unknown fields
    }
  }
  return w.bad ? null : t;
}

// ---- base64 ----
// Node's Buffer costs more than a small tensor's characters: up to SMALL bytes go through these loops.

const SMALL = 96, ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0)), EQUALS = 0x3d;

/** Standard base64 with its padding as bytes; null where s is not that (small ones are checked as they are read). */
function fromBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0) return null;
  const pad = s.length && s.charCodeAt(s.length - 1) === EQUALS ? (s.charCodeAt(s.length - 2) === EQUALS ? 2 : 1) : 0;
  const end = s.length - pad, n = (s.length / 4) * 3 - pad;
  if (n > SMALL) return BASE64.test(s) ? new Uint8Array(Buffer.from(s, 'base64')) : null; // a copy: Buffers share a pool
  const out = new Uint8Array(n);
  let bad = 0;
  for (let i = 0, o = 0; i < s.length; i += 4) {
    const a = digit(s, i, end), b = digit(s, i + 1, end), c = digit(s, i + 2, end), d = digit(s, i + 3, end);
    bad |= a | b | c | d;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < n) out[o++] = v >> 16;
    if (o < n) out[o++] = (v >> 8) & 255;
    if (o < n) out[o++] = v & 255;
  }
  return bad < 0 ? null : out;
}

/** The value of s's character i: 0 for the padding from `end` on, -1 for a character outside the alphabet. */
function digit(s: string, i: number, end: number): number {
  if (i >= end) return 0;
  const c = s.charCodeAt(i);
  return c < 128 ? VALUE[c] : -1;
}

// ---- writing JSON ----

const [QUOTE, COMMA, LBRACE, RBRACE, LBRACKET, RBRACKET] = Array.from('",{}[]', (c) => c.charCodeAt(0));
/** What the text buffer grows back from, after a large message. */
const TEXT_BYTES = 4096;

/** JSON text that is all ASCII (names, datatypes of capitals and digits, decimal dimensions, base64), written as
 * character codes into one buffer and read as one latin1 string: no string per piece. */
class Text {
  b = Buffer.alloc(TEXT_BYTES);
  at = 0;
  reserve(n: number): void {
    if (this.at + n <= this.b.length) return;
    const b = Buffer.allocUnsafe(Math.max(2 * this.b.length, this.at + n));
    this.b.copy(b, 0, 0, this.at);
    this.b = b;
  }
  byte(c: number): void { this.reserve(1); this.b[this.at++] = c; }
  ascii(s: string): void {
    this.reserve(s.length);
    if (s.length > 64) { this.at += this.b.write(s, this.at, 'latin1'); return; } // a large tensor's base64
    for (let i = 0; i < s.length; i++) this.b[this.at++] = s.charCodeAt(i);
  }
  /** A member's name (`"name":` and what opens its value), after `{` or `,` as the object started at `start` needs. */
  key(start: number, name: string): void { this.byte(this.at === start ? LBRACE : COMMA); this.ascii(name); }
  /** A non-negative safe integer. */
  decimal(v: number): void {
    let n = 1;
    for (let x = v; x >= 10; x = Math.floor(x / 10)) n++;
    this.reserve(n);
    for (let i = this.at + n - 1; i >= this.at; i--, v = Math.floor(v / 10)) this.b[i] = 0x30 + (v % 10);
    this.at += n;
  }
  base64(b: Uint8Array): void {
    if (b.length > SMALL) { this.ascii(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64')); return; }
    this.reserve(Math.ceil(b.length / 3) * 4);
    const out = this.b;
    let o = this.at, i = 0;
    for (; i + 2 < b.length; i += 3) {
      const v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
      out[o++] = CODES[v >> 18]; out[o++] = CODES[(v >> 12) & 63]; out[o++] = CODES[(v >> 6) & 63]; out[o++] = CODES[v & 63];
    }
    if (i < b.length) {
      const v = (b[i] << 16) | (i + 1 < b.length ? b[i + 1] << 8 : 0);
      out[o++] = CODES[v >> 18]; out[o++] = CODES[(v >> 12) & 63];
      out[o++] = i + 1 < b.length ? CODES[(v >> 6) & 63] : EQUALS; out[o++] = EQUALS;
    }
    this.at = o;
  }
  /** The text written, as a string; a buffer grown for a large message is let go. */
  done(): string {
    const s = this.b.toString('latin1', 0, this.at);
    this.clear();
    return s;
  }
  /** Gives the text up (a tensor the writer leaves to protobuf-es), letting go of a buffer grown for it: null. */
  drop(): null {
    this.clear();
    return null;
  }
  private clear(): void {
    this.at = 0;
    if (this.b.length > TEXT_BYTES) this.b = Buffer.alloc(TEXT_BYTES);
  }
}
const text = new Text();
