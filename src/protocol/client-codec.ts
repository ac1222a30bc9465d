import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  Command,
  PushSchema,
  ReplySchema,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";

export type ProtocolName = "json" | "protobuf";
export type ReplyInit = MessageInitShape<typeof ReplySchema>;
export type PushInit = MessageInitShape<typeof PushSchema>;

/**
 * One encoding of the client protocol. Messages come out ready to be joined
 * into a frame (`join`), so transports frame batches without re-encoding.
 * JSON and protobuf are the two implementations.
 */
export interface ClientCodec {
  readonly name: ProtocolName;
  /** The commands of one frame, in order; an error means the frame is malformed (disconnect 3501). */
  decodeCommands(frame: Uint8Array): { commands: Command[] } | { error: string };
  /** A Reply, as bidirectional transports send it. */
  encodeReply(reply: ReplyInit): Uint8Array;
  /** A bare Push, as unidirectional transports send it. */
  encodePush(push: PushInit): Uint8Array;
  /** Several encoded messages as one frame payload. */
  join(messages: readonly Uint8Array[]): Uint8Array;
  /** The server ping of bidirectional transports (an empty Reply). */
  readonly ping: Uint8Array;
}
