import { Histogram, type LabelValues, type Registry } from "prom-client";

/** One label set of a tallied histogram, which the caller keeps and observes into. */
export interface HistogramCell {
  observe(value: number): void;
}

/** What prom-client keeps per label set, which its export reads. */
interface PromEntry {
  labels: object;
  bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** prom-client's own export of a histogram's values. */
const promExport = (Histogram.prototype as unknown as { getForPromString(): Promise<unknown> })
  .getForPromString;

class Cell implements HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Observed since the histogram was created or last reset: only these are exported, as prom-client does. */
  seen = false;

  constructor(
    readonly labels: object,
    private readonly bounds: readonly number[],
    private readonly first: (cell: Cell) => void,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    if (!this.seen) this.first(this);
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]! += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
  }
}

/**
 * A prom-client histogram (same registration, buckets, `_bucket`, `_sum` and
 * `_count` series, in the same order) whose label sets are cells the caller
 * looks up once and observes into: an observation finds its bucket and adds,
 * where prom-client's `observe` hashes the label object and stringifies the
 * bucket bound every time. The cells are copied into prom-client's own
 * per-label-set values when the registry reads them, so a scrape shows what
 * prom-client would have shown for the same observations.
 */
export class TallyHistogram<L extends string> extends Histogram<L> {
  private readonly cells = new Map<string, Cell>();
  /** Cells in the order they were first observed since the last reset: prom-client's export order. */
  private order: Cell[] = [];
  private readonly names: readonly L[];
  private readonly bounds: readonly number[];
  private readonly metricName: string;

  constructor(config: {
    name: string;
    help: string;
    labelNames: readonly L[];
    registers: Registry[];
    buckets?: number[];
  }) {
    super({ ...config, labelNames: [...config.labelNames] });
    this.names = config.labelNames;
    this.bounds = (this as unknown as { upperBounds: number[] }).upperBounds;
    this.metricName = config.name;
    // prom-client picks its observe in its constructor, as an own property.
    this.observe = this.observeLabels as Histogram<L>["observe"];
    // prom-client exports a histogram without labels from the start, at zero.
    if (this.names.length === 0) this.seen(this.cell({} as LabelValues<L>) as Cell);
  }

  private seen(cell: Cell): void {
    cell.seen = true;
    this.order.push(cell);
  }

  /** The cell of one label set (every label named), made on first use; keep it and observe into it. */
  cell(labels: LabelValues<L>): HistogramCell {
    let key = "";
    for (const name of this.names) {
      const value = labels[name];
      if (value === undefined) throw new Error(`${this.metricName}: label ${name} is missing`);
      key += `${value}\u0000`;
    }
    let cell = this.cells.get(key);
    if (!cell) {
      cell = new Cell({ ...labels }, this.bounds, (c) => this.seen(c));
      this.cells.set(key, cell);
    }
    return cell;
  }

  /** `observe(labels, value)` or `observe(value)`, through the label set's cell (set as prom-client sets its own). */
  private observeLabels(labels: LabelValues<L> | number, value?: number): void {
    const v = typeof labels === "number" ? labels : (value as number);
    if (!Number.isFinite(v)) throw new TypeError(`Value is not a valid number: ${v}`);
    this.cell(typeof labels === "number" ? ({} as LabelValues<L>) : labels).observe(v);
  }

  /** What the registry reads (prom-client's, not in its types): the cells copied into prom-client's values first. */
  async getForPromString(): Promise<unknown> {
    const hashMap: Record<number, PromEntry> = {};
    this.order.forEach((cell, i) => {
      const bucketValues: Record<number, number> = {};
      this.bounds.forEach((bound, b) => {
        bucketValues[bound] = cell.counts[b]!;
      });
      hashMap[i] = { labels: cell.labels, bucketValues, sum: cell.sum, count: cell.count };
    });
    (this as unknown as { hashMap: Record<number, PromEntry> }).hashMap = hashMap;
    return promExport.call(this);
  }

  /** As prom-client's: every label set is dropped until observed again. (Also called by its constructor.) */
  override reset(): void {
    super.reset();
    if (!this.order) return;
    for (const cell of this.order) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
      cell.seen = false;
    }
    this.order = [];
  }

  /** Label sets are kept as cells (see `cell`); prom-client's child objects would observe into a map nothing reads. */
  override labels(): never {
    throw new Error(`${this.metricName}: observe with cell() instead of labels()`);
  }

  /** Series are never removed from a histogram kept here (its label sets are few and fixed). */
  override remove(): never {
    throw new Error(`${this.metricName}: series of this histogram are not removed`);
  }

  override zero(): never {
    throw new Error(`${this.metricName}: label sets appear when first observed`);
  }
}
