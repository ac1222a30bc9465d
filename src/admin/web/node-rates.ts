import type { NodeResult } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";

/**
 * Sum of a node's aggregated counts whose key starts with `prefix`, per
 * second: Info's counters are deltas over the node's aggregation interval
 * (`node.info_metrics_aggregate_interval`), so this is the rate over the
 * last interval. Undefined while the node reports no metrics.
 */
export function perSecond(node: NodeResult, prefix: string): number | undefined {
  const m = node.metrics;
  if (!m || m.interval <= 0) return undefined;
  let total = 0;
  for (const [key, value] of Object.entries(m.items)) if (key.startsWith(prefix)) total += value;
  return total / m.interval;
}

/** Metric key prefixes of the rates the status page shows. */
export const ratePrefix = {
  connect: "centrifugo.client.command_duration_seconds.count.method.connect",
  subscribe: "centrifugo.client.command_duration_seconds.count.method.subscribe",
  api: "centrifugo.api.command_duration_seconds.count.",
  received: "centrifugo.transport.messages_received.",
  sent: "centrifugo.transport.messages_sent.",
  publication: "centrifugo.node.messages_sent_count.type.publication",
} as const;
