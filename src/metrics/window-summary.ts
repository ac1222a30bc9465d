import {
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
  type Registry,
  Summary,
} from "prom-client";

/**
 * Relative width of one bucket: a quantile is reported within 1% of an
 * observation of that rank, closer than the exported figures are read.
 */
const growth = 1.02;
const logGrowth = Math.log(growth);
/** The smallest value told apart (100 ns); anything at or below it is counted as it. */
const smallest = 1e-7;
/** Buckets from 100 ns to ~ 10⁵ s; larger values are counted in the last one. */
const bucketCount = Math.ceil(Math.log(1e12) / logGrowth) + 1;

/** One label set: its counts over the current window, and its running sum and count. */
interface Cell<L extends string> {
  readonly labels: LabelValues<L>;
  readonly buckets: Uint32Array;
  inWindow: number;
  windowStart: number;
  count: number;
  sum: number;
  observe(value: number): void;
}

function bucketOf(value: number): number {
  if (!(value > smallest)) return 0;
  return Math.min(bucketCount - 1, Math.ceil(Math.log(value / smallest) / logGrowth));
}

/** The value a bucket stands for: the geometric middle of its bounds. */
function bucketValue(bucket: number): number {
  return bucket === 0 ? smallest : smallest * growth ** (bucket - 0.5);
}

/**
 * A prom-client summary (same registration, type, quantile, `_sum` and
 * `_count` series, same window: the quantiles cover observations since the
 * window last restarted, every `maxAgeSeconds`) whose observations go into
 * log-spaced buckets instead of prom-client's t-digest: an observation is a
 * logarithm and an increment where the t-digest walks a tree, and client
 * commands observe one each. Quantiles come out within 1% of the observed
 * value of that rank.
 */
export class WindowSummary<L extends string> extends Summary<L> {
  private readonly cells = new Map<string, Cell<L>>();
  private readonly names: readonly L[];
  private readonly windowMs: number;
  private readonly quantiles: readonly number[];
  private readonly metricName: string;
  private readonly metricHelp: string;

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    registers: Registry[];
    percentiles: readonly number[];
    maxAgeSeconds: number;
  }) {
    super({
      ...config,
      labelNames: [...config.labelNames],
      percentiles: [...config.percentiles],
      ageBuckets: 1,
    });
    this.names = config.labelNames;
    this.windowMs = config.maxAgeSeconds * 1000;
    this.quantiles = config.percentiles;
    this.metricName = config.name;
    this.metricHelp = config.help;
  }

  override observe(labels: LabelValues<L> | number, value?: number): void {
    const v = typeof labels === "number" ? labels : (value as number);
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    this.cell(typeof labels === "number" ? ({} as LabelValues<L>) : labels).observe(v);
  }

  /**
   * The cell of one label set, made (and from then on exported) on first use:
   * a caller that keeps it observes without building a key each time. Ask for
   * it when first observing.
   */
  cell(labels: LabelValues<L>): { observe(value: number): void } {
    let key = "";
    for (const name of this.names) key += `${labels[name] ?? ""}\u0000`;
    let cell = this.cells.get(key);
    if (!cell) {
      const made: Cell<L> = {
        labels: { ...labels },
        buckets: new Uint32Array(bucketCount),
        inWindow: 0,
        windowStart: Date.now(),
        count: 0,
        sum: 0,
        observe: (v) => this.observeCell(made, v),
      };
      cell = made;
      this.cells.set(key, cell);
    }
    return cell;
  }

  private observeCell(cell: Cell<L>, v: number): void {
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    this.rotate(cell, Date.now());
    cell.buckets[bucketOf(v)]! += 1;
    cell.inWindow += 1;
    cell.count += 1;
    cell.sum += v;
  }

  /** Starts a new window once the current one is older than `maxAgeSeconds`, as prom-client's rotation does. */
  private rotate(cell: Cell<L>, now: number): void {
    if (now - cell.windowStart <= this.windowMs) return;
    cell.windowStart += Math.ceil((now - cell.windowStart) / this.windowMs - 1) * this.windowMs;
    if (cell.inWindow > 0) cell.buckets.fill(0);
    cell.inWindow = 0;
  }

  private quantile(cell: Cell<L>, q: number): number {
    if (cell.inWindow === 0) return 0;
    const rank = q * cell.inWindow;
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += cell.buckets[i]!;
      if (seen >= rank && seen > 0) return bucketValue(i);
    }
    return bucketValue(bucketCount - 1);
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<L>>> {
    const values: MetricValueWithName<L>[] = [];
    const now = Date.now();
    for (const cell of this.cells.values()) {
      this.rotate(cell, now);
      for (const q of this.quantiles) {
        values.push({ labels: { quantile: q, ...cell.labels } as never, value: this.quantile(cell, q) });
      }
      values.push({ metricName: `${this.metricName}_sum`, labels: cell.labels, value: cell.sum });
      values.push({ metricName: `${this.metricName}_count`, labels: cell.labels, value: cell.count });
    }
    const metric = {
      name: this.metricName,
      help: this.metricHelp,
      type: "summary",
      values,
      aggregator: "sum",
    };
    return metric as unknown as MetricObjectWithValues<MetricValueWithName<L>>;
  }

  /** As prom-client's: every label set stays, at zero. (Also called by prom-client's constructor, before `cells` exists.) */
  override reset(): void {
    for (const cell of this.cells?.values() ?? []) {
      cell.buckets.fill(0);
      cell.inWindow = 0;
      cell.count = 0;
      cell.sum = 0;
    }
  }

  /** Label sets are kept by `observe`'s labels; prom-client's child objects would observe into its t-digest, which nothing reads. */
  override labels(): never {
    throw new Error(`${this.metricName}: observe with labels instead of labels()`);
  }

  /** Series are never removed from a summary kept here (its label sets are few and fixed). */
  override remove(): never {
    throw new Error(`${this.metricName}: series of this summary are not removed`);
  }
}
