/** Where the pause between retries stops growing. */
const maxBackoffMs = 5000;

/**
 * Centrifugo's consumer backoff: (10 ms + 0–9 ms jitter) doubled per retry,
 * at most 5 s. `retries` counts the failed attempts before this one.
 */
export function consumerBackoff(retries: number): number {
  const doubled = (10 + Math.floor(Math.random() * 10)) * 2 ** Math.min(retries, 10);
  return Math.min(doubled, maxBackoffMs);
}
