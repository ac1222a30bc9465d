import { create, fromBinary } from "@bufbuild/protobuf";
import { type Push, PushSchema } from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { readVarint } from "../../protocol/varint.js";

/**
 * A stream item for connect-es from a Push the session already encoded.
 *
 * Binary streams (gRPC, gRPC-Web, Connect proto) get the bytes unchanged: the
 * message carries them as one unknown field — the first field's tag, then the
 * rest verbatim — which protobuf-es writes back as tag + raw bytes, so the
 * output equals the input and publication data is neither parsed nor
 * re-encoded per stream. JSON streams need real fields to print, so there the
 * Push is decoded (client protocol field numbers match the unistream schema).
 */
export function pushMessage(encoded: Uint8Array, json: boolean): Push {
  if (json) return fromBinary(PushSchema, encoded);
  const push = create(PushSchema);
  const tag = readVarint(encoded, 0);
  if (tag) {
    push.$unknown = [
      { no: Math.floor(tag.value / 8), wireType: tag.value & 7, data: encoded.subarray(tag.next) },
    ];
  }
  return push;
}
