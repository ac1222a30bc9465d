import type { Logger } from "pino";
import type { PostgresBrokerReport } from "../../broker/postgres/postgres-broker.js";
import type { MapBrokerPostgresConfig } from "../../config/map-schema.js";
import { malformedMessages } from "../../lifecycle/log-limits.js";
import { startOutboxCleanup } from "../../postgres/outbox-cleanup.js";
import { installSchema } from "../../postgres/outbox-schema.js";
import { interval, jsonOnly, payloadParam, tagsParam } from "../../postgres/payload-columns.js";
import { PostgresClient } from "../../postgres/postgres-client.js";
import { createShardPollers } from "../../postgres/shard-pollers.js";
import type {
  MapBroker,
  MapBrokerEventHandler,
  MapChannelResolver,
  MapCleanupObserver,
  MapUpdateResult,
  SuppressReason,
} from "../types.js";
import { checkPublish, hasStream, mapOptionsOf } from "../write-checks.js";
import { startExpiryCleanup } from "./expiry-cleanup.js";
import { mapFunctionsSql } from "./map-functions.js";
import { readMapState, readMapStream } from "./map-reads.js";
import { dispatchMapRow, type MapStreamRow, mapStreamColumns } from "./map-rows.js";
import { mapNames, mapTablesSql } from "./map-tables.js";
import { metaTtlOf } from "./meta-ttl.js";

export interface PostgresMapBrokerOptions {
  readonly channels: MapChannelResolver;
  readonly cleanup?: MapCleanupObserver | undefined;
  /** The upkeep of meta, idempotency rows and partitions, and the pollers' cursor lag (`centrifugo_map_broker_postgres_*`). */
  readonly report?: PostgresBrokerReport | undefined;
}

interface WriteRow {
  result_id: string | null;
  channel_offset: string;
  epoch: string;
  suppressed: boolean;
  suppress_reason: string | null;
}

/** The advisory locks of the map schema's installation and of its partition upkeep (fixed numbers; they name no row). */
const schemaLockId = 4_067_066_999;
const partitionLockId = 4_067_066_998;

/** The map schema's variants of a prefix, as the schema installation takes them. */
const mapVariant = (prefix: string) => (binary: boolean) => {
  const n = mapNames(prefix, binary);
  return { ...n, tablesSql: mapTablesSql(n), functionsSql: mapFunctionsSql(n) };
};

/**
 * The PostgreSQL map broker, on Centrifugo's tables and SQL functions: a
 * write is one call of `<prefix>_map_publish` / `_map_remove` (offset,
 * epoch, state, idempotency, version, key mode, delta — all under the
 * channel's shard lock), and every node learns of it by polling the map
 * stream table shard by shard, woken early by NOTIFY when `use_notify` is
 * on. Expired keys become removals in the same stream. When polling fails
 * and works again, subscribers' positions are re-checked.
 */
