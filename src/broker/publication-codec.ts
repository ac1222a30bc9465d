import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ClientInfoSchema, PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { ClientInfo, Publication } from "../core/publication.js";
import { varintSize, writeVarint } from "../protocol/varint.js";

const empty = new Uint8Array();

function infoInit(info: ClientInfo) {
  return {
    user: info.user,
    client: info.client,
    connInfo: info.connInfo ?? empty,
    chanInfo: info.chanInfo ?? empty,
  };
}

/** A decoded protobuf ClientInfo as the engine holds it (empty infos left out). */
export function clientInfo(info: {
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

/** Bytes of a length-delimited field: tag, length, content. */
const delimited = (length: number) => 1 + varintSize(length) + length;

function infoSize(info: ClientInfo, user: number, client: number): number {
  let size = 0;
  if (user > 0) size += delimited(user);
  if (client > 0) size += delimited(client);
  if (info.connInfo?.length) size += delimited(info.connInfo.length);
  if (info.chanInfo?.length) size += delimited(info.chanInfo.length);
  return size;
}

function writeString(out: Buffer, at: number, tag: number, text: string, length: number): number {
  out[at] = tag;
  at = writeVarint(out, at + 1, length);
  return at + out.write(text, at);
}

function writeBytes(out: Buffer, at: number, tag: number, bytes: Uint8Array): number {
  out[at] = tag;
  at = writeVarint(out, at + 1, bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

/**
 * A publication as Centrifugo stores and publishes it (in a Redis stream or
 * PUB/SUB message, inside a NATS Push): protobuf `Publication` (protocol
 * field numbers) without its offset, which lives in the stream id or the
 * PUB/SUB header. `delta` marks a publication sent
 * without history that subscribers may receive as a delta; `version` (0 =
 * none) is the API publish's, for clients to see. Written by hand
 * (it runs once per publish), byte for byte what the generated encoder
 * writes: fields in number order, proto3 defaults left out, map entries
 * with both key and value.
 */
export function encodePublication(
  data: Uint8Array,
  info: ClientInfo | undefined,
  tags: Readonly<Record<string, string>> | undefined,
  time: number,
  delta: boolean,
  version = 0,
): Buffer {
  let size = data.length > 0 ? delimited(data.length) : 0;
  const user = info ? Buffer.byteLength(info.user) : 0;
  const client = info ? Buffer.byteLength(info.client) : 0;
  const infoLength = info ? infoSize(info, user, client) : 0;
  if (info) size += delimited(infoLength);
  const tagLengths: number[] = [];
  for (const key in tags) {
    const k = Buffer.byteLength(key);
    const v = Buffer.byteLength(tags[key]!);
    const entry = delimited(k) + delimited(v);
    tagLengths.push(k, v, entry);
    size += delimited(entry);
  }
  if (delta) size += 2;
  if (time !== 0) size += 1 + varintSize(time);
  if (version !== 0) size += 2 + varintSize(version);
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  if (data.length > 0) at = writeBytes(out, at, 0x22, data);
  if (info) {
    out[at] = 0x2a;
    at = writeVarint(out, at + 1, infoLength);
    if (user > 0) at = writeString(out, at, 0x0a, info.user, user);
    if (client > 0) at = writeString(out, at, 0x12, info.client, client);
    if (info.connInfo?.length) at = writeBytes(out, at, 0x1a, info.connInfo);
    if (info.chanInfo?.length) at = writeBytes(out, at, 0x22, info.chanInfo);
  }
  let t = 0;
  for (const key in tags) {
    const [k, v, entry] = [tagLengths[t]!, tagLengths[t + 1]!, tagLengths[t + 2]!];
    t += 3;
    out[at] = 0x3a;
    at = writeVarint(out, at + 1, entry);
    at = writeString(out, at, 0x0a, key, k);
    at = writeString(out, at, 0x12, tags[key]!, v);
  }
  if (delta) {
    out[at++] = 0x40;
    out[at++] = 1;
  }
  if (time !== 0) {
    out[at] = 0x48;
    at = writeVarint(out, at + 1, time);
  }
  if (version !== 0) {
    out[at] = 0x80;
    out[at + 1] = 0x01;
    writeVarint(out, at + 2, version);
  }
  return out;
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
      version: message.version > 0n ? Number(message.version) : undefined,
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
