import * as wsModule from "ws";
import type { ClientCodec } from "../../protocol/client-codec.js";

const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Uint8Array, options: object): Uint8Array[] };
};
const textFrame = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };
const binaryFrame = { ...textFrame, opcode: 2 };

/**
 * The last batch framed, and its frame. A broadcast's subscribers are flushed
 * one after another and those of one channel hold the same messages in the
 * same order (the very buffers the broadcast encoded once), so one entry lets
 * every socket after the first write the frame the first one built, where ws
 * would join and frame the batch again for each. Encoded messages and the
 * batches a session hands over are never mutated, which makes sharing safe.
 */
let lastBatch: readonly Uint8Array[] = [];
let lastCodec: ClientCodec | undefined;
let lastFrame: Uint8Array[] = [];

function sameBatch(batch: readonly Uint8Array[], codec: ClientCodec): boolean {
  if (codec !== lastCodec || batch.length !== lastBatch.length) return false;
  for (let i = 0; i < batch.length; i++) if (batch[i] !== lastBatch[i]) return false;
  return true;
}

/**
 * One WebSocket frame holding `batch` joined as `codec` joins messages (binary
 * for protobuf, text for JSON), as the list ws's frame writer takes: one
 * contiguous buffer, so each socket makes one plain write, not a corked
 * header + payload writev.
 */
export function sharedFrame(batch: readonly Uint8Array[], codec: ClientCodec): Uint8Array[] {
  if (!sameBatch(batch, codec)) {
    const options = codec.name === "protobuf" ? binaryFrame : textFrame;
    lastFrame = [Buffer.concat(Sender.frame(codec.join(batch), options))];
    lastBatch = batch;
    lastCodec = codec;
  }
  return lastFrame;
}
