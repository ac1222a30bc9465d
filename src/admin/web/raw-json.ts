import { type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Centrifugo's HTTP API writes payloads (`data`, `info`, `params`…) as JSON
 * values; the protos carry them as bytes, which protobuf JSON writes as
 * base64. These two walks convert between the two, so the actions page
 * takes and shows the JSON people know from Centrifugo's API.
 */
function walk(desc: DescMessage, value: unknown, bytes: (v: unknown) => unknown): unknown {
  if (!isObject(value)) return value;
  const out: Json = { ...value };
  for (const field of desc.fields) {
    const key = [field.name, field.jsonName].find((k) => k in out);
    if (key === undefined) continue;
    const v = out[key];
    if (field.fieldKind === "scalar" && field.scalar === ScalarType.BYTES) out[key] = bytes(v);
    else if (field.fieldKind === "message") out[key] = walk(field.message, v, bytes);
    else if (field.fieldKind === "list" && field.listKind === "message" && Array.isArray(v)) {
      out[key] = v.map((item) => walk(field.message, item, bytes));
    } else if (field.fieldKind === "map" && field.mapKind === "message" && isObject(v)) {
      out[key] = Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, walk(field.message, item, bytes)]),
      );
    }
  }
  return out;
}

/** Request JSON as Centrifugo's HTTP API takes it → protobuf JSON (payloads base64). */
export function toProtoJson(desc: DescMessage, value: unknown): unknown {
  return walk(desc, value, (v) => base64Encode(new TextEncoder().encode(JSON.stringify(v))));
}

/** Protobuf JSON → JSON as Centrifugo's HTTP API answers (payloads decoded). */
export function fromProtoJson(desc: DescMessage, value: unknown): unknown {
  return walk(desc, value, (v) => {
    if (typeof v !== "string") return v;
    const text = new TextDecoder().decode(base64Decode(v));
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  });
}
