import { Wakeup } from "../../consumers/wakeup.js";
import { interval } from "../../postgres/payload-columns.js";
import type { PostgresClient } from "../../postgres/postgres-client.js";
import type { MapChannelOptions, MapChannelResolver, MapCleanupObserver } from "../types.js";
import type { MapNames } from "./map-tables.js";

export interface PostgresExpiryOptions {
  readonly channels: MapChannelResolver;
  /** Pause between passes (`ttl_check_interval`). */
  readonly intervalMs: number;
  readonly numShards: number;
  /** How long a channel's meta outlives its last write, for the removals a pass writes. */
  readonly metaTtl: (options: MapChannelOptions | undefined) => number;
  readonly observer?: MapCleanupObserver | undefined;
}

/** Channels visited per pass and keys removed per channel per visit (Centrifugo's). */
const channelsPerPass = 100;
const keysPerVisit = 1000;
const expiryFailed = "map key expiry failed";

/**
 * Removes expired map keys every `ttl_check_interval`: finds the channels
 * with due keys and calls `_expire_keys` for each, which writes one removal
 * per key (with its tags) into the stream under the shard lock, so every
 * node's pollers deliver them like any other change and two nodes expiring
 * at once remove each key once. Reports removals, failures and how long the
 * oldest due key has waited. Returns how to stop it.
 */
export function startExpiryCleanup(
  db: PostgresClient,
  n: MapNames,
  o: PostgresExpiryOptions,
): () => Promise<void> {
  const wakeup = new Wakeup();
  let closed = false;

  async function pass(): Promise<void> {
    const { rows } = await db.query<{ lag: string | null }>(
      `SELECT extract(epoch FROM NOW() - MIN(expires_at)) AS lag FROM ${n.state} WHERE expires_at <= NOW()`,
    );
    o.observer?.lag(Math.max(0, Number(rows[0]?.lag ?? 0)));
    const due = await db.query<{ channel: string }>(
      `SELECT DISTINCT channel FROM ${n.state} WHERE expires_at <= NOW() LIMIT ${channelsPerPass}`,
    );
    for (const { channel } of due.rows) {
      if (closed) return;
      const removed = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${n.prefix}_expire_keys($1, $2, $3::interval, $4)`,
        [keysPerVisit, o.numShards, interval(o.metaTtl(o.channels(channel))), channel],
      );
      o.observer?.removed(Number(removed.rows[0]?.n ?? 0));
    }
  }

  const running = (async () => {
    while (!closed) {
      await wakeup.wait(o.intervalMs);
      if (closed) return;
      try {
        await pass();
        db.recovered(expiryFailed);
      } catch (err) {
        o.observer?.failed();
        db.warn(err as Error, expiryFailed);
      }
    }
  })();

  return async () => {
    closed = true;
    wakeup.wake();
    await running;
  };
}
