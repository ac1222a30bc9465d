import type { BrokerEventHandler } from "../../core/broker.js";
import type { Publication } from "../../core/publication.js";
import { type PayloadColumn, payloadBytes, rowInfo, rowTags } from "../../postgres/payload-columns.js";

/** A row of the stream table as pollers read it: JSONB columns as their text, BYTEA as bytes. */
export interface StreamRow {
  id: string;
  channel: string;
  channel_offset: string;
  epoch: string;
  kind: number;
  data: PayloadColumn;
  tags: string | null;
  client_id: string | null;
  user_id: string | null;
  conn_info: PayloadColumn;
  chan_info: PayloadColumn;
  prev_data: PayloadColumn;
  time: string;
}

/** The columns a poller selects, in the shape of `StreamRow`. */
export const streamRowColumns =
  "id, channel, channel_offset, epoch, kind, data, tags, client_id, user_id, conn_info, chan_info, prev_data, " +
  "(extract(epoch FROM created_at) * 1000)::bigint AS time";

/** A publication read from the stream table (history and delivery alike). */
export function rowPublication(row: StreamRow): Publication {
  return {
    offset: Number(row.channel_offset),
    data: payloadBytes(row.data),
    info: rowInfo(row),
    tags: rowTags(row.tags),
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
