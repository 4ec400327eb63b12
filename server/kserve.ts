// KServe v2's REST inference format (Open Inference Protocol, HTTP/JSON) to and from the gRPC messages:
// {inputs: [{name, shape, datatype, data}], parameters, outputs} with `data` a flat or nested list in C
// order. As in gradd's proto JSON, "NaN", "Infinity" and "-Infinity" stand for those floats, and INT64
// values may be decimal strings (exact beyond 2^53).
import { create } from '@bufbuild/protobuf';
import { fail } from '../core/errors.js';
import { tensorFromProto } from '../core/graph/wire.js';
import { TensorSchema } from '../core/graph/gen/gradd/v1/tensor_pb.js';
import * as k from '../core/graph/gen/inference/grpc_predict_v2_pb.js';

type Param = boolean | number | string;
interface InferInput { name: string; shape: number[]; datatype: string; parameters?: Record<string, Param>; data: unknown[] }
export interface InferBody { id?: string; parameters?: Record<string, Param>; inputs: InferInput[]; outputs?: { name: string; parameters?: Record<string, Param> }[] }

const PARAMS = { type: 'object', additionalProperties: { type: ['boolean', 'integer', 'string'] } };
export const INFER_REQUEST_SCHEMA = {
  $id: 'kserve.InferRequest', type: 'object', required: ['inputs'], additionalProperties: false,
  properties: {
    id: { type: 'string' },
    parameters: PARAMS,
    inputs: {
      type: 'array',
      items: {
        type: 'object', required: ['name', 'shape', 'datatype', 'data'], additionalProperties: false,
        properties: { name: { type: 'string' }, shape: { type: 'array', items: { type: 'integer', minimum: 0 } }, datatype: { type: 'string' }, parameters: PARAMS, data: { type: 'array' } },
      },
    },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], additionalProperties: false, properties: { name: { type: 'string' }, parameters: PARAMS } } },
  },
};
export const INFER_RESPONSE_SCHEMA = {
  $id: 'kserve.InferResponse', type: 'object',
  properties: {
    model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, parameters: PARAMS,
    outputs: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, datatype: { type: 'string' }, shape: { type: 'array', items: { type: 'integer' } }, data: { type: 'array' } } } },
  },
};

const SPECIAL: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

function params(p: Record<string, Param> | undefined): Record<string, k.InferParameter> {
  return Object.fromEntries(Object.entries(p ?? {}).map(([name, v]) => [name, create(k.InferParameterSchema, {
    parameterChoice: typeof v === 'boolean' ? { case: 'boolParam', value: v } : typeof v === 'number' ? { case: 'int64Param', value: BigInt(v) } : { case: 'stringParam', value: v },
  })]));
}

/** A REST inference request as a ModelInferRequest; every value checked against its datatype. */
export function inferRequestFromJson(body: InferBody, name: string, version: string): k.ModelInferRequest {
  return create(k.ModelInferRequestSchema, {
    modelName: name, modelVersion: version, id: body.id ?? '', parameters: params(body.parameters),
    inputs: body.inputs.map((t, j) => {
      const where = `inputs[${j}].data`, flat = (t.data as unknown[]).flat(Infinity);
      const num = (v: unknown, i: number, int = false): number => {
        const x = typeof v === 'string' && !int ? SPECIAL[v] : v;
        if (typeof x !== 'number' || (int && !Number.isInteger(x))) fail('BAD_ARGUMENT', `${where}[${i}] is ${JSON.stringify(v)}; a ${t.datatype} tensor holds ${int ? 'integers' : 'numbers (or "NaN", "Infinity", "-Infinity")'}`);
        return x;
      };
      const contents = t.datatype === 'BOOL' ? { boolContents: flat.map((v, i) => (typeof v === 'boolean' ? v : fail('BAD_ARGUMENT', `${where}[${i}] is ${JSON.stringify(v)}; a BOOL tensor holds true or false`))) }
        : t.datatype === 'INT32' ? { intContents: flat.map((v, i) => num(v, i, true)) }
          : t.datatype === 'INT64' ? { int64Contents: flat.map((v, i) => (typeof v === 'string' && /^-?\d+$/.test(v) ? BigInt(v) : BigInt(num(v, i, true)))) }
            : t.datatype === 'FP32' ? { fp32Contents: flat.map((v, i) => num(v, i)) }
              : t.datatype === 'FP64' || t.datatype === 'C128' ? { fp64Contents: flat.map((v, i) => num(v, i)) }
                : fail('BAD_ARGUMENT', `inputs[${j}].datatype is ${JSON.stringify(t.datatype)}; gradd's datatypes are BOOL, INT32, INT64, FP32, FP64 and C128`);
      return { name: t.name, datatype: t.datatype, shape: t.shape.map(BigInt), parameters: params(t.parameters), contents };
    }),
    outputs: (body.outputs ?? []).map((o) => ({ name: o.name, parameters: params(o.parameters) })),
  });
}

const jsonNumber = (v: number) => (Number.isFinite(v) ? v : String(v));

/** A ModelInferResponse (raw contents) in the REST format. */
export function inferResponseToJson(r: k.ModelInferResponse): object {
  return {
    model_name: r.modelName, model_version: r.modelVersion, ...(r.id ? { id: r.id } : {}),
    outputs: r.outputs.map((o, j) => {
      const a = tensorFromProto(create(TensorSchema, { datatype: o.datatype, shape: o.shape, rawContents: r.rawOutputContents[j] }), {}, o.name);
      const values = Array.from(a.values());
      return { name: o.name, datatype: o.datatype, shape: o.shape.map(Number), data: o.datatype === 'BOOL' ? values.map(Boolean) : values.map(jsonNumber) };
    }),
  };
}
