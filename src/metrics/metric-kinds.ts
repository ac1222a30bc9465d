import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { TallyHistogram } from "./tally-histogram.js";
import { WindowSummary } from "./window-summary.js";

/** Every metric rotor exports carries Centrifugo's namespace, so its dashboards and alerts apply as they are. */
const namespace = "centrifugo";

/** Buckets of the client command histogram: 100 µs to 10 s, as Centrifugo's. */
export const commandBuckets = [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10];

/**
 * Quantiles of the (deprecated in Centrifugo, still exported) summaries, over
 * one 60 s window (see WindowSummary for how they are kept).
 */
const percentiles = [0.5, 0.99, 0.999];

/** One label set's number, which the caller changes and the registry reads when collected. */
export interface TallyCell<L extends string = string> {
  readonly labels: Record<L, string>;
  value: number;
}

/** The cells of one tallied metric by label set, handed to `register` (which makes the prom-client metric that reads them). */
function tallyCells<L extends string>(
  labelNames: readonly L[],
  register: (cells: ReadonlyMap<string, TallyCell<L>>) => void,
): (labels: Record<L, string>) => TallyCell<L> {
  const cells = new Map<string, TallyCell<L>>();
  register(cells);
  return (labels) => {
    const key = labelNames.map((label) => labels[label]).join("\u0000");
    let cell = cells.get(key);
    if (!cell) {
      cell = { labels, value: 0 };
      cells.set(key, cell);
    }
    return cell;
  };
}

/** Registries whose histograms follow `prometheus.native_histograms` (see useNativeHistograms). */
const nativeRegistries = new WeakSet<Registry>();

/**
 * `prometheus.native_histograms`: as on Centrifugo, histograms declared in
 * this registry from now on have no explicit buckets (a text scrape shows the
 * `+Inf` bucket, `_sum` and `_count`, what Prometheus' text format carries
 * of a native histogram) and the deprecated summaries are not registered.
 * prom-client cannot expose the native buckets themselves (they need the
 * protobuf exposition), so scrapers see what a text scrape of Centrifugo
 * shows.
 */
export function useNativeHistograms(registry: Registry): void {
  nativeRegistries.add(registry);
}

/**
 * Small constructors for `centrifugo_<subsystem>_<name>` metrics in one
 * registry: each module declares its metrics in a few lines, with names
 * exactly as Centrifugo spells them.
 */
export function metricKinds(registry: Registry, subsystem: string) {
  const name = (n: string) => `${namespace}_${subsystem}_${n}`;
  const registers = [registry];
  const native = nativeRegistries.has(registry);
  return {
    counter<L extends string>(n: string, help: string, labelNames: readonly L[] = []) {
      return new Counter<L>({ name: name(n), help, labelNames, registers });
    },
    /**
     * A counter for hot paths (each publication, each broadcast): a label set
     * gets a cell, a plain number the caller keeps and adds to, which costs
     * nanoseconds where prom-client would hash the labels on every increment.
     * The registry reads the cells only when collected (a scrape, Info's
     * aggregation).
     */
    tallyCounter<L extends string>(n: string, help: string, labelNames: readonly L[]) {
      return tallyCells(labelNames, (cells) => {
        new Counter<L>({
          name: name(n),
          help,
          labelNames,
          registers,
          collect() {
            this.reset();
            for (const cell of cells.values()) if (cell.value > 0) this.inc(cell.labels as never, cell.value);
          },
        });
      });
    },
    /**
     * A gauge for per-connection events (connects, subscriptions), kept in
     * cells as `tallyCounter` keeps its counts: a cell goes up and down by a
     * plain number, and every cell — zero too, as prom-client reports a label
     * set once seen — is set on the gauge when collected.
     */
    tallyGauge<L extends string>(n: string, help: string, labelNames: readonly L[]) {
      return tallyCells(labelNames, (cells) => {
        new Gauge<L>({
          name: name(n),
          help,
          labelNames,
          registers,
          collect() {
            this.reset();
            for (const cell of cells.values()) this.set(cell.labels as never, cell.value);
          },
        });
      });
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
        ...(native ? { buckets: [] } : buckets ? { buckets } : {}),
      });
    },
    /**
     * A histogram for hot paths (each API call, each publication): the caller
     * keeps a cell per label set and observes into it (see TallyHistogram);
     * a scrape shows exactly what `histogram` would.
     */
    tallyHistogram<L extends string>(n: string, help: string, labelNames: readonly L[], buckets?: number[]) {
      return new TallyHistogram<L>({
        name: name(n),
        help,
        labelNames,
        registers,
        ...(native ? { buckets: [] } : buckets ? { buckets } : {}),
      });
    },
    summary<L extends string>(n: string, help: string, labelNames: readonly L[]) {
      return new WindowSummary<L>({
        name: name(n),
        help,
        labelNames,
        registers: native ? [] : registers,
        percentiles,
        maxAgeSeconds: 60,
      });
    },
  };
}
