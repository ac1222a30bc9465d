import type { ClientInfo, Publication, StreamPosition } from "../../core/publication.js";
import { decodeClientInfo, decodePublication, encodeClientInfo } from "../publication-codec.js";

/** What arrives on a channel's PUB/SUB channel. */
export type PubSubMessage =
  | {
      readonly kind: "publication";
      readonly pub: Publication;
      readonly position: StreamPosition;
      readonly delta: boolean;
      readonly prev: Publication | undefined;
    }
  | { readonly kind: "join" | "leave"; readonly info: ClientInfo };

const underscore = 0x5f;
const colon = 0x3a;
const joinPrefix = Buffer.from("__j__");
const leavePrefix = Buffer.from("__l__");

/** A join (`__j__` + ClientInfo) or leave (`__l__` + ClientInfo) message. */
export function encodeJoinLeave(kind: "join" | "leave", info: ClientInfo): Buffer {
  return Buffer.concat([kind === "join" ? joinPrefix : leavePrefix, encodeClientInfo(info)]);
}

/** Reads a decimal number in `[start, end)` of a PUB/SUB header; undefined when the text is not one. */
export function decimal(message: Buffer, start: number, end: number): number | undefined {
  if (end <= start || end - start > 16) return undefined;
  let n = 0;
  for (let i = start; i < end; i++) {
    const digit = message[i]! - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    n = n * 10 + digit;
  }
  return n;
}

/** `__p1:<offset>:<epoch>__<publication>`. */
function positioned(message: Buffer): PubSubMessage | undefined {
  const end = message.indexOf("__", 2);
  const sep = message.indexOf(colon, 5);
  if (end < 0 || sep < 0 || sep > end) return undefined;
  const offset = decimal(message, 5, sep);
  if (offset === undefined) return undefined;
  const epoch = message.toString("latin1", sep + 1, end);
  const { pub, delta } = decodePublication(message.subarray(end + 2), offset);
  return { kind: "publication", pub, position: { offset: pub.offset, epoch }, delta, prev: undefined };
}

/** `__d1:<offset>:<epoch>:<prev length>:<prev>:<length>:<publication>`, lengths in bytes. */
function withPrevious(message: Buffer): PubSubMessage | undefined {
  let at = 5;
  const field = () => {
    const sep = message.indexOf(colon, at);
    if (sep < 0) return undefined;
    const range = [at, sep] as const;
    at = sep + 1;
    return range;
  };
  const offsetRange = field();
  const epochRange = field();
  const prevRange = field();
  if (!offsetRange || !epochRange || !prevRange) return undefined;
  const offset = decimal(message, ...offsetRange);
  const prevLength = decimal(message, ...prevRange);
  if (offset === undefined || prevLength === undefined || at + prevLength >= message.length) return undefined;
  const prevBytes = message.subarray(at, at + prevLength);
  at += prevLength;
  if (message[at] !== colon) return undefined;
  at += 1;
  const lengthRange = field();
  const length = lengthRange && decimal(message, ...lengthRange);
  if (length === undefined || at + length !== message.length) return undefined;
  const epoch = message.toString("latin1", ...epochRange);
  const { pub } = decodePublication(message.subarray(at), offset);
  const prev = prevLength > 0 ? decodePublication(prevBytes, offset - 1).pub : undefined;
  return { kind: "publication", pub, position: { offset: pub.offset, epoch }, delta: true, prev };
}

/**
 * Decodes a PUB/SUB message in Centrifugo's formats: a bare Publication
 * (no history), `__p1:` with a stream position, `__d1:` also carrying the
 * previous publication for deltas, `__j__` / `__l__` joins and leaves.
 * Undefined for anything else (the caller counts it as malformed).
 */
export function decodePubSubMessage(message: Buffer): PubSubMessage | undefined {
  try {
    if (message[0] !== underscore) {
      const { pub, delta } = decodePublication(message, 0);
      return { kind: "publication", pub, position: { offset: 0, epoch: "" }, delta, prev: undefined };
    }
    const type = message.toString("latin1", 0, 5);
    if (type === "__p1:") return positioned(message);
    if (type === "__d1:") return withPrevious(message);
    if (type === "__j__") return { kind: "join", info: decodeClientInfo(message.subarray(5)) };
    if (type === "__l__") return { kind: "leave", info: decodeClientInfo(message.subarray(5)) };
    return undefined;
  } catch {
    return undefined;
  }
}
