import {
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  type MessageShape,
  ScalarType,
  toJson,
} from "@bufbuild/protobuf";

type Json = Record<string, unknown>;

function fieldByName(desc: DescMessage, name: string): DescField | undefined {
  return desc.fields.find((f) => f.name === name);
}

/** One value of a field in Centrifugo's JSON form → protobuf JSON (bytes as base64 of the raw JSON). */
function valueToProtoJson(field: DescField, value: unknown, element: boolean): unknown {
  if (field.fieldKind === "list" && !element)
    return (value as unknown[]).map((v) => valueToProtoJson(field, v, true));
  if (field.fieldKind === "map" && !element) {
    return Object.fromEntries(
      Object.entries(value as Json).map(([k, v]) => [k, valueToProtoJson(field, v, true)]),
    );
  }
  if (field.message) return toProtoJson(field.message, value as Json);
  if (field.scalar === ScalarType.BYTES) return Buffer.from(JSON.stringify(value)).toString("base64");
  return value;
}

function toProtoJson(desc: DescMessage, json: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByName(desc, key);
    if (!field) throw new Error(`${desc.typeName} has no field ${key}`);
    out[key] = valueToProtoJson(field, value, false);
  }
  return out;
}

/**
 * A message written the way an HTTP JSON backend writes it (proto field
 * names, `bytes` as raw JSON) as the message a gRPC or Connect backend sends,
 * so one table of answers serves every transport.
 */
export function messageFromCentrifugoJson<D extends DescMessage>(desc: D, json: Json): MessageShape<D> {
  return fromJson(desc, toProtoJson(desc, json) as JsonValue);
}

function valueFromProtoJson(field: DescField, value: unknown, element: boolean): unknown {
  if (field.fieldKind === "list" && !element)
    return (value as unknown[]).map((v) => valueFromProtoJson(field, v, true));
  if (field.fieldKind === "map" && !element) {
    return Object.fromEntries(
      Object.entries(value as Json).map(([k, v]) => [k, valueFromProtoJson(field, v, true)]),
    );
  }
  if (field.message) return fromProtoJson(field.message, value as Json);
  if (field.scalar === ScalarType.BYTES) {
    const text = Buffer.from(value as string, "base64").toString("utf8");
    try {
      return JSON.parse(text);
    } catch {
      return { notJson: value };
    }
  }
  return value;
}

function fromProtoJson(desc: DescMessage, json: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(json)) {
    const field = fieldByName(desc, key);
    if (field) out[key] = valueFromProtoJson(field, value, false);
  }
  return out;
}

/** A request a gRPC or Connect backend received, in the JSON form an HTTP JSON backend receives it. */
export function messageToCentrifugoJson<D extends DescMessage>(desc: D, message: MessageShape<D>): Json {
  return fromProtoJson(desc, toJson(desc, message, { useProtoFieldName: true }) as Json);
}
