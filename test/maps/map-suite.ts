import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Centrifuge, MapSubscriptionOptions } from "centrifuge";
import { centrifugeClient, clientProtocols, nextEvent } from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";
import { type MapView, mapView, putKey, removeKey } from "./map-view.js";

/** The namespaces the map suite subscribes to, one per mode and behaviour under test. */
export const mapSuiteNamespaces = [
  { name: "persist", subscription_type: "map", map: { mode: "persistent" } },
  { name: "recov", subscription_type: "map", map: { mode: "recoverable", key_ttl: "60s" } },
  { name: "expiring", subscription_type: "map", map: { mode: "recoverable", key_ttl: "1s" } },
  { name: "eph", subscription_type: "map", map: { mode: "ephemeral", key_ttl: "60s" } },
  {
    name: "short",
    subscription_type: "map",
    map: { mode: "persistent", live_transition_max_publication_limit: 2 },
  },
  { name: "diff", subscription_type: "map", map: { mode: "persistent" }, allowed_delta_types: ["fossil"] },
];

const keyName = (i: number) => `k${String(i).padStart(3, "0")}`;

async function fill(srv: TestServer, channel: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await putKey(srv, channel, keyName(i), { i });
}

async function offline(client: Centrifuge): Promise<void> {
  const gone = nextEvent(client, "disconnected");
  client.disconnect();
  await gone;
}

/**
 * Map subscriptions end to end with the real SDK, over WebSocket JSON and
 * protobuf, against the server `server()` returns (configured with
 * mapSuiteNamespaces and `client.insecure`). Keys are written on `writer()`,
 * which may be another node on the same map broker.
 */
export function mapSuite(label: string, server: () => TestServer, writer: () => TestServer = server): void {
  for (const protocol of clientProtocols) {
    describe(`map subscriptions over ${protocol} (${label})`, () => {
      const channel = (ns: string, name: string) => `${ns}:${label}-${protocol}-${name}`;
      /** Runs `body` on a subscriber whose initial sync arrived; disconnects it afterwards. */
      const synced = async (
        ch: string,
        options: MapSubscriptionOptions,
        body: (view: MapView, c: Centrifuge) => Promise<void>,
      ) => {
        const c = centrifugeClient(server().url, protocol);
        try {
          const view = mapView(c, ch, options);
          view.sub.subscribe();
          c.connect();
          await view.until("the initial sync", (v) => v.syncs === 1);
          await body(view, c);
        } finally {
          c.disconnect();
        }
      };

      test("a state larger than a page arrives whole, then live updates and removals", async () => {
        const ch = channel("persist", "paged");
        await fill(writer(), ch, 250);
        await synced(ch, { pageSize: 100 }, async (view) => {
          assert.equal(view.entries.size, 250);
          assert.deepEqual(view.entries.get("k249"), { i: 249 });
          await putKey(writer(), ch, "k001", { i: 1001 });
          await putKey(writer(), ch, "fresh", { x: 1 });
          await removeKey(writer(), ch, "k000");
          await view.until("two writes and a removal", (v) => v.updates.length === 3);
          assert.deepEqual(
            view.updates.map((u) => [u.key, u.data, u.removed]),
            [
              ["k001", { i: 1001 }, false],
              ["fresh", { x: 1 }, false],
              ["k000", undefined, true],
            ],
          );
          assert.deepEqual(
            view.updates.map((u) => u.offset),
            [251, 252, 253],
          );
          assert.equal(view.entries.size, 250);
        });
      });

      test("an expired key reaches subscribers as a removal", async () => {
        const ch = channel("expiring", "ttl");
        await synced(ch, {}, async (view) => {
          await putKey(writer(), ch, "short-lived", { v: 1 });
          await view.until("the key", (v) => v.entries.has("short-lived"));
          await view.until("the key's expiry", (v) => !v.entries.has("short-lived"), 5000);
          assert.deepEqual(
            view.updates.map((u) => [u.key, u.removed]),
            [
              ["short-lived", false],
              ["short-lived", true],
            ],
          );
        });
      });

      for (const ns of ["recov", "persist"]) {
        test(`${ns}: a reconnecting subscriber catches up on the stream without a full resync`, async () => {
          const ch = channel(ns, "catch-up");
          await fill(writer(), ch, 120);
          await synced(ch, {}, async (view, c) => {
            await offline(c);
            await putKey(writer(), ch, "k005", { i: 5005 });
            await removeKey(writer(), ch, "k006");
            await putKey(writer(), ch, "while-away", { w: true });
            const back = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(view.sub, "subscribed");
            c.connect();
            const ctx = await back;
            assert.equal(ctx.wasRecovering, true);
            assert.equal(ctx.recovered, true);
            await view.until("the missed changes", (v) => v.updates.length === 3);
            assert.equal(view.syncs, 1);
            assert.deepEqual(view.entries.get("k005"), { i: 5005 });
            assert.equal(view.entries.has("k006"), false);
            assert.deepEqual(view.entries.get("while-away"), { w: true });
            assert.equal(view.entries.size, 120);
          });
        });
      }

      test("ephemeral: state and live updates; a reconnect resyncs the whole state", async () => {
        const ch = channel("eph", "resync");
        await fill(writer(), ch, 3);
        await synced(ch, {}, async (view, c) => {
          assert.equal(view.entries.size, 3);
          await putKey(writer(), ch, "k003", { i: 3 });
          await view.until("a live key", (v) => v.entries.has("k003"));
          assert.ok(!view.updates[0]?.offset, "ephemeral changes have no offset");
          await offline(c);
          await putKey(writer(), ch, "k004", { i: 4 });
          c.connect();
          await view.until("a second sync", (v) => v.syncs === 2);
          assert.equal(view.entries.size, 5);
        });
      });

      test("more missed changes than the live transition allows (112) fall back to the full state", async () => {
        const ch = channel("short", "fallback");
        await fill(writer(), ch, 3);
        await synced(ch, {}, async (view, c) => {
          await offline(c);
          for (let i = 10; i < 15; i++) await putKey(writer(), ch, keyName(i), { i });
          c.connect();
          await view.until("a resync", (v) => v.syncs === 2);
          assert.equal(view.entries.size, 8);
          assert.deepEqual(view.entries.get("k014"), { i: 14 });
        });
      });

      test("a cleared map (new epoch, 112) resyncs from its new state", async () => {
        const ch = channel("persist", "cleared");
        await fill(writer(), ch, 3);
        await synced(ch, {}, async (view, c) => {
          await offline(c);
          await writer().server.node.maps.clear(ch);
          await putKey(writer(), ch, "after", { fresh: true });
          c.connect();
          await view.until("a resync", (v) => v.syncs === 2);
          assert.deepEqual([...view.entries.keys()], ["after"]);
        });
      });

      test("fossil deltas on map changes decode to the full values", async () => {
        const ch = channel("diff", "delta");
        const big = (n: number) => ({ text: "lorem ipsum dolor sit amet ".repeat(20), n });
        await putKey(writer(), ch, "doc", big(0), true);
        await synced(ch, { delta: "fossil" }, async (view) => {
          for (let n = 1; n <= 3; n++) await putKey(writer(), ch, "doc", big(n), true);
          await putKey(writer(), ch, "other", big(9), true);
          await view.until("the changes", (v) => v.updates.length === 4);
          assert.deepEqual(
            view.updates.map((u) => u.data),
            [big(1), big(2), big(3), big(9)],
          );
        });
      });
    });
  }
}
