import { constants, deflateRawSync } from "node:zlib";
import * as wsModule from "ws";
import type { WebSocketCompression } from "../../config/websocket-schema.js";
import type { ClientCodec } from "../../protocol/client-codec.js";

const { Sender } = wsModule as unknown as {
  Sender: { frame(data: Uint8Array, options: object): Uint8Array[] };
};
const textFrame = { fin: true, opcode: 1, mask: false, readOnly: true, rsv1: false };
const binaryFrame = { ...textFrame, opcode: 2 };
const deflatedTextFrame = { ...textFrame, rsv1: true };
const deflatedBinaryFrame = { ...binaryFrame, rsv1: true };

/** The 4 bytes a sync flush ends with, which permessage-deflate leaves off the wire (RFC 7692 §7.2.1). */
const syncFlushTail = 4;

/**
 * How many frames the fan-out built and how many of them it compressed, so
 * that sharing (one of each per broadcast, not one per socket) can be seen.
 */
export const sharedFrameCounts = { framed: 0, compressed: 0 };

/**
 * The last batch framed, and its frames: plain, and deflated for the sockets
 * that negotiated permessage-deflate. A broadcast's subscribers are flushed
 * one after another and those of one channel hold the same messages in the
 * same order (the very buffers the broadcast encoded once), so one entry lets
 * every socket after the first write the frame the first one built, where ws
 * would join, compress and frame the batch again for each. Encoded messages
 * and the batches a session hands over are never mutated, which makes sharing
 * safe. Compression uses no context takeover, so a deflated frame depends on
 * nothing but its own payload and is as shareable as a plain one.
 */
let lastBatch: readonly Uint8Array[] = [];
let lastCodec: ClientCodec | undefined;
let lastPayload: Uint8Array = new Uint8Array(0);
let lastFrame: Uint8Array[] | undefined;
let lastDeflated: Uint8Array[] | undefined;
let lastCompression: WebSocketCompression | undefined;

function remember(batch: readonly Uint8Array[], codec: ClientCodec): void {
  if (codec === lastCodec && batch.length === lastBatch.length) {
    let same = true;
    for (let i = 0; i < batch.length && same; i++) same = batch[i] === lastBatch[i];
    if (same) return;
  }
  lastBatch = batch;
  lastCodec = codec;
  lastPayload = codec.join(batch);
  lastFrame = undefined;
  lastDeflated = undefined;
}

function plainFrame(codec: ClientCodec): Uint8Array[] {
  if (!lastFrame) {
    sharedFrameCounts.framed++;
    const options = codec.name === "protobuf" ? binaryFrame : textFrame;
    lastFrame = [Buffer.concat(Sender.frame(lastPayload, options))];
  }
  return lastFrame;
}

function deflatedFrame(codec: ClientCodec, compression: WebSocketCompression): Uint8Array[] {
  if (!lastDeflated || lastCompression !== compression) {
    sharedFrameCounts.framed++;
    sharedFrameCounts.compressed++;
    const deflated = deflateRawSync(lastPayload, {
      level: compression.level,
      strategy: compression.huffmanOnly ? constants.Z_HUFFMAN_ONLY : constants.Z_DEFAULT_STRATEGY,
      finishFlush: constants.Z_SYNC_FLUSH,
    });
    const payload = deflated.subarray(0, deflated.length - syncFlushTail);
    const options = codec.name === "protobuf" ? deflatedBinaryFrame : deflatedTextFrame;
    lastDeflated = [Buffer.concat(Sender.frame(payload, options))];
    lastCompression = compression;
  }
  return lastDeflated;
}

/**
 * One WebSocket frame holding `batch` joined as `codec` joins messages (binary
 * for protobuf, text for JSON), as the list ws's frame writer takes: one
 * contiguous buffer, so each socket makes one plain write, not a corked
 * header + payload writev. With `compression` (the socket negotiated
 * permessage-deflate) a payload longer than its minimum size is deflated.
 */
export function sharedFrame(
  batch: readonly Uint8Array[],
  codec: ClientCodec,
  compression?: WebSocketCompression,
): Uint8Array[] {
  remember(batch, codec);
  if (compression && lastPayload.length > compression.minSize) return deflatedFrame(codec, compression);
  return plainFrame(codec);
}
