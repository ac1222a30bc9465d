import { create, type DescField, type DescMessage, type MessageShape, ScalarType } from "@bufbuild/protobuf";
import { JsonInputError, withPath } from "./json-input-error.js";
import { JsonReader } from "./json-reader.js";
import { readScalar, typeMismatch, zeroScalar } from "./json-scalars.js";

type Fields = Record<string, unknown>;

const indexes = new WeakMap<DescMessage, Map<string, DescField>>();

/** A message's fields by proto name and by lower-cased proto name, built once per message type. */
function fieldIndex(desc: DescMessage): Map<string, DescField> {
  let index = indexes.get(desc);
  if (!index) {
    index = new Map();
    for (const field of desc.fields) index.set(field.name.toLowerCase(), field);
    for (const field of desc.fields) index.set(field.name, field);
    indexes.set(desc, index);
  }
  return index;
}

/** Go's key matching: the exact name first, then case-insensitively. */
function findField(desc: DescMessage, key: string): DescField | undefined {
  const index = fieldIndex(desc);
  return index.get(key) ?? index.get(key.toLowerCase());
}

function readMessage(r: JsonReader, desc: DescMessage, msg: Fields, depth: number): void {
  r.checkDepth(depth);
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey();
    const field = findField(desc, key);
    if (field === undefined) {
      r.skipValue(depth + 1);
      continue;
    }
    try {
      readField(r, field, msg, depth + 1);
    } catch (err) {
      throw withPath(err, field.name);
    }
  }
}

function readMessageValue(r: JsonReader, desc: DescMessage, into: Fields | undefined, depth: number) {
  if (r.peek() !== 0x7b) typeMismatch(r, "an object");
  const msg = into ?? (create(desc) as Fields);
  readMessage(r, desc, msg, depth);
  return msg;
}

function readField(r: JsonReader, field: DescField, msg: Fields, depth: number): void {
  const name = field.localName;
  switch (field.fieldKind) {
    case "scalar": {
      const value = readScalar(r, field.scalar, field.longAsString, depth);
      if (value !== undefined) msg[name] = value;
      return;
    }
    case "enum": {
      const value = readScalar(r, ScalarType.INT32, false, depth);
      if (value !== undefined) msg[name] = value;
      return;
    }
    case "message":
      if (r.peek() === 0x6e) {
        r.literal("null");
        msg[name] = undefined;
      } else {
        msg[name] = readMessageValue(r, field.message, msg[name] as Fields | undefined, depth);
      }
      return;
    case "list":
      msg[name] = readList(r, field, depth);
      return;
    case "map":
      msg[name] = readMap(r, field, (msg[name] as Fields | undefined) ?? {}, depth);
      return;
  }
}

/** An element or map value: null is the zero value, or no message (a nil pointer in Go). */
function readItem(r: JsonReader, field: DescField & { fieldKind: "list" | "map" }, depth: number): unknown {
  if (field.message) {
    if (r.peek() !== 0x6e) return readMessageValue(r, field.message, undefined, depth);
    r.literal("null");
    return field.fieldKind === "map" ? create(field.message) : undefined;
  }
  const type = field.scalar ?? ScalarType.INT32;
  const longAsString = "longAsString" in field && field.longAsString;
  return readScalar(r, type, longAsString, depth) ?? zeroScalar(type, longAsString);
}

function readList(r: JsonReader, field: DescField & { fieldKind: "list" }, depth: number): unknown[] {
  const list: unknown[] = [];
  const b = r.peek();
  if (b === 0x6e) {
    r.literal("null");
    return list;
  }
  if (b !== 0x5b) typeMismatch(r, "an array");
  r.checkDepth(depth);
  for (let more = r.openArray(); more; more = r.nextElement()) {
    try {
      list.push(readItem(r, field, depth + 1));
    } catch (err) {
      throw withPath(err, `[${list.length}]`);
    }
  }
  return list;
}

function readMap(r: JsonReader, field: DescField & { fieldKind: "map" }, map: Fields, depth: number): Fields {
  const b = r.peek();
  if (b === 0x6e) {
    r.literal("null");
    return {};
  }
  if (b !== 0x7b) typeMismatch(r, "an object");
  r.checkDepth(depth);
  for (let more = r.openObject(); more; more = r.nextMember()) {
    const key = r.readKey();
    try {
      map[key] = readItem(r, field, depth + 1);
    } catch (err) {
      throw withPath(err, `[${JSON.stringify(key)}]`);
    }
  }
  return map;
}

/**
 * Decodes a JSON body into a message of `desc` the way Centrifugo (Go
 * `encoding/json` over protoc-gen-go structs) does: snake_case keys matched
 * case-insensitively, unknown keys ignored, null leaves a field as it is,
 * `bytes` fields hold the raw JSON value, 64-bit integers are exact numbers,
 * a `null` element of a message list stays `undefined`. Any mismatch is an
 * error naming the field path, e.g. `commands[2].publish.channel: expected a
 * string, got a number`.
 */
export function decodeJsonMessage<D extends DescMessage>(
  desc: D,
  bytes: Uint8Array,
): { value: MessageShape<D> } | { error: string } {
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new JsonReader(buffer);
  const msg = create(desc);
  try {
    const b = r.peek();
    if (b === 0x6e) r.literal("null");
    else if (b === 0x7b) readMessage(r, desc, msg as unknown as Fields, 0);
    else typeMismatch(r, "a JSON object");
    r.expectEnd();
  } catch (err) {
    if (!(err instanceof JsonInputError)) throw err;
    return { error: err.describe() };
  }
  return { value: msg };
}
