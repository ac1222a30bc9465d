import type { HistoryFilter, HistoryResult, PublishResult } from "../../core/broker.js";
import type { Publication } from "../../core/publication.js";
import { decodePublication } from "../publication-codec.js";

const text = (value: unknown) => (Buffer.isBuffer(value) ? value.toString("latin1") : String(value ?? ""));
const number = (value: unknown) => (typeof value === "number" ? value : Number(text(value) || 0));
/** A reply flag: the integer 1. */
const isOne = (value: unknown) => value === 1;

/**
 * ARGV 1–4 of the stream read (include, start, limit, reverse), computed as
 * Centrifugo's node does: forward reads start after `since`, reverse reads
 * before it, limit 0 reads only the position and -1 everything.
 */
export function historyArgs(filter: HistoryFilter): [string, string, string, string] {
  const { since, limit, reverse } = filter;
  let include = limit !== 0;
  let start = "0";
  if (since) {
    const from = reverse ? since.offset - 1 : since.offset + 1;
    if (from <= 0) include = false;
    else start = String(from);
  }
  return [include ? "1" : "0", start, limit > 0 ? String(limit) : "0", reverse ? "1" : "0"];
}

/** `{top, epoch, entries?}` → the stream position and publications (offset = stream id before `-`). */
export function readHistoryReply(reply: unknown): HistoryResult {
  const [top, epoch, entries] = reply as [unknown, unknown, [Buffer, Buffer[]][] | undefined];
  const publications: Publication[] = [];
  for (const [id, fields] of entries ?? []) {
    const offset = Number(text(id).split("-")[0]);
    for (let i = 0; i + 1 < fields.length; i += 2) {
      if (text(fields[i]) === "d") publications.push(decodePublication(fields[i + 1]!, offset).pub);
    }
  }
  return { publications, position: { offset: number(top), epoch: text(epoch) } };
}

/** `{offset, epoch, idempotent hit, suppressed}` (flags 0/1) → the publish result the API answers with. */
export function readPublishReply(reply: unknown): PublishResult {
  const [offset, epoch, repeated, suppressed] = reply as unknown[];
  const result = { offset: number(offset), epoch: text(epoch), suppressed: isOne(suppressed) };
  return isOne(repeated) ? { ...result, repeated: true } : result;
}
