import { fromBinary } from "@bufbuild/protobuf";
import { PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { clientInfo, encodePublication } from "../broker/publication-codec.js";
import { varintSize, writeVarint } from "../protocol/varint.js";
import type { MapPublication } from "./types.js";

/**
 * A map change as Centrifugo stores and publishes it: protobuf `Publication`
 * with data (4), info (5), tags (7), time (9), key (11) and removed (12) —
 * never offset, epoch or version, which travel beside it. Fields in number
 * order, so the bytes equal the generated encoder's (and Go's).
 */
export function encodeMapPublication(pub: Omit<MapPublication, "offset">): Buffer {
  const head = encodePublication(pub.data, pub.info, pub.tags, pub.time, false);
  const keyLength = Buffer.byteLength(pub.key);
  const size =
    head.length + (keyLength > 0 ? 1 + varintSize(keyLength) + keyLength : 0) + (pub.removed ? 2 : 0);
  const out = Buffer.allocUnsafe(size);
  head.copy(out, 0);
  let at = head.length;
  if (keyLength > 0) {
    out[at] = 0x5a;
    at = writeVarint(out, at + 1, keyLength);
    at += out.write(pub.key, at);
  }
  if (pub.removed) {
    out[at++] = 0x60;
    out[at++] = 1;
  }
  return out;
}

/** Decodes a stored or published map change, giving it the offset that travelled beside it; throws on bytes that are not one. */
export function decodeMapPublication(bytes: Uint8Array, offset: number): MapPublication {
  const message = fromBinary(PublicationSchema, bytes);
  return {
    offset,
    key: message.key,
    removed: message.removed,
    data: message.data,
    info: message.info ? clientInfo(message.info) : undefined,
    tags: Object.keys(message.tags).length > 0 ? message.tags : undefined,
    time: Number(message.time),
  };
}
