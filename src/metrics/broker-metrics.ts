import type { Registry } from "prom-client";
import { metricKinds } from "./metric-kinds.js";

/**
 * The `centrifugo_broker_*` metrics a broker reports about itself: publishes
 * it suppressed (an idempotency key seen before, a stale version), and for
 * Redis, PUB/SUB errors, dropped messages and buffered messages per shard
 * processor.
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
  return {
    suppressed(reason: "idempotency" | "version"): void {
      suppressed.inc({ reason, channel_namespace: "" });
    },
    pubSubError(brokerName: string, error: string): void {
      pubSubErrors.inc({ broker_name: brokerName, error });
    },
    dropped(brokerName: string, channelType: string): void {
      dropped.inc({ broker_name: brokerName, channel_type: channelType });
    },
    buffered(brokerName: string, channelType: string, processor: number, count: number): void {
      buffered.set(
        { broker_name: brokerName, channel_type: channelType, pub_sub_processor: String(processor) },
        count,
      );
    },
  };
}

export type BrokerMetrics = ReturnType<typeof createBrokerMetrics>;
