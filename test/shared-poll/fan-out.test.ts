import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge, SharedPollUpdateContext } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { signKeys, startPollBackend } from "./poll-backend.js";

const secret = "fan-out-connect-secret";
const pollSecret = "fan-out-track-secret";
const subscribers = 1000;
const keys = Array.from({ length: 100 }, (_, i) => `item${String(i).padStart(3, "0")}`);
const intervalMs = 300;
const batchSize = 40;
const channel = "board:prices";

/** Resolves once `check` holds, checking every 20 ms, or fails after `timeoutMs`. */
async function eventually(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe(`${subscribers} SDK subscribers tracking the same ${keys.length} keys`, () => {
  let backend: Awaited<ReturnType<typeof startPollBackend>>;
  let srv: TestServer;
  const clients: Centrifuge[] = [];
  /** Per subscriber: key → data of each update it received, in order. */
  const received: Map<string, unknown[]>[] = [];

  before(async () => {
    backend = await startPollBackend();
    for (const key of keys) backend.keys.set(key, { data: { key, price: 100 } });
    srv = await startTestServer({
      client: { token: { hmac_secret_key: secret } },
      shared_poll: { hmac_secret_key: pollSecret },
      channel: {
        proxy: { shared_poll_refresh: backend.proxy },
        namespaces: [
          {
            name: "board",
            subscription_type: "shared_poll",
            allow_subscribe_for_client: true,
            shared_poll: { refresh_interval: `${intervalMs}ms`, refresh_batch_size: batchSize },
          },
        ],
      },
    });
    const token = await mintConnectionToken({ secret, user: "viewer", ttl: 3_600_000 });
    const getSignature = async (ctx: { keys: string[] }) => ({
      keys: ctx.keys,
      signature: signKeys(pollSecret, "viewer", channel, ctx.keys),
    });
    for (let group = 0; group < subscribers; group += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const client = centrifugeClient(srv.url, "json", { token });
          clients.push(client);
          const updates = new Map<string, unknown[]>();
          received.push(updates);
          const sub = client.newSharedPollSubscription(channel, { getSignature });
          sub.on("update", (ctx: SharedPollUpdateContext) => {
            const list = updates.get(ctx.key) ?? [];
            list.push(ctx.data);
            updates.set(ctx.key, list);
          });
          sub.subscribe();
          sub.track(keys);
          // A generous wait: the suite may share the machine with other test files.
          const ready = nextEvent(client, "connected", 30_000);
          client.connect();
          await ready;
        }),
      );
    }
  });

  after(async () => {
    for (const c of clients) c.disconnect();
    await srv.close();
    await backend.close();
  });

  test("every subscriber gets every key once, from one backend call per key per interval", async () => {
    await eventually(
      () => received.every((u) => u.size === keys.length),
      "every subscriber to receive every key",
    );
    backend.resetCounts();
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 5 * intervalMs));
    const cycles = (Date.now() - started) / intervalMs;
    for (const key of keys) {
      const calls = backend.calls.get(key) ?? 0;
      assert.ok(
        // At most one call per interval (+1 for a cycle cut by the window); timers may run late on a busy machine.
        calls >= Math.floor(cycles / 2) && calls <= Math.ceil(cycles) + 1,
        `${key} was refreshed ${calls} times in ${cycles.toFixed(1)} intervals`,
      );
    }
    assert.ok(backend.batchSizes.every((n) => n <= batchSize));
    // Nothing changed: no subscriber got anything twice.
    assert.ok(received.every((u) => [...u.values()].every((list) => list.length === 1)));
  });

  test("one change reaches each subscriber once", async () => {
    backend.keys.set("item007", { data: { key: "item007", price: 101 } });
    await eventually(() => received.every((u) => u.get("item007")?.length === 2), "the change everywhere");
    await new Promise((r) => setTimeout(r, 2 * intervalMs));
    for (const u of received) {
      assert.deepEqual(u.get("item007"), [
        { key: "item007", price: 100 },
        { key: "item007", price: 101 },
      ]);
    }
    assert.equal(
      received.reduce((n, u) => n + [...u.values()].reduce((m, list) => m + list.length, 0), 0),
      subscribers * (keys.length + 1),
    );
  });
});
