import { fileURLToPath } from "node:url";
import { sleep } from "./clock.js";
import { addSparse, createHistogram } from "./histogram.js";
import { ask } from "./ipc.js";
import { type Proc, raiseFileLimit, spawnNode } from "./processes.js";

const subscribersFile = fileURLToPath(new URL("../load/subscribers.ts", import.meta.url));

/** How long a load process may take to open its connections (each has its own, shorter limit). */
const openTimeoutMs = 600_000;

/** Most connections one load process opens. */
const perProcess = 5000;

/** Loopback source addresses: each gives its own range of ephemeral ports. */
export const localAddresses = ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"];

export type SubscriberMode = "centrifugo" | "centrifugo-v1" | "raw" | "socketio";

export interface FleetSpec {
  readonly url: string;
  readonly mode: SubscriberMode;
  readonly count: number;
  readonly channels: readonly string[];
  readonly subscribe: boolean;
  readonly cpus: string;
  /** Offer permessage-deflate on every connection. */
  readonly deflate?: boolean;
}

interface Stats {
  received: number;
  frames: number;
  lastAt: number;
  histogram: [number, number][];
  bytes: number;
}

/** The subscriber connections of one server, spread over load processes. */
export interface Fleet {
  reset(): Promise<void>;
  /** Polls until `expected` deliveries arrived or nothing arrived for `idleMs`. */
  waitFor(
    expected: number,
    idleMs: number,
  ): Promise<{ received: number; frames: number; lastAt: number; histogram: Uint32Array; bytes: number }>;
  /**
   * Subscribes every connection to a map channel at once, paging through its
   * state `limit` entries at a time; times it from the first request to the last LIVE reply.
   */
  mapSubscribe(channel: string, limit: number): Promise<{ entries: number; seconds: number }>;
  close(): Promise<void>;
}

interface MapSubscribed {
  failed: number;
  firstError: string;
  entries: number;
  startedAt: number;
  doneAt: number;
}

/**
 * Starts load processes and opens `count` connections, channel i mod
 * channels.length for connection i; fails if any connection is refused.
 */
export async function openFleet(spec: FleetSpec): Promise<Fleet> {
  const procs: Proc[] = [];
  const n = Math.max(1, Math.ceil(spec.count / perProcess));
  try {
    const opened = [];
    for (let p = 0; p < n; p++) {
      const proc = spawnNode([subscribersFile], spec.cpus, true);
      raiseFileLimit(proc.pid);
      procs.push(proc);
      const from = Math.floor((spec.count * p) / n);
      const to = Math.floor((spec.count * (p + 1)) / n);
      const channels = Array.from(
        { length: to - from },
        (_, k) => spec.channels[(from + k) % spec.channels.length]!,
      );
      opened.push(
        ask<{ opened: number; failed: number; firstError: string }>(
          proc.child,
          {
            type: "open",
            url: spec.url,
            mode: spec.mode,
            count: to - from,
            channels,
            subscribe: spec.subscribe,
            localAddresses,
            deflate: spec.deflate === true,
          },
          openTimeoutMs,
        ),
      );
    }
    for (const result of await Promise.all(opened)) {
      if (result.failed > 0)
        throw new Error(`${result.failed} ${spec.mode} connections failed: ${result.firstError}`);
    }
  } catch (err) {
    await Promise.all(procs.map((p) => p.stop()));
    throw err;
  }
  const stats = () => Promise.all(procs.map((p) => ask<Stats>(p.child, { type: "stats" })));
  return {
    async reset() {
      await Promise.all(procs.map((p) => ask(p.child, { type: "reset" })));
    },
    async waitFor(expected, idleMs) {
      let last = -1;
      let lastChange = Date.now();
      for (;;) {
        const all = await stats();
        const received = all.reduce((s, x) => s + x.received, 0);
        if (received !== last) lastChange = Date.now();
        last = received;
        if (received >= expected || Date.now() - lastChange > idleMs) {
          const histogram = createHistogram();
          for (const x of all) addSparse(histogram, x.histogram);
          return {
            received,
            frames: all.reduce((s, x) => s + x.frames, 0),
            lastAt: Math.max(...all.map((x) => x.lastAt)),
            histogram,
            bytes: all.reduce((s, x) => s + x.bytes, 0),
          };
        }
        await sleep(50);
      }
    },
    async mapSubscribe(channel, limit) {
      const all = await Promise.all(
        procs.map((p) =>
          ask<MapSubscribed>(p.child, { type: "map-subscribe", channel, limit }, openTimeoutMs),
        ),
      );
      const failed = all.find((x) => x.failed > 0);
      if (failed) throw new Error(`${failed.failed} map subscriptions failed: ${failed.firstError}`);
      return {
        entries: all.reduce((s, x) => s + x.entries, 0),
        seconds: (Math.max(...all.map((x) => x.doneAt)) - Math.min(...all.map((x) => x.startedAt))) / 1000,
      };
    },
    async close() {
      await Promise.all(procs.map((p) => ask(p.child, { type: "close" }).catch(() => undefined)));
      await Promise.all(procs.map((p) => p.stop()));
    },
  };
}
