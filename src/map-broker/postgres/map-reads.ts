import type { StreamPosition } from "../../core/publication.js";
import { errors } from "../../errors/rotor-error.js";
import type { PostgresClient, Queryable } from "../../postgres/postgres-client.js";
import { newEpochSql } from "../../postgres/shard-lock-sql.js";
import type {
  MapChannelOptions,
  MapStateRequest,
  MapStateResult,
  MapStreamRequest,
  MapStreamResult,
} from "../types.js";
import { hasStream } from "../write-checks.js";
import {
  type MapStateRow,
  type MapStreamRow,
  mapStateColumns,
  mapStreamColumns,
  statePublication,
  streamPublication,
} from "./map-rows.js";
import type { MapNames } from "./map-tables.js";
import { metaTtlOf } from "./meta-ttl.js";

/** Most keys one state read returns (Centrifugo's cap for "all"); the cursor continues from there. */
const maxStatePage = 100_000;

/** Reads see the meta row and the rows of one snapshot. */
const snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";

/** The channel's position; offset 0 for ephemeral channels, `{0, ""}` when it has no meta row. */
async function readPosition(db: Queryable, n: MapNames, channel: string, stream: boolean) {
  const { rows } = await db.query<{ top: string; epoch: string }>(
    `SELECT top_offset AS top, epoch FROM ${n.meta} WHERE channel = $1`,
    [channel],
  );
  const meta = rows[0];
  return { offset: meta && stream ? Number(meta.top) : 0, epoch: meta?.epoch ?? "" };
}

/**
 * A stream-mode channel nobody wrote to yet gets its meta row (and epoch)
 * when first read, as on the other map brokers: a subscriber then holds the
 * epoch its first change will carry. Keys left from a forgotten epoch go
 * with it, as a write that makes the row drops them.
 */
async function startMap(db: PostgresClient, n: MapNames, channel: string, options: MapChannelOptions) {
  const metaTtl = metaTtlOf(options);
  const { rows } = await db.query(`SELECT 1 FROM ${n.meta} WHERE channel = $1`, [channel]);
  if (rows.length > 0) return;
  await db.query(
    `WITH made AS (
       INSERT INTO ${n.meta} (channel, epoch, expires_at)
       VALUES ($1, ${newEpochSql}, NOW() + $2::bigint * INTERVAL '1 millisecond')
       ON CONFLICT (channel) DO NOTHING RETURNING 1)
     DELETE FROM ${n.state} WHERE channel = $1 AND EXISTS (SELECT 1 FROM made)`,
    [channel, metaTtl > 0 ? metaTtl : null],
  );
}

const unrecoverableUnless = (given: StreamPosition | undefined, position: StreamPosition) => {
  if (given?.epoch && given.epoch !== position.epoch) throw errors.unrecoverablePosition();
};

/**
 * A page of current entries in key order (the database's collation) after
 * the cursor, the position and the meta read in one snapshot; the cursor is
 * the page's last key while more follow. Expired keys not yet removed are
 * still there, as everywhere.
 */
export async function readMapState(
  db: PostgresClient,
  n: MapNames,
  channel: string,
  options: MapChannelOptions,
  request: MapStateRequest,
): Promise<MapStateResult> {
  const stream = hasStream(options);
  if (stream) await startMap(db, n, channel, options);
  return db.transaction(async (tx) => {
    const position = await readPosition(tx, n, channel, stream);
    if (request.revision && request.revision.epoch !== position.epoch) throw errors.unrecoverablePosition();
    const entries = (rows: MapStateRow[]) => rows.map((row) => statePublication(row, stream));
    if (request.key !== undefined) {
      const { rows } = await tx.query<MapStateRow>(
        `SELECT ${mapStateColumns} FROM ${n.state} WHERE channel = $1 AND key = $2`,
        [channel, request.key],
      );
      return { publications: entries(rows), position, cursor: "" };
    }
    if (request.limit === 0) return { publications: [], position, cursor: "" };
    const limit = request.limit < 0 ? maxStatePage : Math.min(request.limit, maxStatePage);
    const { rows } = await tx.query<MapStateRow>(
      `SELECT ${mapStateColumns} FROM ${n.state} WHERE channel = $1 AND key > $2 ORDER BY key LIMIT $3`,
      [channel, request.cursor ?? "", limit + 1],
    );
    const more = rows.length > limit;
    const page = more ? rows.slice(0, limit) : rows;
    return { publications: entries(page), position, cursor: more ? page[page.length - 1]!.key : "" };
  }, snapshot);
}

/**
 * Changes of the current epoch after (or, reversed, before) `since`, as
 * the namespace keeps them: the last `stream_size` offsets, younger than
 * `stream_ttl` (applied when reading; rows stay until their partition is
 * dropped). Ephemeral channels keep no stream. The position is read first
 * (alone, for a position check): rows up to it are committed, and a change
 * of epoch meanwhile shows as missing rows, which callers treat as a gap.
 */
export async function readMapStream(
  db: PostgresClient,
  n: MapNames,
  channel: string,
  options: MapChannelOptions,
  request: MapStreamRequest,
): Promise<MapStreamResult> {
  const stream = hasStream(options);
  let position = await readPosition(db, n, channel, stream);
  if (stream && position.epoch === "") {
    await startMap(db, n, channel, options);
    position = await readPosition(db, n, channel, stream);
  }
  unrecoverableUnless(request.since, position);
  if (request.limit === 0 || !stream || position.offset === 0) return { publications: [], position };
  const top = position.offset;
  const windowStart = options.streamSize > 0 ? Math.max(1, top - options.streamSize + 1) : 1;
  const since = request.since?.offset ?? 0;
  const [from, to] = request.reverse
    ? [windowStart, since > 0 ? since - 1 : top]
    : [Math.max(since + 1, windowStart), top];
  if (from > to) return { publications: [], position };
  const { rows } = await db.query<MapStreamRow>(
    `SELECT ${mapStreamColumns} FROM ${n.base}
     WHERE channel = $1 AND epoch = $2 AND channel_offset BETWEEN $3 AND $4
       AND ($5::bigint <= 0 OR created_at > NOW() - $5::bigint * INTERVAL '1 millisecond')
     ORDER BY channel_offset ${request.reverse ? "DESC" : "ASC"} LIMIT $6`,
    [channel, position.epoch, from, to, options.streamTtl, request.limit > 0 ? request.limit : null],
  );
  return { publications: rows.map((row) => streamPublication(row, true)), position };
}
