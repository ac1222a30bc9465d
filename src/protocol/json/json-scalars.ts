import { ScalarType } from "@bufbuild/protobuf";
import { JsonInputError } from "./json-input-error.js";
import type { JsonReader } from "./json-reader.js";

/** A value of a protobuf scalar as protobuf-es holds it. */
export type ScalarValue = string | number | bigint | boolean | Uint8Array;

const kinds: Record<number, string> = {
  34: "a string",
  123: "an object",
  91: "an array",
  116: "a boolean",
  102: "a boolean",
  110: "null",
};

/**
 * Fails with "expected X, got Y" for the value at the cursor, or with the
 * syntax error when the value is not JSON at all.
 */
export function typeMismatch(r: JsonReader, expected: string): never {
  const b = r.peek();
  const start = r.pos;
  r.skipValue(0);
  const got = kinds[b] ?? `the number ${r.bytes.toString("latin1", start, Math.min(r.pos, start + 32))}`;
  throw new JsonInputError(`expected ${expected}, got ${got}`);
}

const int32 = { name: "an int32", min: -(2 ** 31), max: 2 ** 31 - 1 };
const uint32 = { name: "a uint32", min: 0, max: 2 ** 32 - 1 };
const int64 = { name: "an int64", min: -(2n ** 63n), max: 2n ** 63n - 1n };
const uint64 = { name: "a uint64", min: 0n, max: 2n ** 64n - 1n };

function isNumberStart(b: number): boolean {
  return b === 0x2d || (b >= 0x30 && b <= 0x39);
}

/** An integer that fits 32 bits, read digit by digit (Go rejects `1.0` and `1e2` for ints). */
function readInt32(r: JsonReader, range: typeof int32): number {
  if (!isNumberStart(r.peek())) typeMismatch(r, range.name);
  const start = r.pos;
  if (r.skipNumber() && r.pos - start <= 11) {
    const text = r.bytes.toString("latin1", start, r.pos);
    const value = Number(text);
    if (value >= range.min && value <= range.max && !(range.min === 0 && text[0] === "-")) return value;
  }
  r.pos = start;
  return typeMismatch(r, range.name);
}

/** A 64-bit integer, converted exactly through BigInt (never through a float). */
function readInt64(r: JsonReader, range: typeof int64, asString: boolean): bigint | string {
  if (!isNumberStart(r.peek())) typeMismatch(r, range.name);
  const start = r.pos;
  if (r.skipNumber() && r.pos - start <= 21) {
    const text = r.bytes.toString("latin1", start, r.pos);
    const value = BigInt(text);
    if (value >= range.min && value <= range.max && !(range.min === 0n && text[0] === "-")) {
      return asString ? value.toString() : value;
    }
  }
  r.pos = start;
  return typeMismatch(r, range.name);
}

function readFloat(r: JsonReader, max: number, name: string): number {
  if (!isNumberStart(r.peek())) typeMismatch(r, name);
  const start = r.pos;
  r.skipNumber();
  const value = Number(r.bytes.toString("latin1", start, r.pos));
  if (Math.abs(value) <= max) return value;
  r.pos = start;
  return typeMismatch(r, `${name} in range`);
}

/**
 * The raw JSON value at the cursor, validated and copied out of the request
 * body: a copy of just the payload, so a stored publication does not keep the
 * whole body (or the pooled slab it was read into) alive.
 */
export function readRaw(r: JsonReader, depth: number): Uint8Array {
  r.peek();
  const start = r.pos;
  r.skipValue(depth);
  const out = new Uint8Array(r.pos - start);
  out.set(r.bytes.subarray(start, r.pos));
  return out;
}

/**
 * Reads one scalar with Go `encoding/json` rules; `undefined` means JSON null,
 * which leaves the field as it was. A `bytes` field takes any JSON value
 * verbatim, `null` included.
 */
export function readScalar(
  r: JsonReader,
  type: ScalarType,
  longAsString: boolean,
  depth: number,
): ScalarValue | undefined {
  const b = r.peek();
  if (type === ScalarType.BYTES) return readRaw(r, depth);
  if (b === 0x6e) {
    r.literal("null");
    return undefined;
  }
  switch (type) {
    case ScalarType.STRING:
      return b === 0x22 ? r.readString() : typeMismatch(r, "a string");
    case ScalarType.BOOL:
      if (b === 0x74) r.literal("true");
      else if (b === 0x66) r.literal("false");
      else typeMismatch(r, "a boolean");
      return b === 0x74;
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return readInt32(r, int32);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return readInt32(r, uint32);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return readInt64(r, int64, longAsString);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return readInt64(r, uint64, longAsString);
    case ScalarType.FLOAT:
      return readFloat(r, 3.4028234663852886e38, "a float");
    case ScalarType.DOUBLE:
      return readFloat(r, Number.MAX_VALUE, "a double");
  }
}

/** The zero value a JSON null leaves in a list element or map value. */
export function zeroScalar(type: ScalarType, longAsString: boolean): ScalarValue {
  switch (type) {
    case ScalarType.STRING:
      return "";
    case ScalarType.BOOL:
      return false;
    case ScalarType.BYTES:
      return new Uint8Array(0);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return longAsString ? "0" : 0n;
    default:
      return 0;
  }
}
