import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { PublishRequestSchema } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { readVarint } from "../../protocol/varint.js";
import { publishRequestMessage } from "../publish-request-message.js";

/** protobuf-es reads a proto3 string strictly (invalid UTF-8 fails); so does this, leaving the failure's wording to it. */
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A `PublishRequest` in protobuf binary holding only a channel and data (each
 * field any number of times, the last one counting), read into exactly the
 * message `fromBinary` makes — the same fields in the same order, `data` a
 * view of the same bytes — without the reflective reader: the request of the
 * API's commonest call. Undefined for any other schema or body (another field,
 * a malformed one), which the caller reads the general way.
 */
export function readPublishRequest<I extends DescMessage>(
  schema: I,
  bytes: Uint8Array,
): MessageShape<I> | undefined {
  if ((schema as DescMessage) !== PublishRequestSchema) return undefined;
  let channel = "";
  let data: Uint8Array = new Uint8Array(0);
  let at = 0;
  while (at < bytes.length) {
    const tag = bytes[at];
    if (tag !== 0x0a && tag !== 0x12) return undefined;
    const length = readVarint(bytes, at + 1);
    if (!length) return undefined;
    const start = length.next;
    const end = start + length.value;
    if (end > bytes.length) return undefined;
    if (tag === 0x0a) {
      try {
        channel = utf8.decode(bytes.subarray(start, end));
      } catch {
        return undefined;
      }
    } else data = bytes.subarray(start, end);
    at = end;
  }
  return publishRequestMessage(channel, data) as unknown as MessageShape<I>;
}

/** Standard base64 with its padding: what `Buffer` and protobuf-es decode to the same bytes. */
const strictBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A string holding half of a surrogate pair fails in protobuf-es (as invalid UTF-8); one with both halves is left to it too. */
const surrogate = /[\ud800-\udfff]/;

/** Connect reads JSON bodies with a default TextDecoder (see well-formed-json.ts, which only words failures). */
const text = new TextDecoder();

/**
 * A `PublishRequest` in protobuf JSON holding only `channel` (a string) and
 * `data` (standard base64), read into exactly the message connect-es'
 * `fromJsonString` makes, with `JSON.parse` and no reflection. Undefined for
 * any other schema or body (another key, null, another type, other base64,
 * invalid JSON), which the caller reads the general way, with its errors.
 */
export function readPublishRequestJson<I extends DescMessage>(
  schema: I,
  bytes: Uint8Array,
): MessageShape<I> | undefined {
  if ((schema as DescMessage) !== PublishRequestSchema) return undefined;
  let json: unknown;
  const source = text.decode(bytes);
  try {
    json = JSON.parse(source);
  } catch {
    return undefined;
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined;
  let channel = "";
  let data = new Uint8Array(0);
  let keys = 0;
  for (const key in json) {
    keys++;
    const value = (json as Record<string, unknown>)[key];
    if (key === "channel" && typeof value === "string" && !surrogate.test(value)) channel = value;
    else if (key === "data" && typeof value === "string" && strictBase64.test(value)) {
      // Decoded into bytes of their own (a message may be kept in history), as protobuf-es' base64Decode does.
      data = new Uint8Array(
        (value.length / 4) * 3 - (value.endsWith("==") ? 2 : value.endsWith("=") ? 1 : 0),
      );
      Buffer.from(data.buffer).write(value, "base64");
    } else return undefined;
  }
  // protobuf-es refuses a repeated key, which JSON.parse keeps the last of.
  if (keys > 0 && membersOf(source) !== keys) return undefined;
  return publishRequestMessage(channel, data) as unknown as MessageShape<I>;
}

/** How many members the outermost object of valid JSON text has, as written (a repeated key counted each time). */
function membersOf(source: string): number {
  let members = 1;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c && depth === 1) members++;
  }
  return members;
}
