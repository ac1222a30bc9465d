import type { Counter, Gauge, Registry } from "prom-client";
import { metricKinds } from "./metric-kinds.js";

/**
 * The `centrifugo_broker_*` metrics a broker reports about itself: publishes
 * it suppressed (an idempotency key seen before, a stale version), and for
 * Redis, PUB/SUB errors by kind; for PostgreSQL, cleanup, partitions and cursor lag. Dropped and buffered messages are
 * Centrifugo's per-processor buffers, which rotor does not have: they are
 * reported as 0.
 */
export function createBrokerMetrics(registry: Registry) {
  const m = metricKinds(registry, "broker");
  const suppressed = m.counter("publish_suppressed_count", "Number of suppressed publications.", [
    "reason",
    "channel_namespace",
  ]);
  const pubSubErrors = m.counter("redis_pub_sub_errors", "Number of Redis PUB/SUB errors.", [
    "broker_name",
    "error",
  ]);
  const dropped = m.counter("redis_pub_sub_dropped_messages", "Number of dropped Redis PUB/SUB messages.", [
    "broker_name",
    "channel_type",
  ]);
  const buffered = m.gauge("redis_pub_sub_buffered_messages", "Number of buffered Redis PUB/SUB messages.", [
    "broker_name",
    "channel_type",
    "pub_sub_processor",
  ]);
  // Declared when a PostgreSQL broker first reports, so servers on other brokers do not list empty families.
  let postgres:
    | {
        removed: Counter<"broker_name" | "pass">;
        partitions: Gauge<"broker_name">;
        lag: Gauge<"broker_name" | "shard">;
      }
    | undefined;
  const postgresMetrics = () => {
    postgres ??= {
      removed: m.counter(
        "postgres_cleanup_removed_total",
        "Rows deleted by the PostgreSQL broker's cleanup.",
        ["broker_name", "pass"],
      ),
      partitions: m.gauge("postgres_partitions", "Child partitions of the PostgreSQL stream table.", [
        "broker_name",
      ]),
      lag: m.gauge(
        "postgres_outbox_cursor_lag_seconds",
        "Seconds since the stream row at each shard poller's cursor was written.",
        ["broker_name", "shard"],
      ),
    };
    return postgres;
  };
  // PUB/SUB messages go to the node as they arrive: rotor buffers none, so none is dropped for a full buffer.
  dropped.inc({ broker_name: "", channel_type: "client" }, 0);
  buffered.set({ broker_name: "", channel_type: "client", pub_sub_processor: "0" }, 0);
  return {
    suppressed(reason: "idempotency" | "version"): void {
      suppressed.inc({ reason, channel_namespace: "" });
    },
    pubSubError(brokerName: string, error: string): void {
      pubSubErrors.inc({ broker_name: brokerName, error });
    },
    /** The PostgreSQL broker's upkeep (`broker_name` is "", as in Centrifugo OSS). */
    postgres: {
      cleaned(pass: "meta" | "idempotency", rows: number): void {
        postgresMetrics().removed.inc({ broker_name: "", pass }, rows);
      },
      partitions(count: number): void {
        postgresMetrics().partitions.set({ broker_name: "" }, count);
      },
      cursorLag(shard: number, seconds: number): void {
        postgresMetrics().lag.set({ broker_name: "", shard: String(shard) }, seconds);
      },
    },
  };
}

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;
