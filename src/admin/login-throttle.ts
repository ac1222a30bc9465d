/** Wrong passwords an address may send before it must wait. */
const freeFailures = 3;
/** The first wait, doubled with each further failure up to `maxDelayMs`. */
const baseDelayMs = 1000;
const maxDelayMs = 5 * 60 * 1000;
/** Addresses followed at once; the oldest is forgotten past it, so a spread-out attack cannot grow the map. */
const maxAddresses = 10_000;

interface Failures {
  count: number;
  until: number;
}

/**
 * Slows password guessing at the admin login: after a few wrong passwords
 * from one source address, each further attempt must wait a delay that
 * doubles with every failure (1 s up to 5 min), whatever the password. A
 * correct password clears the address; a quiet one is forgotten.
 */
export function createLoginThrottle(now: () => number = Date.now) {
  const byAddress = new Map<string, Failures>();
  return {
    /** Milliseconds `address` must still wait before its next attempt; 0 when it may try now. */
    waitFor(address: string): number {
      const f = byAddress.get(address);
      if (!f) return 0;
      const t = now();
      if (t - f.until > maxDelayMs) {
        byAddress.delete(address);
        return 0;
      }
      return Math.max(0, f.until - t);
    },
    /** A wrong password from `address`; how many it has sent in a row. */
    failed(address: string): number {
      const f = byAddress.get(address) ?? { count: 0, until: 0 };
      byAddress.delete(address);
      f.count++;
      const over = f.count - freeFailures;
      f.until = now() + (over > 0 ? Math.min(maxDelayMs, baseDelayMs * 2 ** (over - 1)) : 0);
      byAddress.set(address, f);
      if (byAddress.size > maxAddresses) byAddress.delete(byAddress.keys().next().value!);
      return f.count;
    },
    succeeded(address: string): void {
      byAddress.delete(address);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
