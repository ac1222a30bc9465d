import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type Command,
  CommandSchema,
  PushSchema,
  ReplySchema,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientCodec } from "./client-codec.js";
import { lengthPrefixed, readVarint } from "./varint.js";

const readOptions = { readUnknownFields: false } as const;

/**
 * The protobuf encoding: every message in a frame is prefixed with its length
 * as a varint. Payload bytes stay views into the received frame.
 */
export const protobufCodec: ClientCodec = {
  name: "protobuf",

  decodeCommands(frame) {
    if (frame.length === 0) return { error: "empty frame" };
    const commands: Command[] = [];
    let offset = 0;
    while (offset < frame.length) {
      const length = readVarint(frame, offset);
      if (!length || length.next + length.value > frame.length) return { error: "truncated message" };
      try {
        commands.push(
          fromBinary(CommandSchema, frame.subarray(length.next, length.next + length.value), readOptions),
        );
      } catch (err) {
        return { error: `malformed command: ${(err as Error).message}` };
      }
      offset = length.next + length.value;
    }
    return { commands };
  },

  encodeReply(reply) {
    return lengthPrefixed(toBinary(ReplySchema, create(ReplySchema, reply)));
  },

  encodePush(push) {
    return lengthPrefixed(toBinary(PushSchema, create(PushSchema, push)));
  },

  join(messages) {
    return messages.length === 1 ? messages[0]! : Buffer.concat(messages);
  },

  ping: new Uint8Array([0]),
};
