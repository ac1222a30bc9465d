import type { MetricObjectWithValues, MetricValue, Registry } from "prom-client";

/** What a node reports in Info's `metrics`: the aggregation interval in seconds, and flat keyed values. */
export interface InfoMetrics {
  readonly interval: number;
  readonly items: Record<string, number>;
}

/** `centrifugo_client_command_duration_seconds` → `centrifugo.client.command_duration_seconds`. */
function dotted(name: string): string {
  const [namespace, subsystem, ...rest] = name.split("_");
  return [namespace, subsystem, rest.join("_")].filter((part) => part).join(".");
}

/** `quantile.50`, `quantile.99`, `quantile.999` for 0.5, 0.99, 0.999. */
function quantileName(q: number): string {
  return `quantile.${String(q).slice(2).padEnd(2, "0")}`;
}

function key(base: string, valueName: string | undefined, labels: Record<string, string | number>): string {
  const parts = [base];
  if (valueName) parts.push(valueName);
  for (const label of Object.keys(labels).sort()) {
    const value = labels[label];
    if (label === "quantile" || value === "" || value === undefined) continue;
    parts.push(label, String(value));
  }
  return parts.join(".");
}

type Sample = { key: string; value: number; delta: boolean };

function samples(metric: MetricObjectWithValues<MetricValue<string>>): Sample[] {
  const base = dotted(metric.name);
  const type = String(metric.type);
  if (type === "histogram") return [];
  return metric.values.map((v) => {
    const labels = v.labels as Record<string, string | number>;
    const metricName = (v as { metricName?: string }).metricName;
    if (type === "summary") {
      if (metricName?.endsWith("_sum")) return { key: key(base, "sum", labels), value: v.value, delta: true };
      if (metricName?.endsWith("_count"))
        return { key: key(base, "count", labels), value: v.value, delta: true };
      return { key: key(base, quantileName(Number(labels.quantile)), labels), value: v.value, delta: false };
    }
    return { key: key(base, undefined, labels), value: v.value, delta: type === "counter" };
  });
}

/**
 * Centrifugo's Info metrics: every interval, the `centrifugo_*` metrics of
 * the registry flattened into dotted keys (labels sorted, empty ones left
 * out, summaries as sum / count / quantiles, histograms not at all), with
 * counters and summary sums and counts as deltas over the interval and
 * gauges as they are. The admin UI computes its rates from these.
 */
export function createInfoMetrics(registry: Registry, intervalMs: number) {
  let previous = new Map<string, number>();
  let latest: InfoMetrics | undefined;

  async function aggregate(): Promise<void> {
    const metrics = await registry.getMetricsAsJSON();
    const current = new Map<string, number>();
    const items: Record<string, number> = {};
    for (const metric of metrics) {
      if (!metric.name.startsWith("centrifugo")) continue;
      for (const s of samples(metric)) {
        if (!Number.isFinite(s.value)) continue;
        current.set(s.key, s.value);
        items[s.key] = s.delta ? s.value - (previous.get(s.key) ?? 0) : s.value;
      }
    }
    previous = current;
    latest = { interval: intervalMs / 1000, items };
  }

  // An interval of 0 turns the aggregation off: Info then reports no metrics.
  const timer = intervalMs > 0 ? setInterval(() => void aggregate(), intervalMs) : undefined;
  timer?.unref();
  if (timer) void aggregate();
  return {
    /** The last aggregation, as Info reports it; undefined before the first or when turned off. */
    current: (): InfoMetrics | undefined => latest,
    close(): void {
      clearInterval(timer);
    },
  };
}
