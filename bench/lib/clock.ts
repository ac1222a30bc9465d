/**
 * Milliseconds on the system-wide monotonic clock. Every process on the
 * machine reads the same clock, so a timestamp written by the publisher can be
 * subtracted from one read by a subscriber in another process.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
