import { Counter, Gauge, Histogram, type Registry, Summary } from "prom-client";

/** Every metric rotor exports carries Centrifugo's namespace, so its dashboards and alerts apply as they are. */
const namespace = "centrifugo";

/** Buckets of the client command histogram: 100 µs to 10 s, as Centrifugo's. */
export const commandBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10];

/** Quantiles of the (deprecated in Centrifugo, still exported) summaries. */
const percentiles = [0.5, 0.99, 0.999];

/**
 * Small constructors for `centrifugo_<subsystem>_<name>` metrics in one
 * registry: each module declares its metrics in a few lines, with names
 * exactly as Centrifugo spells them.
 */
export function metricKinds(registry: Registry, subsystem: string) {
  const name = (n: string) => `${namespace}_${subsystem}_${n}`;
  const registers = [registry];
  return {
    counter<L extends string>(n: string, help: string, labelNames: readonly L[] = []) {
      return new Counter<L>({ name: name(n), help, labelNames, registers });
    },
    gauge<L extends string>(
      n: string,
      help: string,
      labelNames: readonly L[] = [],
      collect?: (this: Gauge<L>) => void,
    ) {
      return new Gauge<L>({ name: name(n), help, labelNames, registers, ...(collect ? { collect } : {}) });
    },
    histogram<L extends string>(n: string, help: string, labelNames: readonly L[], buckets?: number[]) {
      return new Histogram<L>({
        name: name(n),
        help,
        labelNames,
        registers,
        ...(buckets ? { buckets } : {}),
      });
    },
    summary<L extends string>(n: string, help: string, labelNames: readonly L[]) {
      return new Summary<L>({
        name: name(n),
        help,
        labelNames,
        registers,
        percentiles,
        maxAgeSeconds: 60,
        ageBuckets: 5,
      });
    },
  };
}
