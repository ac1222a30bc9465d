import type { StreamPosition } from "../../core/publication.js";
import {
  type PayloadColumn,
  type PublisherColumns,
  payloadBytes,
  rowInfo,
  rowTags,
} from "../../postgres/payload-columns.js";
import type { MapBrokerEventHandler, MapPublication } from "../types.js";

/** A row of the map stream table as pollers and stream reads take it: JSONB as its text, BYTEA as bytes. */
export interface MapStreamRow extends PublisherColumns {
  id: string;
  channel: string;
  channel_offset: string;
  epoch: string;
  key: string;
  data: PayloadColumn;
  tags: string | null;
  removed: boolean | null;
  prev_data: PayloadColumn;
  time: string;
}

/** A row of the state table: a key's current value and the offset of its last write. */
export interface MapStateRow extends PublisherColumns {
  key: string;
  data: PayloadColumn;
  tags: string | null;
  key_offset: string;
  time: string;
}

const time = "(extract(epoch FROM created_at) * 1000)::bigint AS time";

/** The columns a poller or stream read selects, in the shape of `MapStreamRow`. */
export const mapStreamColumns = `id, channel, channel_offset, epoch, key, data, tags, client_id, user_id, conn_info, chan_info, removed, prev_data, ${time}`;

/** The columns a state read selects, in the shape of `MapStateRow`. */
export const mapStateColumns =
  "key, data, tags, client_id, user_id, conn_info, chan_info, key_offset, (extract(epoch FROM updated_at) * 1000)::bigint AS time";

/**
 * A change as the node takes it. Offsets of ephemeral channels are 0:
 * the table gives every change an offset, but ephemeral subscribers have
 * no position to hold.
 */
export function streamPublication(row: MapStreamRow, stream: boolean): MapPublication {
  return {
    offset: stream ? Number(row.channel_offset) : 0,
    key: row.key,
    removed: row.removed === true,
    data: payloadBytes(row.data),
    info: rowInfo(row),
    tags: rowTags(row.tags),
    time: Number(row.time),
  };
}

/** A current entry: its key, value and the offset of its last write (0 in ephemeral channels). */
export function statePublication(row: MapStateRow, stream: boolean): MapPublication {
  return {
    offset: stream ? Number(row.key_offset) : 0,
    key: row.key,
    removed: false,
    data: payloadBytes(row.data),
    info: rowInfo(row),
    tags: rowTags(row.tags),
    time: Number(row.time),
  };
}

/** Hands one change to the node, with the key's previous value when the write asked for a delta. */
export function dispatchMapRow(row: MapStreamRow, stream: boolean, handler: MapBrokerEventHandler): void {
  const pub = streamPublication(row, stream);
  const position: StreamPosition = { offset: pub.offset, epoch: row.epoch };
  const prev = payloadBytes(row.prev_data);
  if (prev.length === 0) {
    handler.onPublication(row.channel, pub, position, false);
    return;
  }
  const before: MapPublication = { offset: 0, key: row.key, removed: false, data: prev, time: 0 };
  handler.onPublication(row.channel, pub, position, true, before);
}
