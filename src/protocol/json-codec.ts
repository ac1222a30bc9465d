import {
  type Command,
  CommandSchema,
  PushSchema,
  ReplySchema,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientCodec } from "./client-codec.js";
import { NotJsonError } from "./embedded-json.js";
import { decodeJsonMessage } from "./json/json-decode.js";
import { encodeJsonMessage } from "./json/json-encode.js";

const newline = Buffer.from("\n");

/**
 * The init shape written as it is: the encoder reads absent fields as their
 * zero values, so building the full message first (protobuf-es `create`,
 * every field of every nested message) would only add work to each reply.
 */
function encode(desc: typeof ReplySchema | typeof PushSchema, init: object): Uint8Array {
  const encoded = encodeJsonMessage(desc, init);
  if ("error" in encoded) throw new NotJsonError(encoded.error);
  return encoded.value;
}

/**
 * The JSON encoding: one JSON object per message, messages of a frame
 * separated by a newline (one trailing newline tolerated), payloads embedded
 * as raw JSON, snake_case names.
 */
export const jsonCodec: ClientCodec = {
  name: "json",

  decodeCommands(frame) {
    const end = frame.length > 0 && frame[frame.length - 1] === 10 ? frame.length - 1 : frame.length;
    if (end === 0) return { error: "empty frame" };
    const commands: Command[] = [];
    let start = 0;
    while (start <= end) {
      let stop = frame.indexOf(10, start);
      if (stop < 0 || stop > end) stop = end;
      if (stop === start) return { error: "empty line in frame" };
      const decoded = decodeJsonMessage(CommandSchema, frame.subarray(start, stop));
      if ("error" in decoded) return { error: decoded.error };
      commands.push(decoded.value);
      start = stop + 1;
    }
    return { commands };
  },

  encodeReply: (reply) => encode(ReplySchema, reply),

  encodePush: (push) => encode(PushSchema, push),

  join(messages) {
    if (messages.length === 1) return messages[0]!;
    const parts: Uint8Array[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (i > 0) parts.push(newline);
      parts.push(messages[i]!);
    }
    return Buffer.concat(parts);
  },

  ping: Buffer.from("{}"),
};
