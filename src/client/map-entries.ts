import { create, type MessageInitShape, toBinary, type UnknownField } from "@bufbuild/protobuf";
import { WireType } from "@bufbuild/protobuf/wire";
import {
  PublicationSchema,
  type SubscribeResult,
  SubscribeResultSchema,
  type Publication as WirePublication,
} from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { Publication } from "../core/publication.js";
import { EncodedJson, encodeJsonMessage } from "../protocol/json/json-encode.js";
import { lengthPrefixed } from "../protocol/varint.js";
import type { Connection } from "./connection.js";
import { wirePublication } from "./wire.js";

type Encoded = EncodedJson | Uint8Array;

/**
 * Each entry's encodings, in slots by protocol and delta mode (see slotOf).
 * Keyed by the publication object: the memory broker hands every reader the
 * entries it stores, so the subscribers paging through one state share one
 * encoding of each entry, and a rewritten key (a new object) is encoded anew.
 * Entries read from Redis are new objects per read and simply not shared.
 */
const encodings = new WeakMap<Publication, Encoded[]>();

function slotOf(json: boolean, deltaMode: boolean): number {
  return (json ? 0 : 2) + (deltaMode ? 1 : 0);
}

/** One entry as a JSON client (EncodedJson) or a protobuf client (length-prefixed bytes) receives it. */
function encodedEntry(s: Connection, pub: Publication, deltaMode: boolean): Encoded {
  const json = s.codec.name === "json";
  const slot = slotOf(json, deltaMode);
  let slots = encodings.get(pub);
  const cached = slots?.[slot];
  if (cached) return cached;
  const message = create(PublicationSchema, wirePublication(s, pub, deltaMode));
  let entry: Encoded;
  if (json) {
    const written = encodeJsonMessage(PublicationSchema, message);
    entry = new EncodedJson("value" in written ? written.value : undefined);
  } else {
    entry = lengthPrefixed(toBinary(PublicationSchema, message));
  }
  if (!slots) {
    slots = [];
    encodings.set(pub, slots);
  }
  slots[slot] = entry;
  return entry;
}

/** Map entries of a subscribe reply: its state (the keys) and its publications (the stream). */
export interface MapEntries {
  readonly state?: readonly Publication[] | undefined;
  readonly publications?: readonly Publication[] | undefined;
}

/**
 * A map subscribe reply's result carrying `entries` encoded once for every
 * subscriber of the same protocol and delta mode, as a live publication is:
 * a JSON reply embeds each entry's JSON in place, a protobuf reply carries
 * each entry's bytes as its repeated field (after the other fields, which
 * protobuf allows). A payload a JSON client cannot take still fails the
 * reply's encoding, so the connection is closed as before (3506).
 */
export function mapResult(
  s: Connection,
  init: MessageInitShape<typeof SubscribeResultSchema>,
  entries: MapEntries,
  deltaMode: boolean,
): SubscribeResult {
  const result = create(SubscribeResultSchema, init);
  const state = (entries.state ?? []).map((pub) => encodedEntry(s, pub, deltaMode));
  const publications = (entries.publications ?? []).map((pub) => encodedEntry(s, pub, deltaMode));
  if (s.codec.name === "json") {
    // The JSON writer embeds an EncodedJson wherever a message goes.
    result.state = state as unknown as WirePublication[];
    result.publications = publications as unknown as WirePublication[];
    return result;
  }
  const field = (no: number) => (bytes: Encoded) =>
    ({ no, wireType: WireType.LengthDelimited, data: bytes as Uint8Array }) satisfies UnknownField;
  result.$unknown = [
    ...publications.map(field(SubscribeResultSchema.field.publications.number)),
    ...state.map(field(SubscribeResultSchema.field.state.number)),
  ];
  return result;
}
