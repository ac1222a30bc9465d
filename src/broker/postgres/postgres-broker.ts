import type { Logger } from "pino";
import type { BrokerPostgresConfig } from "../../config/engine-schema.js";
import { type Broker, type BrokerEventHandler, keepsHistory, type PublishResult } from "../../core/broker.js";
import type { ClientInfo } from "../../core/publication.js";
import { malformedMessages } from "../../lifecycle/log-limits.js";
import { type OutboxCleanupReport, startOutboxCleanup } from "../../postgres/outbox-cleanup.js";
import { installSchema } from "../../postgres/outbox-schema.js";
import { interval, jsonOnly, payloadParam, tagsParam } from "../../postgres/payload-columns.js";
import { PostgresClient, prepared, type Statement } from "../../postgres/postgres-client.js";
import { createShardPollers } from "../../postgres/shard-pollers.js";
import { streamFunctionsSql } from "./stream-functions.js";
import { readHistory } from "./stream-history.js";
import { dispatchRow, type StreamRow, streamRowColumns } from "./stream-rows.js";
import { streamNames, streamTablesSql } from "./stream-tables.js";

interface PublishRow {
  out_channel_offset: string;
  out_epoch: string;
  out_suppressed: boolean;
  out_suppress_reason: string | null;
}

/**
 * What the broker tells about its upkeep, in Centrifugo's
 * `centrifugo_broker_postgres_*` terms: rows each cleanup pass deleted, how
 * many daily partitions the stream table has, and how far behind each
 * shard's poller is.
 */
export interface PostgresBrokerReport extends OutboxCleanupReport {
  /** Seconds since the row at a shard's cursor was written (0 when there is none). */
  cursorLag(shard: number, seconds: number): void;
}

const ignoreReports: PostgresBrokerReport = { cleaned() {}, partitions() {}, cursorLag() {} };

/** The advisory locks of the stream schema's installation and of its partition upkeep (fixed numbers; they name no row). */
const schemaLockId = 5_067_066_999;
const partitionLockId = 5_067_066_998;

/** The stream schema's variants of a prefix, as the schema installation takes them. */
const streamVariant = (prefix: string) => (binary: boolean) => {
  const n = streamNames(prefix, binary);
  return { ...n, tablesSql: streamTablesSql(n), functionsSql: streamFunctionsSql(n) };
};

/**
 * The PostgreSQL stream broker, on Centrifugo's tables and SQL functions:
 * a publish is one call of `<prefix>_stream_publish` (offset, epoch,
 * history, idempotency, version, delta, all under the channel's shard
 * lock), and every node learns of it by polling the stream table shard by
 * shard, woken early by NOTIFY when `use_notify` is on. History is read
 * from the same table. When polling fails and works again, subscribers'
 * positions are re-checked (nothing committed is skipped, but publishes
 * that failed meanwhile left clients to compare).
 */
