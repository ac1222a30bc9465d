import type { Gauge, Registry } from "prom-client";
import type { SuppressReason } from "../map-broker/types.js";
import { metricKinds } from "./metric-kinds.js";

/**
 * The `centrifugo_map_broker_*` metrics: map writes the broker suppressed,
 * by reason, and its key-expiry worker (keys removed, failed passes, how far
 * behind it runs). The broker name is "" as in Centrifugo OSS, which runs one
 * map broker.
 */
export function createMapBrokerMetrics(registry: Registry) {
  const m = metricKinds(registry, "map_broker");
  const labels = ["reason", "channel_namespace"] as const;
  const publishSuppressed = m.counter(
    "publish_suppressed_count",
    "Number of suppressed map publications.",
    labels,
  );
  const removeSuppressed = m.counter("remove_suppressed_count", "Number of suppressed map removals.", labels);
  const removed = m.counter("cleanup_removed_count", "Number of map keys removed by expiry cleanup.", [
    "broker_name",
  ]);
  const errors = m.counter("cleanup_errors_count", "Number of map expiry cleanup errors.", ["broker_name"]);
  const lag = m.gauge("cleanup_lag_seconds", "How long the oldest due map key expiry has waited.", [
    "broker_name",
  ]);
  // Failures are rare: the family is there from the start, as the dropped-messages counter of the stream broker.
  errors.inc({ broker_name: "" }, 0);
  // Declared when a PostgreSQL map broker first reports, so servers on other map brokers do not list it.
  let partitions: Gauge<"broker_name"> | undefined;
  let cursorLag: Gauge<"broker_name" | "shard"> | undefined;
  return {
    publishSuppressed(reason: SuppressReason): void {
      publishSuppressed.inc({ reason, channel_namespace: "" });
    },
    removeSuppressed(reason: SuppressReason): void {
      removeSuppressed.inc({ reason, channel_namespace: "" });
    },
    /** What the map broker's expiry worker reports, as the broker takes it. */
    cleanup: {
      removed: (count: number) => removed.inc({ broker_name: "" }, count),
      failed: () => errors.inc({ broker_name: "" }),
      lag: (seconds: number) => lag.set({ broker_name: "" }, seconds),
    },
    /**
     * The PostgreSQL map broker's upkeep: its partitions and how far behind
     * each shard's poller is (meta and idempotency cleanup are not counted,
     * as in Centrifugo).
     */
    postgres: {
      cleaned(): void {},
      partitions(count: number): void {
        partitions ??= m.gauge(
          "postgres_partitions",
          "Child partitions of the PostgreSQL map stream table.",
          ["broker_name"],
        );
        partitions.set({ broker_name: "" }, count);
      },
      cursorLag(shard: number, seconds: number): void {
        cursorLag ??= m.gauge(
          "postgres_outbox_cursor_lag_seconds",
          "Seconds since the map stream row at each shard poller's cursor was written.",
          ["broker_name", "shard"],
        );
        cursorLag.set({ broker_name: "", shard: String(shard) }, seconds);
      },
    },
  };
}

export type MapBrokerMetrics = ReturnType<typeof createMapBrokerMetrics>;
