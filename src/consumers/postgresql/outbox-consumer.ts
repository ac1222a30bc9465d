import pg from "pg";
import type { PostgresqlConsumerConfig } from "../../config/consumers-schema.js";
import { PostgresClient, type Session } from "../../postgres/postgres-client.js";
import { consumerBackoff } from "../backoff.js";
import type { Consumer, ConsumerContext } from "../consumer.js";
import { Wakeup } from "../wakeup.js";
import { resolveOutboxTable } from "./outbox-table.js";

/** What one turn did: whether it had the partition's lock, how many rows it read, the ids it handled. */
interface Turn {
  locked: boolean;
  read: number;
  done: string[];
  /** A command asked for a retry: the rows from it on stay for a later turn. */
  retry: boolean;
}

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

  /** Per partition: the opening that waits for the lock, and the one that only tries it. */
  let openings: { wait: string; tryLock: string }[] = [];

  /**
   * A turn's first message: the transaction, the partition's lock and the
   * read of its first rows, one round trip for all of them. The read is a
   * statement of its own, so its snapshot is taken once the lock is held:
   * it never sees rows another node deleted before handing the lock over.
   * The read walks the primary key in id order and stops at the limit
   * (sequential scans are off for the transaction): the planner otherwise
   * sorts the whole table, dead rows included, on every read of a table
   * without an index on the partition. `wait` waits for the lock (at most
   * `lockWaitMs`, then 55P03); otherwise the lock is only tried, the read
   * runs anyway, and its rows are left alone when the lock was not had.
   */
  function opening(partition: number, wait: boolean): string {
    const key = pg.escapeLiteral(`centrifugo_partition_lock_${ctx.name}${partition}`);
    return [
      "BEGIN ISOLATION LEVEL READ COMMITTED",
      "SET LOCAL enable_seqscan = off",
      ...(wait
        ? [
            `SET LOCAL lock_timeout = ${lockWaitMs}`,
            `SELECT true AS locked FROM pg_advisory_xact_lock(hashtext(${key}))`,
          ]
        : [`SELECT pg_try_advisory_xact_lock(hashtext(${key})) AS locked`]),
      `SELECT id, method, payload FROM ${table} WHERE partition = ${partition} ORDER BY id LIMIT ${options.partition_select_limit}`,
    ].join("; ");
  }

  /** The delete of the rows handled, sent with the COMMIT (the ids are bigints, written as numbers). */
  const finish = (result: Turn) =>
    result.done.length > 0
      ? `DELETE FROM ${table} WHERE id IN (${result.done.map((id) => BigInt(id)).join(",")}); COMMIT`
      : "COMMIT";

  /** One transaction, opened with the lock and the read: dispatch in order; the ids handled, to delete. */
  async function turn(opened: pg.QueryResult[]): Promise<Turn> {
    const locked = (opened.at(-2)?.rows[0] as { locked?: boolean } | undefined)?.locked === true;
    if (!locked) return { locked, read: 0, done: [], retry: false };
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
    return { locked, read: rows.length, done, retry };
  }

  /**
   * Turns on one connection for as long as there is more to read at once:
   * a full batch, or a NOTIFY that came during the turn. Then the delete and
   * COMMIT of one turn go in the same message as the next one's opening, a
   * round trip saved per turn; each turn still deletes only rows whose
   * commands ran, and commits before the next one reads. That opening only
   * tries the lock, so an error in the message never comes from a lock wait
   * after the COMMIT: a 55P03 there is the DELETE's, and the batch was not
   * committed. (Another error after the COMMIT, the table dropped or the
   * connection lost, leaves the processed count short, never the rows.)
   * Returns the last turn.
   */
  async function turns(session: Session, partition: number): Promise<Turn> {
    const wakeup = wakeups[partition]!;
    const { wait, tryLock } = openings[partition]!;
    let opened = await session.run(options.use_try_lock ? tryLock : wait);
    for (;;) {
      const result = await turn(opened);
      const more =
        result.locked &&
        !result.retry &&
        !closed &&
        (result.read === options.partition_select_limit || wakeup.take());
      opened = await session.run(more ? `${finish(result)}; ${tryLock}` : finish(result));
      if (result.done.length > 0) ctx.metrics.processed(result.done.length);
      if (!more) return result;
    }
  }

  async function work(partition: number): Promise<void> {
    const wakeup = wakeups[partition]!;
    let failures = 0;
    while (!closed) {
      let result: Turn;
      try {
        result = await db.session((session) => turns(session, partition));
        db.recovered("outbox read failed");
      } catch (err) {
        if ((err as { code?: string }).code === lockNotAvailable) continue;
        db.warn(err as Error, "outbox read failed");
        ctx.metrics.error();
        await wakeup.wait(consumerBackoff(failures++));
        continue;
      }
      if (result.retry) {
        ctx.metrics.error();
        await wakeup.wait(consumerBackoff(failures++));
        continue;
      }
      failures = 0;
      // Another node took the lock between two turns: queue for it at once.
      if (!result.locked && !options.use_try_lock) continue;
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
        openings = wakeups.map((_, partition) => ({
          wait: opening(partition, true),
          tryLock: opening(partition, false),
        }));
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
