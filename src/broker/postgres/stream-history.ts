import type { HistoryFilter, HistoryResult } from "../../core/broker.js";
import type { Queryable } from "../../postgres/postgres-client.js";
import { newEpochSql } from "../../postgres/shard-lock-sql.js";
import { rowPublication, type StreamRow, streamRowColumns } from "./stream-rows.js";
import type { StreamNames } from "./stream-tables.js";

interface MetaRow {
  top: string;
  epoch: string;
  ttl_ms: string;
  size: number;
}

const weekMs = 7 * 86_400_000;

/**
 * A channel's history as Centrifugo's PostgreSQL broker reads it: the
 * position from the meta row (made when missing, see startStream), the window of the
 * last `history_size` offsets, rows of the current epoch younger than the
 * history TTL (applied when reading; rows stay until their partition is
 * dropped), forward after `since` or backward before it.
 */
export async function readHistory(
  db: Queryable,
  n: StreamNames,
  channel: string,
  filter: HistoryFilter,
): Promise<HistoryResult> {
  const meta = (await readMeta(db, n, channel)) ?? (await startStream(db, n, channel, filter.metaTtl));
  const top = Number(meta.top);
  const position = { offset: top, epoch: meta.epoch };
  if (filter.limit === 0) return { publications: [], position };
  const windowStart = meta.size > 0 && top >= meta.size ? top - meta.size + 1 : 1;
  const since = filter.since?.offset ?? 0;
  const [from, to] = filter.reverse
    ? [windowStart, since > 0 ? since - 1 : top]
    : [Math.max(since + 1, windowStart), top];
  const limits = [filter.limit, meta.size].filter((l) => l > 0);
  const limit = limits.length > 0 ? Math.min(...limits) : null;
  if (from > to) return { publications: [], position };
  const ttl = Number(meta.ttl_ms);
  const { rows } = await db.query<StreamRow>(
    `SELECT ${streamRowColumns} FROM ${n.base}
     WHERE channel = $1 AND epoch = $2 AND kind = 0 AND channel_offset BETWEEN $3 AND $4
       AND ($5::bigint <= 0 OR created_at > NOW() - $5::bigint * INTERVAL '1 millisecond')
     ORDER BY channel_offset ${filter.reverse ? "DESC" : "ASC"} LIMIT $6`,
    [channel, meta.epoch, from, to, ttl, limit],
  );
  return { publications: rows.map(rowPublication), position };
}

function readMeta(db: Queryable, n: StreamNames, channel: string): Promise<MetaRow | undefined> {
  return db
    .query<MetaRow>(
      `SELECT top_offset AS top, epoch, (extract(epoch FROM history_ttl) * 1000)::bigint AS ttl_ms, history_size AS size
       FROM ${n.meta} WHERE channel = $1`,
      [channel],
    )
    .then((r) => r.rows[0]);
}

/**
 * A stream nobody published to yet gets its meta row (and epoch) when it is
 * first read, as on Redis: a subscriber positioned at offset 0 then holds
 * the epoch the first publication will carry. (Centrifugo's PostgreSQL
 * broker answers an empty epoch here, which the first publication then
 * contradicts.)
 */
async function startStream(
  db: Queryable,
  n: StreamNames,
  channel: string,
  metaTtl: number,
): Promise<MetaRow> {
  await db.query(
    `INSERT INTO ${n.meta} (channel, epoch, expires_at)
     VALUES ($1, ${newEpochSql}, NOW() + $2::bigint * INTERVAL '1 millisecond')
     ON CONFLICT (channel) DO NOTHING`,
    [channel, metaTtl > 0 ? metaTtl : weekMs],
  );
  const meta = await readMeta(db, n, channel);
  if (!meta) throw new Error(`broker.postgres: the stream meta of ${channel} vanished while it was made`);
  return meta;
}
