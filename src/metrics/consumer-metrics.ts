import type { Registry } from "prom-client";
import { metricKinds } from "./metric-kinds.js";

/**
 * `centrifugo_consumers_messages_processed_total` and
 * `centrifugo_consumers_errors_total` by `consumer_name`, each consumer's
 * pair shown at 0 from its start so a dashboard sees it before traffic.
 * Processed counts messages handled (delivered, or skipped as malformed);
 * errors counts failed attempts that will be retried.
 */
export function createConsumerMetrics(registry: Registry) {
  const m = metricKinds(registry, "consumers");
  const labels = ["consumer_name"] as const;
  const processed = m.counter("messages_processed_total", "Total number of processed messages.", labels);
  const errors = m.counter("errors_total", "Total number of errors.", labels);
  return {
    /** The counters of one consumer, registered at 0. */
    of(name: string) {
      const l = { consumer_name: name };
      processed.inc(l, 0);
      errors.inc(l, 0);
      return {
        processed: (count = 1) => processed.inc(l, count),
        error: () => errors.inc(l),
      };
    },
  };
}

export type ConsumerMetrics = ReturnType<ReturnType<typeof createConsumerMetrics>["of"]>;
