/** Thrown when a JSON message would have to embed a payload that is not JSON (binary published over gRPC). */
export class NotJsonError extends Error {}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Whether bytes are one valid JSON value, i.e. can be embedded raw in a JSON message. */
export function isJsonValue(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return false;
  try {
    JSON.parse(utf8.decode(bytes));
    return true;
  } catch {
    return false;
  }
}

/**
 * Raw JSON ready to embed in newline-framed output: newline bytes can only be
 * whitespace in valid JSON, so dropping them keeps the value and the framing.
 */
export function withoutNewlines(bytes: Uint8Array): Uint8Array {
  if (bytes.indexOf(10) < 0) return bytes;
  return bytes.filter((b) => b !== 10);
}

/** A JSON string literal holding the bytes as UTF-8 text (how delta-mode JSON clients receive data). */
export function jsonStringOf(bytes: Uint8Array): string {
  return JSON.stringify(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8"));
}
