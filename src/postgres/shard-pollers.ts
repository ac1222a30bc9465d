import { Wakeup } from "../consumers/wakeup.js";
import { type PostgresClient, prepared } from "./postgres-client.js";

/** What the pollers hand on: the rows of a shard in id order, and the moments delivery may have missed something. */
export interface ShardRows<R extends { id: string }> {
  rows(rows: R[]): void;
  /** Polling failed and works again (or the start position was found late): positions are worth re-checking. */
  resumed(): void;
}

export interface ShardPollerOptions {
  /** An outbox table with `id` (BIGSERIAL) and `shard_id` columns. */
  readonly table: string;
  /** The select list a row is read with (it includes `id`). */
  readonly columns: string;
  readonly shards: number;
  readonly pollIntervalMs: number;
  readonly batchSize: number;
}

const pollFailed = "outbox poll failed";

/**
 * One poller per shard of an outbox table (`id`, `shard_id`), every node
 * polling every shard: each reads rows `id > cursor` of its shard in id
 * order (the shard lock makes ids of one shard visible in that order),
 * hands them on and moves its cursor. The
 * cursor starts at the shard's newest row when the node starts; when the
 * database cannot be reached then, the poller keeps asking for that start
 * instead of replaying the table from 0. Idle pollers wait for
 * `pollIntervalMs` or a wake-up of their shard. A failed read is retried
 * from the same cursor, so nothing committed is skipped.
 */
export function createShardPollers<R extends { id: string }>(
  db: PostgresClient,
  o: ShardPollerOptions,
  out: ShardRows<R>,
) {
  const wakeups = Array.from({ length: o.shards }, () => new Wakeup());
  const cursors: (string | undefined)[] = wakeups.map(() => undefined);
  let closed = false;
  const running: Promise<void>[] = [];
  const read = prepared(
    `SELECT ${o.columns} FROM ${o.table} WHERE shard_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
  );

  async function poll(shard: number, tried: () => void): Promise<void> {
    const wakeup = wakeups[shard]!;
    let failed = false;
    while (!closed) {
      let rows: R[];
      try {
        if (cursors[shard] === undefined) {
          const top = await db
            .query<{ top: string }>(
              `SELECT COALESCE(MAX(id), 0) AS top FROM ${o.table} WHERE shard_id = $1`,
              [shard],
            )
            .finally(tried);
          cursors[shard] = top.rows[0]!.top;
        }
        rows = (await db.query<R>(read, [shard, cursors[shard], o.batchSize])).rows;
      } catch (err) {
        if (closed) return;
        failed = true;
        db.warn(err as Error, pollFailed);
        await wakeup.wait(o.pollIntervalMs);
        continue;
      }
      if (failed) {
        failed = false;
        db.recovered(pollFailed);
        out.resumed();
      }
      if (rows.length > 0) {
        cursors[shard] = rows[rows.length - 1]!.id;
        out.rows(rows);
      }
      if (rows.length < o.batchSize) await wakeup.wait(o.pollIntervalMs);
    }
  }

  function wake(payload: string): void {
    const shard = /^\d+$/.test(payload) ? wakeups[Number(payload)] : undefined;
    if (shard) shard.wake();
    else for (const w of wakeups) w.wake();
  }

  return {
    /** Resolves once every shard has read its start position, or failed to and keeps trying. */
    async start(): Promise<void> {
      const tried = wakeups.map(
        (_, shard) => new Promise<void>((resolve) => running.push(poll(shard, resolve))),
      );
      await Promise.all(tried);
    },
    /** The id each shard's poller read last (its start position until then; none before it is known). */
    cursors(): readonly (string | undefined)[] {
      return cursors;
    },
    /**
     * Wakes pollers on each NOTIFY on `channel`: its payload names the shard; an
     * empty or foreign one (a Centrifugo node's) wakes all, as does (re)starting
     * to listen. Returns how to stop.
     */
    listen(channel: string): () => void {
      return db.listen(channel, { notify: wake, listening: () => wake("") });
    },
    async close(): Promise<void> {
      closed = true;
      for (const w of wakeups) w.wake();
      await Promise.all(running);
    },
  };
}
