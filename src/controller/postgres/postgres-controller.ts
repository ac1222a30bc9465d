import type { Logger } from "pino";
import type { ControllerPostgresConfig } from "../../config/engine-schema.js";
import { Wakeup } from "../../consumers/wakeup.js";
import type { ControlHandler, Controller } from "../../core/controller.js";
import { maintainPartitions } from "../../postgres/partitions.js";
import { PostgresClient } from "../../postgres/postgres-client.js";
import { createShardPollers } from "../../postgres/shard-pollers.js";
import { controllerNames, ensureControllerSchema } from "./controller-schema.js";

/** A row of the message table as pollers read it. */
interface MessageRow {
  id: string;
  node_id: string;
  data: Buffer;
}

/** The lock one node holds while it keeps the message table's partitions. */
const partitionLockId = 5_067_067_000;
const partitionsFailed = "controller partition upkeep failed";

/**
 * Control messages over PostgreSQL, on Centrifugo's `<prefix>_controller_*`
 * tables: a message is one call of `<prefix>_controller_publish` (for one
 * node or, with an empty node id, for every node), and every node polls
 * every shard of the message table from where it stood at start, woken
 * early by NOTIFY when `use_notify` is on. A node takes the messages for
 * every node and its own; it sees its own broadcasts too and drops them by
 * uid. Messages are never deleted one by one: whole days of them go with
 * their partition after `partition_retention_days`.
 */
export function createPostgresController(o: ControllerPostgresConfig, log: Logger): Controller {
  const db = PostgresClient.forSection(o, "controller.postgres", log);
  const names = controllerNames(o.table_prefix);
  let self = "";
  let handler: ControlHandler | undefined;
  let stopListening: (() => void) | undefined;
  const upkeep = new Wakeup();
  let upkeepRunning: Promise<void> | undefined;
  let closed = false;

  const pollers = createShardPollers<MessageRow>(
    db,
    {
      table: names.messages,
      columns: "id, node_id, data",
      shards: o.num_shards,
      pollIntervalMs: o.poll_interval,
      batchSize: o.batch_size,
    },
    {
      rows(rows) {
        for (const row of rows) {
          if (row.node_id !== "" && row.node_id !== self) continue;
          try {
            handler?.(row.data);
          } catch (err) {
            log.warn({ err, id: row.id }, "control message handler failed");
          }
        }
      },
      // Control messages are at most once: nothing to re-check after an outage.
      resumed() {},
    },
  );

  async function keepPartitions(): Promise<void> {
    while (!closed) {
      await upkeep.wait(o.partition_cleanup_interval);
      if (closed) return;
      try {
        await db.transaction(async (tx) => {
          const { rows } = await tx.query<{ locked: boolean }>(
            "SELECT pg_try_advisory_xact_lock($1) AS locked",
            [partitionLockId],
          );
          if (rows[0]?.locked) {
            await maintainPartitions(
              tx,
              names.messages,
              o.partition_lookahead_days,
              o.partition_retention_days,
            );
          }
        });
        db.recovered(partitionsFailed);
      } catch (err) {
        db.warn(err as Error, partitionsFailed);
      }
    }
  }

  function send(nodeId: string, data: Uint8Array): Promise<unknown> {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    return db.query(`SELECT ${names.publish}($1, $2, $3)`, [bytes, nodeId, o.num_shards]);
  }

  return {
    async start(nodeId, h) {
      if (!o.skip_schema_init) {
        await ensureControllerSchema(db, o).catch((err: Error) => {
          throw new Error(
            `controller.postgres: cannot set up the controller schema at ${db.label || "the PG* environment's database"}: ${err.message}`,
          );
        });
      }
      self = nodeId;
      handler = h;
      await pollers.start();
      if (o.use_notify) {
        stopListening = pollers.listen(names.notify);
      }
      upkeepRunning = keepPartitions();
    },

    async publish(data) {
      await send("", data);
    },

    async publishTo(nodeId, data) {
      await send(nodeId, data);
    },

    async close() {
      closed = true;
      handler = undefined;
      stopListening?.();
      upkeep.wake();
      await pollers.close();
      await upkeepRunning;
      await db.close();
    },
  };
}
