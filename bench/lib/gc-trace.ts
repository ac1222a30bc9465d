/** One kind of collection in a `node --trace-gc` log: how often, and how long the main thread stopped. */
export interface GcKind {
  readonly kind: string;
  readonly count: number;
  readonly totalMs: number;
  readonly maxMs: number;
  readonly p99Ms: number;
  /** Incremental marking steps reported before the final pause (they also run on the main thread). */
  readonly incrementalMs: number;
}

const line =
  /(\d+) ms: (Scavenge|Minor Mark-Compact|Mark-Compact(?: \(reduce\))?|Mark-sweep)[^,]*, ([\d.]+) \/ [\d.]+ ms(?:\s+\(\+ ([\d.]+) ms in)?/;

function p99(sorted: readonly number[]): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
}

/**
 * Pauses per collection kind in `--trace-gc` output (V8 prints
 * `<ms since the isolate started> ms: Scavenge 6.1 (7.3) -> 5.5 (8.3) MB, 1.2 / 0.0 ms …`
 * per collection; the first figure after the sizes is the main-thread
 * pause), counting those that started between `fromMs` and `toMs` (isolate time).
 */
export function summariseGcTrace(text: string, fromMs = -Infinity, toMs = Infinity): GcKind[] {
  const pauses = new Map<string, { pauses: number[]; incremental: number }>();
  for (const l of text.split("\n")) {
    const m = line.exec(l);
    if (!m) continue;
    const at = Number(m[1]);
    if (at < fromMs || at > toMs) continue;
    const kind = m[2]!;
    const entry = pauses.get(kind) ?? { pauses: [], incremental: 0 };
    entry.pauses.push(Number(m[3]));
    entry.incremental += Number(m[4] ?? 0);
    pauses.set(kind, entry);
  }
  return [...pauses.entries()].map(([kind, e]) => {
    const sorted = [...e.pauses].sort((a, b) => a - b);
    return {
      kind,
      count: sorted.length,
      totalMs: sorted.reduce((s, x) => s + x, 0),
      maxMs: sorted.at(-1) ?? 0,
      p99Ms: p99(sorted),
      incrementalMs: e.incremental,
    };
  });
}