export function createPostgresBroker(
  o: BrokerPostgresConfig,
  log: Logger,
  report: PostgresBrokerReport = ignoreReports,
): Broker {
  const db = PostgresClient.forSection(o, "broker.postgres", log);
  const names = streamNames(o.table_prefix, o.binary_data);
  const malformed = malformedMessages(log, "stream row");
  const subscribed = new Set<string>();
  let handler: BrokerEventHandler | undefined;
  let stopListening: (() => void) | undefined;
  let stopCleanup: (() => Promise<void>) | undefined;
  const pollers = createShardPollers<StreamRow>(
    db,
    {
      table: names.base,
      columns: streamRowColumns,
      shards: o.num_shards,
      pollIntervalMs: o.outbox.poll_interval,
      batchSize: o.outbox.batch_size,
    },
    {
      rows(rows) {
        for (const row of rows) {
          if (!handler || !subscribed.has(row.channel)) continue;
          try {
            dispatchRow(row, handler);
          } catch (err) {
            // One row the node cannot take (tags that are not an object, say) is skipped, not a stalled shard.
            malformed({ channel: row.channel, id: row.id, error: (err as Error).message });
          }
        }
      },
      resumed() {
        handler?.onDeliveryGap([...subscribed]);
      },
    },
  );
  const payload = (bytes: Uint8Array | undefined) => payloadParam(bytes, o.binary_data);

  async function call<R extends object>(sql: Statement, values: unknown[]): Promise<R[]> {
    return (await db.query<R>(sql, values).catch(jsonOnly("broker.postgres"))).rows;
  }

  const publishCall = prepared(
    `SELECT out_channel_offset, out_epoch, out_suppressed, out_suppress_reason FROM ${names.base}_publish(
       p_channel => $1, p_data => $2, p_tags => $3, p_history_ttl => $4::interval, p_history_size => $5,
       p_meta_ttl => $6::interval, p_version => $7, p_version_epoch => $8, p_idempotency_key => $9,
       p_idempotency_ttl => $10::interval, p_use_delta => $11, p_client_id => $12, p_user_id => $13,
       p_conn_info => $14, p_chan_info => $15, p_num_shards => $16)`,
  );

  async function presenceEvent(kind: "join" | "leave", channel: string, info: ClientInfo) {
    await call(`SELECT ${names.base}_publish_${kind}($1, $2, $3, $4, $5, $6)`, [
      channel,
      info.client,
      info.user,
      payload(info.connInfo),
      payload(info.chanInfo),
      o.num_shards,
    ]);
  }

  return {
    async start(h) {
      await installSchema(
        db,
        {
          what: "stream",
          where: "broker.postgres",
          lockId: schemaLockId,
          variant: streamVariant(o.table_prefix),
        },
        o,
      );
      handler = h;
      await pollers.start();
      if (o.use_notify) {
        stopListening = pollers.listen(names.notify);
      }
      stopCleanup = startOutboxCleanup(
        db,
        names,
        { ...o, partitionLockId, what: "stream cleanup failed" },
        report,
        { cursors: () => pollers.cursors(), report: (shard, seconds) => report.cursorLag(shard, seconds) },
      );
    },

    async publish(channel, data, p): Promise<PublishResult> {
      const [row] = await call<PublishRow>(publishCall, [
        channel,
        payload(data) ?? (o.binary_data ? Buffer.alloc(0) : null),
        tagsParam(p.tags),
        interval(p.historyTtl),
        p.historySize > 0 ? p.historySize : null,
        interval(p.historyMetaTtl || o.stream_retention),
        p.version || null,
        p.version && p.versionEpoch ? p.versionEpoch : null,
        p.idempotencyKey || null,
        interval(p.idempotentResultTtl ?? o.idempotent_result_ttl),
        p.delta === true,
        p.info?.client ?? null,
        p.info?.user ?? null,
        payload(p.info?.connInfo),
        payload(p.info?.chanInfo),
        o.num_shards,
      ]);
      const history = keepsHistory(p.historySize, p.historyTtl);
      const position = history
        ? { offset: Number(row!.out_channel_offset), epoch: row!.out_epoch }
        : { offset: 0, epoch: "" };
      if (row!.out_suppress_reason === "idempotency")
        return { ...position, suppressed: false, repeated: true };
      return { ...position, suppressed: row!.out_suppressed };
    },

    publishJoin: (channel, info) => presenceEvent("join", channel, info),
    publishLeave: (channel, info) => presenceEvent("leave", channel, info),

    async subscribe(channels) {
      for (const channel of channels) subscribed.add(channel);
    },

    async unsubscribe(channels) {
      for (const channel of channels) subscribed.delete(channel);
    },

    history: (channel, filter) => readHistory(db, names, channel, filter),

    async removeHistory(channel) {
      await db.query(`SELECT ${names.base}_remove_history($1, $2)`, [channel, o.num_shards]);
    },

    async close() {
      handler = undefined;
      stopListening?.();
      await pollers.close();
      await stopCleanup?.();
      await db.close();
    },
  };
}