export function createPostgresMapBroker(
  o: MapBrokerPostgresConfig,
  options: PostgresMapBrokerOptions,
  log: Logger,
): MapBroker {
  const db = PostgresClient.forSection(o, "map_broker.postgres", log);
  const names = mapNames(o.table_prefix, o.binary_data);
  const malformed = malformedMessages(log, "map stream row");
  const subscribed = new Set<string>();
  const stops: (() => Promise<void> | void)[] = [];
  let handler: MapBrokerEventHandler | undefined;
  const pollers = createShardPollers<MapStreamRow>(
    db,
    {
      table: names.base,
      columns: mapStreamColumns,
      shards: o.num_shards,
      pollIntervalMs: o.outbox.poll_interval,
      batchSize: o.outbox.batch_size,
    },
    {
      rows(rows) {
        for (const row of rows) {
          if (!handler || !subscribed.has(row.channel)) continue;
          const channel = options.channels(row.channel);
          if (!channel) continue;
          try {
            dispatchMapRow(row, hasStream(channel), handler);
          } catch (err) {
            // A row the node cannot take (tags that are not an object, say) is skipped, not a stalled shard.
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
  const jsonError = jsonOnly("map_broker.postgres");

  function result(row: WriteRow | undefined, stream: boolean): MapUpdateResult {
    if (!row) throw new Error("map_broker.postgres: a write returned no row");
    const position = { offset: stream ? Number(row.channel_offset) : 0, epoch: row.epoch };
    if (!row.suppressed) return { position, suppressed: false };
    return { position, suppressed: true, suppressReason: row.suppress_reason as SuppressReason };
  }

  return {
    async start(h) {
      await installSchema(
        db,
        {
          what: "map",
          where: "map_broker.postgres",
          lockId: schemaLockId,
          variant: mapVariant(o.table_prefix),
        },
        o,
      );
      handler = h;
      await pollers.start();
      stops.push(() => pollers.close());
      if (o.use_notify) {
        stops.push(pollers.listen(names.notify));
      }
      const report = options.report ?? { cleaned() {}, partitions() {}, cursorLag() {} };
      const lag = { cursors: () => pollers.cursors(), report: report.cursorLag.bind(report) };
      stops.push(
        startOutboxCleanup(db, names, { ...o, partitionLockId, what: "map cleanup failed" }, report, lag),
        startExpiryCleanup(db, names, {
          channels: options.channels,
          intervalMs: o.ttl_check_interval,
          numShards: o.num_shards,
          metaTtl: metaTtlOf,
          observer: options.cleanup,
        }),
      );
    },

    async publish(channel, key, p) {
      const ch = mapOptionsOf(options.channels, channel);
      checkPublish(ch, p);
      const { rows } = await db
        .query<WriteRow>(
          `SELECT result_id, channel_offset, epoch, suppressed, suppress_reason FROM ${names.prefix}_publish(
             p_channel => $1, p_key => $2, p_data => $3, p_tags => $4, p_key_ttl => $5::interval,
             p_meta_ttl => $6::interval, p_key_mode => $7, p_key_version => $8, p_key_version_epoch => $9,
             p_idempotency_key => $10, p_idempotency_ttl => $11::interval, p_use_delta => $12,
             p_client_id => $13, p_user_id => $14, p_conn_info => $15, p_chan_info => $16,
             p_refresh_ttl_on_suppress => $17, p_num_shards => $18)`,
          [
            channel,
            key,
            payload(p.data) ?? (o.binary_data ? Buffer.alloc(0) : null),
            tagsParam(p.tags),
            interval(ch.keyTtl),
            interval(metaTtlOf(ch)),
            p.keyMode || null,
            p.version || null,
            p.version && p.versionEpoch ? p.versionEpoch : null,
            p.idempotencyKey || null,
            interval(p.idempotentResultTtl ?? o.idempotent_result_ttl),
            p.delta === true,
            p.info?.client ?? null,
            p.info?.user ?? null,
            payload(p.info?.connInfo),
            payload(p.info?.chanInfo),
            p.refreshTtlOnSuppress === true,
            o.num_shards,
          ],
        )
        .catch(jsonError);
      return result(rows[0], hasStream(ch));
    },

    async remove(channel, key, r) {
      const ch = mapOptionsOf(options.channels, channel);
      const sql = `SELECT result_id, channel_offset, epoch, suppressed, suppress_reason FROM ${names.prefix}_remove(
          p_channel => $1, p_key => $2, p_meta_ttl => $3::interval, p_idempotency_key => $4,
          p_idempotency_ttl => $5::interval, p_num_shards => $6)`;
      const values = [
        channel,
        key,
        interval(metaTtlOf(ch)),
        r.idempotencyKey || null,
        interval(r.idempotentResultTtl ?? o.idempotent_result_ttl),
        o.num_shards,
      ];
      const tags = tagsParam(r.tags);
      if (tags === null) return result((await db.query<WriteRow>(sql, values)).rows[0], hasStream(ch));
      // Centrifugo's function gives a removal the key's stored tags; the caller's replace them before commit.
      const row = await db.transaction(async (tx) => {
        const [written] = (await tx.query<WriteRow>(sql, values)).rows;
        if (written?.result_id) {
          await tx.query(`UPDATE ${names.base} SET tags = $1 WHERE id = $2`, [tags, written.result_id]);
        }
        return written;
      });
      return result(row, hasStream(ch));
    },

    async readState(channel, request) {
      return readMapState(db, names, channel, mapOptionsOf(options.channels, channel), request);
    },

    async readStream(channel, request) {
      return readMapStream(db, names, channel, mapOptionsOf(options.channels, channel), request);
    },

    async stats(channel) {
      const { rows } = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${names.state} WHERE channel = $1`,
        [channel],
      );
      return { numKeys: Number(rows[0]?.n ?? 0) };
    },

    async clear(channel) {
      await db.transaction(async (tx) => {
        for (const table of [names.base, names.state, names.meta, names.idempotency]) {
          await tx.query(`DELETE FROM ${table} WHERE channel = $1`, [channel]);
        }
      });
    },

    async subscribe(channels) {
      for (const channel of channels) subscribed.add(channel);
    },

    async unsubscribe(channels) {
      for (const channel of channels) subscribed.delete(channel);
    },

    async close() {
      handler = undefined;
      for (const stop of stops.reverse()) await stop();
      stops.length = 0;
      await db.close();
    },
  };
}
