import { type DescField, type DescMessage, ScalarType } from "@bufbuild/protobuf";
import { alwaysEmitted } from "./always-emitted.js";
import { JsonWriter } from "./json-writer.js";
import { embeddableJson } from "./raw-json.js";

type Fields = Readonly<Record<string, unknown>>;

/** An empty `bytes` value inside a list or map (fields omit it): Go's nil `Raw`. */
const nullBytes = new TextEncoder().encode("null");

/** A value Centrifugo's JSON cannot carry; caught at the top and answered as a 500. */
class NotEncodableError extends Error {}

interface FieldPlan {
  readonly field: DescField;
  /** `"proto_name":`, ready to write. */
  readonly key: string;
  /** `,"proto_name":`, for every field but the first written. */
  readonly nextKey: string;
  readonly always: boolean;
}

const plans = new WeakMap<DescMessage, readonly FieldPlan[]>();

function planOf(desc: DescMessage): readonly FieldPlan[] {
  let plan = plans.get(desc);
  if (!plan) {
    plan = desc.fields.map((field) => ({
      field,
      key: `"${field.name}":`,
      nextKey: `,"${field.name}":`,
      always: alwaysEmitted.has(`${desc.typeName}.${field.name}`),
    }));
    plans.set(desc, plan);
  }
  return plan;
}

/** Go's `omitempty`: false, 0, "", and empty bytes, lists and maps; an unset message. */
function isEmpty(field: DescField, value: unknown): boolean {
  if (value === undefined) return true;
  switch (field.fieldKind) {
    case "message":
      return false;
    case "list":
      return (value as readonly unknown[]).length === 0;
    case "map":
      return Object.keys(value as object).length === 0;
  }
  switch (field.scalar) {
    case ScalarType.STRING:
      return value === "";
    case ScalarType.BOOL:
      return value === false;
    case ScalarType.BYTES:
      return (value as Uint8Array).length === 0;
    default:
      return Number(value) === 0;
  }
}

function writeScalar(w: JsonWriter, type: ScalarType, value: unknown): void {
  switch (type) {
    case ScalarType.STRING:
      w.string((value as string | undefined) ?? "");
      return;
    case ScalarType.BOOL:
      w.ascii(value ? "true" : "false");
      return;
    case ScalarType.BYTES: {
      const bytes = value as Uint8Array | undefined;
      const raw = bytes && bytes.length > 0 ? embeddableJson(bytes) : nullBytes;
      if (!raw) throw new NotEncodableError("a payload is not JSON");
      w.bytes(raw);
      return;
    }
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT: {
      const n = Number(value ?? 0);
      if (!Number.isFinite(n)) throw new NotEncodableError(`a number is not finite (${n})`);
      w.ascii(String(n));
      return;
    }
    default:
      w.ascii(String(value ?? 0));
  }
}

/**
 * A message already written as JSON, embedded as it is wherever a message
 * goes: one encoding shared by many replies (a map's state entries).
 * `json` undefined: the message cannot be JSON (a binary payload).
 */
export class EncodedJson {
  constructor(readonly json: Uint8Array | undefined) {}
}

function writeEncoded(w: JsonWriter, value: EncodedJson): void {
  if (!value.json) throw new NotEncodableError("a payload is not JSON");
  w.bytes(value.json);
}

function writeValue(w: JsonWriter, field: DescField, value: unknown): void {
  if (field.message) {
    if (value === undefined) w.ascii("null");
    else if (value instanceof EncodedJson) writeEncoded(w, value);
    else writeMessage(w, field.message, value as Fields);
  } else {
    writeScalar(w, field.scalar ?? ScalarType.INT32, value);
  }
}

function writeField(w: JsonWriter, field: DescField, value: unknown): void {
  switch (field.fieldKind) {
    case "list": {
      w.ascii("[");
      const list = (value as readonly unknown[] | undefined) ?? [];
      for (let i = 0; i < list.length; i++) {
        if (i > 0) w.ascii(",");
        writeValue(w, field, list[i]);
      }
      w.ascii("]");
      return;
    }
    case "map": {
      w.ascii("{");
      const map = (value as Fields | undefined) ?? {};
      let first = true;
      for (const key of Object.keys(map).sort()) {
        w.ascii(first ? "" : ",");
        first = false;
        w.string(key);
        w.ascii(":");
        writeValue(w, field, map[key]);
      }
      w.ascii("}");
      return;
    }
    default:
      writeValue(w, field, value);
  }
}

function writeMessage(w: JsonWriter, desc: DescMessage, msg: Fields): void {
  w.ascii("{");
  let first = true;
  const plan = planOf(desc);
  for (let i = 0; i < plan.length; i++) {
    const { field, key, nextKey, always } = plan[i]!;
    const value = msg[field.localName];
    if (!always && isEmpty(field, value)) continue;
    w.ascii(first ? key : nextKey);
    first = false;
    writeField(w, field, value);
  }
  w.ascii("}");
}

/**
 * Writes a message (a protobuf-es message or its init shape) as Centrifugo's
 * HTTP API JSON: proto field names in declaration order, zero values omitted
 * except the always-emitted fields, a set but empty message as `{}`, `bytes`
 * embedded as raw JSON, 64-bit integers as plain numbers, map keys sorted
 * (as Go does). Returns an error message when the value cannot be JSON, e.g.
 * a binary payload.
 */
export function writeJsonMessage(w: JsonWriter, desc: DescMessage, msg: object): string | undefined {
  try {
    writeMessage(w, desc, msg as Fields);
    return undefined;
  } catch (err) {
    if (err instanceof NotEncodableError) return err.message;
    throw err;
  }
}

/** One message as a JSON body; see `writeJsonMessage`. */
export function encodeJsonMessage(desc: DescMessage, msg: object): { value: Buffer } | { error: string } {
  const w = new JsonWriter();
  const error = writeJsonMessage(w, desc, msg);
  return error === undefined ? { value: w.finish() } : { error };
}
