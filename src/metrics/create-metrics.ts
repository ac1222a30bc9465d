import { collectDefaultMetrics, Registry } from "prom-client";
import { createApiMetrics } from "./api-metrics.js";
import { createBrokerMetrics } from "./broker-metrics.js";
import { createClientMetrics } from "./client-metrics.js";
import { createConsumerMetrics } from "./consumer-metrics.js";
import { createMapBrokerMetrics } from "./map-broker-metrics.js";
import { useNativeHistograms } from "./metric-kinds.js";
import { createNodeMetrics } from "./node-metrics.js";
import { createProxyMetrics } from "./proxy-metrics.js";

export interface MetricsOptions {
  /** Build version for `centrifugo_node_build{version}`. */
  readonly version: string;
  /** `prometheus.recovered_publications_histogram`. */
  readonly recoveredHistogram: boolean;
  /** `prometheus.native_histograms`: histograms without explicit buckets, no deprecated summaries. */
  readonly nativeHistograms: boolean;
  /** Add the process and Node.js runtime metrics (`process_*`, `nodejs_*`) for the `/metrics` endpoint. */
  readonly processMetrics: boolean;
}

/**
 * One server's metrics: a registry of its own (servers in one process do not
 * mix their counts) and the typed groups the modules report through. A new
 * module adds its group the same way: a `createXMetrics(registry)` built on
 * `metricKinds`, exposing methods that take plain values.
 */
export function createMetrics(options: MetricsOptions) {
  const registry = new Registry();
  if (options.nativeHistograms) useNativeHistograms(registry);
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  const node = createNodeMetrics(registry, options.version);
  return {
    registry,
    node,
    client: createClientMetrics(registry, node, { recoveredHistogram: options.recoveredHistogram }),
    api: createApiMetrics(registry),
    proxy: createProxyMetrics(registry),
    broker: createBrokerMetrics(registry),
    mapBroker: createMapBrokerMetrics(registry),
    consumers: createConsumerMetrics(registry),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
