import { JsonReader } from "../protocol/json/json-reader.js";

/** A consumed command: its method and the request's JSON bytes. */
export interface ConsumedCommand {
  readonly method: string;
  readonly request: Uint8Array;
}

/**
 * Reads the envelope a message carries when its transport names no method:
 * `{"method": "publish", "payload": {…}}`, where `payload` may also be a JSON
 * string holding the request (as Debezium-style pipelines emit it). The
 * payload is taken as the bytes it was sent as, never parsed and printed
 * again, so big numbers and key order in `data` reach subscribers intact.
 * Returns why not when the body is no such envelope.
 */
export function readCommandEnvelope(body: Uint8Array): ConsumedCommand | { error: string } {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const r = new JsonReader(bytes);
  let method = "";
  let request: Uint8Array = Buffer.alloc(0);
  try {
    if (r.peek() !== 0x7b) r.fail("the envelope is not a JSON object");
    for (let more = r.openObject(); more; more = r.nextMember()) {
      const key = r.readKey();
      if (key === "method" && r.peek() === 0x22) {
        method = r.readString();
      } else if (key === "payload" && r.peek() === 0x22) {
        request = Buffer.from(r.readString());
      } else if (key === "payload") {
        const start = r.pos;
        r.skipValue(1);
        request = bytes.subarray(start, r.pos);
      } else {
        r.skipValue(1);
      }
    }
    r.expectEnd();
  } catch (err) {
    return { error: (err as Error).message };
  }
  return { method, request };
}
