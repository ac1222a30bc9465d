import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import type { ClientInfo, Publication } from "../../core/publication.js";
import {
  decodeClientInfo,
  decodePublication,
  encodeClientInfo,
  encodePublication,
} from "../publication-codec.js";

/** What arrives on a channel's subject: Centrifugo's protocol `Push` with one of pub, join, leave. */
export type PushMessage =
  | {
      readonly kind: "publication";
      readonly channel: string;
      readonly pub: Publication;
      readonly delta: boolean;
    }
  | { readonly kind: "join" | "leave"; readonly channel: string; readonly info: ClientInfo };

/** Push field numbers (protocol/client.proto). */
const field = { channel: 2, pub: 4, join: 5, leave: 6 } as const;
/** Join and Leave hold the ClientInfo in field 1. */
const infoField = 1;

function push(channel: string, body: number, bytes: Uint8Array): Uint8Array {
  return new BinaryWriter()
    .tag(field.channel, WireType.LengthDelimited)
    .string(channel)
    .tag(body, WireType.LengthDelimited)
    .bytes(bytes)
    .finish();
}

/**
 * A publication as a NATS message: Push{channel, pub} where the Publication
 * carries data, info, tags, time, the delta flag and the version (no
 * offset: NATS keeps no history).
 */
export function encodePublicationPush(
  channel: string,
  data: Uint8Array,
  info: ClientInfo | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  time: number,
  delta: boolean,
  version?: number,
): Uint8Array {
  return push(channel, field.pub, encodePublication(data, info, tags, time, delta, version));
}

/** A join or leave as a NATS message: Push{channel, join|leave: {info}}. */
export function encodeJoinLeavePush(kind: "join" | "leave", channel: string, info: ClientInfo): Uint8Array {
  const body = new BinaryWriter()
    .tag(infoField, WireType.LengthDelimited)
    .bytes(encodeClientInfo(info))
    .finish();
  return push(channel, kind === "join" ? field.join : field.leave, body);
}

/** The ClientInfo inside a Join or Leave message. */
function joinLeaveInfo(bytes: Uint8Array): ClientInfo {
  const reader = new BinaryReader(bytes);
  let info: Uint8Array = new Uint8Array();
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    if (fieldNo === infoField && wireType === WireType.LengthDelimited) info = reader.bytes();
    else reader.skip(wireType, fieldNo);
  }
  return decodeClientInfo(info);
}

/**
 * Decodes a Push from a channel subject; the delta flag is moved out of the
 * publication. Undefined for bytes that are not a Push or a Push of another
 * kind (the caller counts it as malformed).
 */
export function decodePush(bytes: Uint8Array): PushMessage | undefined {
  try {
    const reader = new BinaryReader(bytes);
    let channel = "";
    let body: { fieldNo: number; bytes: Uint8Array } | undefined;
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      if (fieldNo === field.channel && wireType === WireType.LengthDelimited) channel = reader.string();
      else if (fieldNo >= field.pub && fieldNo <= field.leave && wireType === WireType.LengthDelimited) {
        body = { fieldNo, bytes: reader.bytes() };
      } else reader.skip(wireType, fieldNo);
    }
    if (!body) return undefined;
    if (body.fieldNo === field.pub)
      return { kind: "publication", channel, ...decodePublication(body.bytes, 0) };
    return { kind: body.fieldNo === field.join ? "join" : "leave", channel, info: joinLeaveInfo(body.bytes) };
  } catch {
    return undefined;
  }
}
