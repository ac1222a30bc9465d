import { isUtf8 } from "node:buffer";
import { JsonInputError } from "./json-input-error.js";
import { JsonReader } from "./json-reader.js";

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function isOneJsonValue(buffer: Buffer): boolean {
  const r = new JsonReader(buffer);
  try {
    r.skipValue(0);
    r.expectEnd();
    return true;
  } catch (err) {
    if (err instanceof JsonInputError) return false;
    throw err;
  }
}

/** Drops the whitespace outside strings, as Go's `json.Compact` does. */
function compact(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length);
  let n = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (inString) {
      out[n++] = b;
      if (b === 0x5c) out[n++] = bytes[++i]!;
      else if (b === 0x22) inString = false;
    } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
      out[n++] = b;
      if (b === 0x22) inString = true;
    }
  }
  return out.subarray(0, n);
}

/**
 * A `bytes` field as it is embedded in an HTTP API response: the stored JSON
 * value verbatim, compacted only when it holds line breaks (so line-framed
 * output such as the legacy route's stays one reply per line). `undefined`
 * when the bytes are not one valid UTF-8 JSON value, e.g. binary published
 * over gRPC or with `b64data`, which a JSON response cannot carry.
 */
export function embeddableJson(bytes: Uint8Array): Uint8Array | undefined {
  const buffer = asBuffer(bytes);
  if (!isUtf8(buffer) || !isOneJsonValue(buffer)) return undefined;
  return buffer.indexOf(0x0a) >= 0 || buffer.indexOf(0x0d) >= 0 ? compact(buffer) : bytes;
}
