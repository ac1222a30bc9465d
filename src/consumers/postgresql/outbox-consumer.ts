import pg from "pg";
import type { PostgresqlConsumerConfig } from "../../config/consumers-schema.js";
import { PostgresClient } from "../../postgres/postgres-client.js";
import { consumerBackoff } from "../backoff.js";
import type { Consumer, ConsumerContext } from "../consumer.js";
import { Wakeup } from "../wakeup.js";
import { resolveOutboxTable } from "./outbox-table.js";

interface OutboxRow {
  id: string;
  method: string | null;
  payload: string | Buffer | null;
}

/** How long a worker waits for another node's lock on its partition before looking again (and at whether it should stop). */
const lockWaitMs = 1000;
/** How long the database may take to answer at start (Centrifugo's). */
const startPingMs = 10_000;
/** PostgreSQL's `lock_not_available`: the lock wait ran out, nothing failed. */
const lockNotAvailable = "55P03";

function body(payload: OutboxRow["payload"]): Buffer {
  if (payload === null) return Buffer.alloc(0);
  return Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
}

/**
 * The `postgresql` consumer: an outbox table the application writes in its
 * own transactions. One worker per partition; each turn is one transaction
 * that takes the partition's advisory lock (so nodes sharing the table take
 * turns), reads up to `partition_select_limit` rows in id order, runs them
 * in order through the dispatcher, deletes the ones handled and commits.
 * A row that asks for a retry (an internal error) ends the batch and is
 * first in the next one, after a backoff: nothing after it overtakes it.
 * A crash before the commit leaves the rows in place for the next turn, on
 * this node or another: at-least-once. A row with a NULL method or payload
 * is read as an envelope or an empty body — skipped as malformed, not a
 * reason to stop the partition. Idle workers wait for the poll interval or
 * a NOTIFY of their partition number on `partition_notification_channel`.
 */
export function createOutboxConsumer(options: PostgresqlConsumerConfig, ctx: ConsumerContext): Consumer {
  const db = new PostgresClient(
    {
      dsn: options.dsn,
      tls: options.tls,
      poolSize: options.num_partitions + 1,
      notifyDsn: options.partition_notification_dsn || undefined,
      notifyTls: false,
      where: ctx.where,
    },
    ctx.log,
  );
  const wakeups = Array.from({ length: options.num_partitions }, () => new Wakeup());
  let table = "";
  let closed = false;
  let workers: Promise<void>[] = [];

  let openings: string[] = [];

  /**
   * A turn's first message: the transaction, its lock wait, the partition's
   * lock and the read of its first rows, one round trip for all four. The
   * read is a statement of its own, so its snapshot is taken once the lock
   * is held: it never sees rows another node deleted before handing the
   * lock over. With `use_try_lock` the read runs even when the lock was not
   * had; its rows are then left alone.
   */
  function opening(partition: number): string {
    const key = pg.escapeLiteral(`centrifugo_partition_lock_${ctx.name}${partition}`);
    return [
      "BEGIN ISOLATION LEVEL READ COMMITTED",
      ...(options.use_try_lock
        ? [`SELECT pg_try_advisory_xact_lock(hashtext(${key})) AS locked`]
        : [
            `SET LOCAL lock_timeout = ${lockWaitMs}`,
            `SELECT true AS locked FROM pg_advisory_xact_lock(hashtext(${key}))`,
          ]),
      `SELECT id, method, payload FROM ${table} WHERE partition = ${partition} ORDER BY id LIMIT ${options.partition_select_limit}`,
    ].join("; ");
  }

  /** The delete of the rows handled, sent with the COMMIT (the ids are bigints, written as numbers). */
  const finish = (result: { done: string[] }) =>
    result.done.length > 0
      ? `DELETE FROM ${table} WHERE id IN (${result.done.map((id) => BigInt(id)).join(",")}); COMMIT`
      : "COMMIT";

  /** One transaction, opened with the lock and the read: dispatch in order, delete what was handled. */
  async function turn(opened: pg.QueryResult[]) {
    const locked = (opened.at(-2)?.rows[0] as { locked?: boolean } | undefined)?.locked;
    if (!locked) return { read: 0, done: [] as string[], retry: false };
    const rows = opened.at(-1)!.rows as OutboxRow[];
    const done: string[] = [];
    let retry = false;
    for (const row of rows) {
      if (closed) break;
      const outcome = await ctx.dispatcher.command(row.method ?? "", body(row.payload));
      if (outcome === "retry") {
        retry = true;
        break;
      }
      done.push(row.id);
    }
    return { read: rows.length, done, retry };
  }

  async function work(partition: number): Promise<void> {
    const wakeup = wakeups[partition]!;
    let failures = 0;
    while (!closed) {
      let result: Awaited<ReturnType<typeof turn>>;
      try {
        result = await db.transaction((_tx, opened) => turn(opened), openings[partition], finish);
        db.recovered("outbox read failed");
      } catch (err) {
        if ((err as { code?: string }).code === lockNotAvailable) continue;
        db.warn(err as Error, "outbox read failed");
        ctx.metrics.error();
        await wakeup.wait(consumerBackoff(failures++));
        continue;
      }
      if (result.done.length > 0) ctx.metrics.processed(result.done.length);
      if (result.retry) {
        ctx.metrics.error();
        await wakeup.wait(consumerBackoff(failures++));
        continue;
      }
      failures = 0;
      if (result.read < options.partition_select_limit) await wakeup.wait(options.partition_poll_interval);
    }
  }

  function listen(channel: string): void {
    db.listen(channel, {
      notify(payload) {
        const partition = /^\d+$/.test(payload) ? Number(payload) : -1;
        const wakeup = wakeups[partition];
        if (wakeup) wakeup.wake();
        else ctx.log.warn({ channel, payload }, "outbox notification names no partition of this consumer");
      },
      listening() {
        for (const wakeup of wakeups) wakeup.wake();
      },
    });
  }

  return {
    async start() {
      try {
        await db.ping(startPingMs);
        const resolved = await resolveOutboxTable(db, options.outbox_table_name);
        if (typeof resolved !== "string") throw new Error(resolved.error);
        table = resolved;
        openings = wakeups.map((_, partition) => opening(partition));
      } catch (err) {
        await db.close();
        throw new Error(`${ctx.where}: ${(err as Error).message}`);
      }
      const channel = options.partition_notification_channel;
      if (channel !== "") {
        // A NOTIFY statement folds an unquoted channel name to lower case; pg_notify() keeps it as given.
        const folded = channel.toLowerCase();
        listen(channel);
        if (folded !== channel) listen(folded);
      }
      workers = wakeups.map((_, partition) => work(partition));
      ctx.log.info({ table, partitions: options.num_partitions }, "outbox consumer started");
    },
    async close() {
      closed = true;
      for (const wakeup of wakeups) wakeup.wake();
      await Promise.all(workers);
      await db.close();
    },
  };
}
