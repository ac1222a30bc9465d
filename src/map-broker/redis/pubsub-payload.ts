import { decimal } from "../../broker/redis/pubsub-payload.js";
import type { StreamPosition } from "../../core/publication.js";
import { decodeMapPublication } from "../map-publication-codec.js";
import type { MapPublication } from "../types.js";

/** A map change as it arrives on a channel's PUB/SUB channel. */
export interface MapPubSubMessage {
  readonly pub: MapPublication;
  readonly position: StreamPosition;
  readonly delta: boolean;
  readonly prev: MapPublication | undefined;
}

const colon = 0x3a;

/** Splits `<offset>:<epoch>:<rest>`; undefined when the header is not one. */
export function splitStoredValue(value: Buffer): { offset: number; epoch: string; rest: Buffer } | undefined {
  const first = value.indexOf(colon);
  const offset = first < 0 ? undefined : decimal(value, 0, first);
  const second = first < 0 ? -1 : value.indexOf(colon, first + 1);
  if (offset === undefined || second < 0) return undefined;
  return { offset, epoch: value.toString("latin1", first + 1, second), rest: value.subarray(second + 1) };
}

/** `d:<offset>:<epoch>:<prev length>:<prev state value>:<length>:<publication>`, lengths in bytes. */
function withPrevious(message: Buffer): MapPubSubMessage | undefined {
  const head = splitStoredValue(message.subarray(2));
  if (!head) return undefined;
  const rest = head.rest;
  const sep = rest.indexOf(colon);
  const prevLength = sep < 0 ? undefined : decimal(rest, 0, sep);
  if (prevLength === undefined || sep + 1 + prevLength >= rest.length) return undefined;
  const prevValue = rest.subarray(sep + 1, sep + 1 + prevLength);
  let at = sep + 1 + prevLength;
  if (rest[at] !== colon) return undefined;
  at += 1;
  const lengthEnd = rest.indexOf(colon, at);
  const length = lengthEnd < 0 ? undefined : decimal(rest, at, lengthEnd);
  if (length === undefined || lengthEnd + 1 + length !== rest.length) return undefined;
  const pub = decodeMapPublication(rest.subarray(lengthEnd + 1), head.offset);
  const stored = splitStoredValue(prevValue);
  const prev = stored ? decodeMapPublication(stored.rest, stored.offset) : undefined;
  return { pub, position: { offset: head.offset, epoch: head.epoch }, delta: true, prev };
}

/**
 * Decodes a map PUB/SUB message in Centrifugo's forms: `d:` with the key's
 * previous value (for deltas), `<offset>:<epoch>:<publication>`, or a bare
 * Publication (offset 0). Undefined for anything else (counted as malformed).
 */
export function decodeMapPubSubMessage(message: Buffer): MapPubSubMessage | undefined {
  try {
    if (message[0] === 0x64 && message[1] === colon) return withPrevious(message);
    const plain = message[0]! >= 0x30 && message[0]! <= 0x39 ? splitStoredValue(message) : undefined;
    if (!plain) {
      const pub = decodeMapPublication(message, 0);
      return { pub, position: { offset: 0, epoch: "" }, delta: false, prev: undefined };
    }
    const pub = decodeMapPublication(plain.rest, plain.offset);
    return { pub, position: { offset: plain.offset, epoch: plain.epoch }, delta: false, prev: undefined };
  } catch {
    return undefined;
  }
}
