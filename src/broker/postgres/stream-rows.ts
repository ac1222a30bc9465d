import type { BrokerEventHandler } from "../../core/broker.js";
import type { ClientInfo, Publication } from "../../core/publication.js";

/** A row of the stream table as pollers read it: JSONB columns as their text, BYTEA as bytes. */
export interface StreamRow {
  id: string;
  channel: string;
  channel_offset: string;
  epoch: string;
  kind: number;
  data: string | Buffer | null;
  tags: string | null;
  client_id: string | null;
  user_id: string | null;
  conn_info: string | Buffer | null;
  chan_info: string | Buffer | null;
  prev_data: string | Buffer | null;
  time: string;
}

/** The columns a poller selects, in the shape of `StreamRow`. */
export const streamRowColumns =
  "id, channel, channel_offset, epoch, kind, data, tags, client_id, user_id, conn_info, chan_info, prev_data, " +
  "(extract(epoch FROM created_at) * 1000)::bigint AS time";

const empty = new Uint8Array();

/** A payload column as bytes: JSONB text is UTF-8 encoded, BYTEA is already bytes. */
export function payloadBytes(value: string | Buffer | null): Uint8Array {
  if (value === null) return empty;
  return typeof value === "string" ? Buffer.from(value) : value;
}

/** The payload for a payload column: JSON text for the JSONB variant, bytes for BYTEA. */
export function payloadParam(bytes: Uint8Array | undefined, binary: boolean): string | Buffer | null {
  if (!bytes || bytes.length === 0) return null;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return binary ? buffer : buffer.toString();
}

function rowInfo(row: StreamRow): ClientInfo | undefined {
  if (row.client_id === null && row.user_id === null) return undefined;
  const connInfo = payloadBytes(row.conn_info);
  const chanInfo = payloadBytes(row.chan_info);
  return {
    user: row.user_id ?? "",
    client: row.client_id ?? "",
    connInfo: connInfo.length > 0 ? connInfo : undefined,
    chanInfo: chanInfo.length > 0 ? chanInfo : undefined,
  };
}

/**
 * Tags as the protocol carries them, string to string: SQL callers may
 * write other JSON values, which are passed on as their JSON text.
 */
function rowTags(text: string): Record<string, string> {
  const parsed: unknown = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error("tags are not a JSON object");
  }
  return Object.fromEntries(
    Object.entries(parsed).map(([key, value]) => [
      key,
      typeof value === "string" ? value : JSON.stringify(value),
    ]),
  );
}

/** A publication read from the stream table (history and delivery alike). */
export function rowPublication(row: StreamRow): Publication {
  return {
    offset: Number(row.channel_offset),
    data: payloadBytes(row.data),
    info: rowInfo(row),
    tags: row.tags === null ? undefined : rowTags(row.tags),
    time: Number(row.time),
  };
}

/**
 * Hands one row to the node: a publication with its position (and the
 * previous publication's data when the publish asked for a delta), a join
 * or a leave.
 */
export function dispatchRow(row: StreamRow, handler: BrokerEventHandler): void {
  if (row.kind === 1 || row.kind === 2) {
    const info = rowInfo(row) ?? { user: "", client: "" };
    if (row.kind === 1) handler.onJoin(row.channel, info);
    else handler.onLeave(row.channel, info);
    return;
  }
  const pub = rowPublication(row);
  const position = { offset: pub.offset, epoch: row.epoch };
  if (row.prev_data === null) {
    handler.onPublication(row.channel, pub, position, false);
    return;
  }
  const prev: Publication = { offset: pub.offset - 1, data: payloadBytes(row.prev_data), time: 0 };
  handler.onPublication(row.channel, pub, position, true, prev);
}
