/**
 * A latency histogram that merges across processes: 10 µs buckets up to
 * 100 ms, then 1 ms buckets up to 10 s (longer values land in the last bucket).
 */
const fineBuckets = 10_000;
const coarseBuckets = 9_900;
export const bucketCount = fineBuckets + coarseBuckets + 1;

export function createHistogram(): Uint32Array {
  return new Uint32Array(bucketCount);
}

export function record(histogram: Uint32Array, ms: number): void {
  const v = Math.max(0, ms);
  const i = v < 100 ? Math.floor(v * 100) : Math.min(bucketCount - 1, fineBuckets + Math.floor(v - 100));
  histogram[i]! += 1;
}

/** Non-empty buckets as [index, count] pairs: a compact form to send over IPC. */
export function sparse(histogram: Uint32Array): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < histogram.length; i++) if (histogram[i]! > 0) out.push([i, histogram[i]!]);
  return out;
}

export function addSparse(histogram: Uint32Array, pairs: readonly [number, number][]): void {
  for (const [i, n] of pairs) histogram[i]! += n;
}

function bucketValue(i: number): number {
  return i < fineBuckets ? (i + 0.5) / 100 : 100 + (i - fineBuckets) + 0.5;
}

/** The value below which fraction `q` of the samples fall, in ms (NaN when empty). */
export function quantile(histogram: Uint32Array, q: number): number {
  let total = 0;
  for (const n of histogram) total += n;
  if (total === 0) return Number.NaN;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i]!;
    if (seen >= rank) return bucketValue(i);
  }
  return bucketValue(histogram.length - 1);
}
