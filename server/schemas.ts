// JSON Schemas of protobuf messages in protobuf's canonical JSON mapping, derived from the descriptors, so
// the HTTP routes validate and document exactly the messages gRPC carries. Field names are the JSON
// (lowerCamelCase) names; other properties are left to the protobuf JSON reader, which accepts the proto
// names too and refuses unknown fields with a message naming them.
import { ScalarType, type DescEnum, type DescField, type DescMessage } from '@bufbuild/protobuf';

type Schema = Record<string, unknown>;

const WELL_KNOWN: Record<string, Schema> = {
  'google.protobuf.Timestamp': { type: 'string', format: 'date-time' },
  'google.protobuf.Duration': { type: 'string', description: 'seconds with the suffix "s", e.g. "1.5s"' },
  'google.protobuf.Value': {},
  'google.protobuf.Struct': { type: 'object' },
  'google.protobuf.ListValue': { type: 'array' },
};

function scalar(t: ScalarType): Schema {
  switch (t) {
    case ScalarType.DOUBLE: case ScalarType.FLOAT: return { type: ['number', 'string'], description: 'a number, or "NaN", "Infinity", "-Infinity"' };
    case ScalarType.INT64: case ScalarType.UINT64: case ScalarType.SINT64: case ScalarType.FIXED64: case ScalarType.SFIXED64:
      return { type: ['string', 'integer'], description: '64-bit integer, as a decimal string' };
    case ScalarType.BOOL: return { type: 'boolean' };
    case ScalarType.STRING: return { type: 'string' };
    case ScalarType.BYTES: return { type: 'string', format: 'byte', description: 'base64' };
    default: return { type: ['integer', 'string'] };
  }
}

const enumSchema = (e: DescEnum): Schema =>
  e.typeName === 'google.protobuf.NullValue' ? { type: 'null' } : { type: ['string', 'integer'], enum: [...e.values.map((v) => v.name), ...e.values.map((v) => v.number)] };

/** Schemas for `roots` and every message they reach, each with `$id` = its full proto name; refer to one as `{ $ref: 'gradd.v1.Tensor#' }`. */
export function messageSchemas(roots: DescMessage[]): Schema[] {
  const out = new Map<string, Schema>();
  const ref = (m: DescMessage): Schema => WELL_KNOWN[m.typeName] ?? (visit(m), { $ref: `${m.typeName}#` });
  const value = (f: DescField): Schema => {
    const kind = f.fieldKind === 'list' ? f.listKind : f.fieldKind === 'map' ? f.mapKind : f.fieldKind;
    return kind === 'message' ? ref(f.message!) : kind === 'enum' ? enumSchema(f.enum!) : scalar(f.scalar!);
  };
  const field = (f: DescField): Schema =>
    f.fieldKind === 'list' ? { type: 'array', items: value(f) } : f.fieldKind === 'map' ? { type: 'object', additionalProperties: value(f) } : value(f);
  function visit(m: DescMessage): void {
    if (out.has(m.typeName)) return;
    const s: Schema = { $id: m.typeName, type: 'object', properties: {} };
    out.set(m.typeName, s);
    s.properties = Object.fromEntries(m.fields.map((f) => [f.jsonName, field(f)]));
  }
  roots.forEach(visit);
  return [...out.values()];
}

/** The error body of every HTTP error. */
export const ERROR_SCHEMA: Schema = {
  $id: 'gradd.Error', type: 'object', required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
};
