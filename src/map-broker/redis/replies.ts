import { decodeMapPublication } from "../map-publication-codec.js";
import type { MapPublication, MapStateResult, MapStreamResult } from "../types.js";
import { splitStoredValue } from "./pubsub-payload.js";

const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString() : String(value ?? ""));
const asBuffer = (value: unknown) => (Buffer.isBuffer(value) ? value : Buffer.from(text(value)));

/**
 * `{offset, epoch, cursor, flat field/value list}` → state entries: the key
 * from the field name, the offset from the value's header. Values that do not
 * parse are skipped, as Centrifugo skips them. Cursor "0" ends the read.
 */
export function readStateReply(reply: unknown): MapStateResult {
  const [offset, epoch, cursor, flat] = reply as [unknown, unknown, unknown, unknown[]];
  const publications: MapPublication[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const stored = splitStoredValue(asBuffer(flat[i + 1]));
    if (!stored) continue;
    try {
      publications.push({ ...decodeMapPublication(stored.rest, stored.offset), key: text(flat[i]) });
    } catch {
      // Not a publication: skipped like any unreadable value.
    }
  }
  const next = text(cursor);
  return {
    publications,
    position: { offset: Number(text(offset) || 0), epoch: text(epoch) },
    cursor: next === "0" ? "" : next,
  };
}

/** `{top, epoch, entries?}` → the stream position and changes (offset = entry id before `-`, publication in field `d`). */
export function readStreamReply(reply: unknown): MapStreamResult {
  const [top, epoch, entries] = reply as [unknown, unknown, [Buffer, Buffer[]][] | undefined];
  const publications: MapPublication[] = [];
  for (const [id, fields] of entries ?? []) {
    const offset = Number(text(id).split("-")[0]);
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (text(fields[i]) === "d") publications.push(decodeMapPublication(fields[i + 1]!, offset));
    }
  }
  return { publications, position: { offset: Number(text(top) || 0), epoch: text(epoch) } };
}
