import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ClientInfoSchema, PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientInfo, Publication } from "./types.js";

const empty = new Uint8Array();

function infoInit(info: ClientInfo) {
  return {
    user: info.user,
    client: info.client,
    connInfo: info.connInfo ?? empty,
    chanInfo: info.chanInfo ?? empty,
  };
}

function clientInfo(info: {
  user: string;
  client: string;
  connInfo: Uint8Array;
  chanInfo: Uint8Array;
}): ClientInfo {
  return {
    user: info.user,
    client: info.client,
    connInfo: info.connInfo.length > 0 ? info.connInfo : undefined,
    chanInfo: info.chanInfo.length > 0 ? info.chanInfo : undefined,
  };
}

/**
 * A publication as Centrifugo stores and publishes it (in a Redis stream or
 * PUB/SUB message, inside a NATS Push): protobuf `Publication` (protocol
 * field numbers) without its offset, which lives in the stream id or the
 * PUB/SUB header. `delta` marks a publication sent
 * without history that subscribers may receive as a delta.
 */
export function encodePublication(
  data: Uint8Array,
  info: ClientInfo | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  time: number,
  delta: boolean,
): Uint8Array {
  const message = create(PublicationSchema, {
    data,
    info: info ? infoInit(info) : undefined,
    tags: tags ? { ...tags } : {},
    delta,
    time: BigInt(time),
  });
  return toBinary(PublicationSchema, message);
}

/** Decodes a stored or published publication; throws on bytes that are not one. */
export function decodePublication(bytes: Uint8Array, offset: number): { pub: Publication; delta: boolean } {
  const message = fromBinary(PublicationSchema, bytes);
  const tags = Object.keys(message.tags).length > 0 ? message.tags : undefined;
  return {
    pub: {
      offset: message.offset > 0n ? Number(message.offset) : offset,
      data: message.data,
      info: message.info ? clientInfo(message.info) : undefined,
      tags,
      time: Number(message.time),
    },
    delta: message.delta,
  };
}

export function encodeClientInfo(info: ClientInfo): Uint8Array {
  return toBinary(ClientInfoSchema, create(ClientInfoSchema, infoInit(info)));
}

export function decodeClientInfo(bytes: Uint8Array): ClientInfo {
  return clientInfo(fromBinary(ClientInfoSchema, bytes));
}
