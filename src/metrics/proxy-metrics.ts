import type { Registry } from "prom-client";
import { metricKinds } from "./metric-kinds.js";

/** Which proxy made a call: its protocol (`http`, `grpc`), kind (`connect`, `rpc`…) and name (`default`). */
export interface ProxyLabels {
  readonly protocol: string;
  readonly type: string;
  readonly name: string;
}

/**
 * The `centrifugo_proxy_*` metrics for calls to the application backend.
 * Centrifugo's semantics: duration for every completed call, success or not;
 * `errors` (no `_total`) for transport-level failures only (network,
 * timeout, non-200, bad JSON), not for an `error` or `disconnect` the backend
 * answers; `inflight_requests` around each call.
 */
export function createProxyMetrics(registry: Registry) {
  const m = metricKinds(registry, "proxy");
  const labels = ["protocol", "type", "name"] as const;
  const summary = m.summary("duration_seconds", "Duration of proxy request.", labels);
  const histogram = m.histogram("duration_seconds_histogram", "Duration of proxy request.", labels);
  const errors = m.counter("errors", "Proxy request errors.", labels);
  const inflight = m.gauge("inflight_requests", "Number of inflight proxy requests.", labels);
  return {
    /**
     * Starts timing one backend call, counted in flight until the returned
     * function is called; `failed` marks a transport-level failure (network,
     * timeout, non-200, undecodable answer).
     */
    begin(proxy: ProxyLabels): (failed: boolean) => void {
      const l = { protocol: proxy.protocol, type: proxy.type, name: proxy.name };
      const started = performance.now();
      inflight.inc(l);
      return (failed) => {
        inflight.dec(l);
        if (failed) errors.inc(l);
        const seconds = (performance.now() - started) / 1000;
        summary.observe(l, seconds);
        histogram.observe(l, seconds);
      };
    },
  };
}

export type ProxyMetrics = ReturnType<typeof createProxyMetrics>;
