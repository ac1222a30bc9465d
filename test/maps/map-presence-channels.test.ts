import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { clientProtocols, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapBrokerConfig, mapBrokerKinds, stopMapBrokers } from "./map-brokers.js";
import { observeMap } from "./map-observer.js";
import { mapTestClients } from "./map-test-clients.js";

const secret = "map-presence-secret";
/** Keys live 1 s; entries are refreshed every 300 ms, so only a refreshed entry outlives 2 s. */
const keyTtlMs = 1000;

let srv: TestServer;
const { connect, disconnectAll } = mapTestClients(secret, () => srv.url);

async function entries(channel: string) {
  const result = await srv.server.node.maps.readState(channel, { limit: -1 });
  return result.publications
    .map((p) => ({ key: p.key, data: p.data.length, user: p.info?.user, client: p.info?.client }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** Polls the map until `done` holds (expiry and removals land asynchronously). */
async function until(channel: string, done: (keys: string[]) => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const keys = (await entries(channel)).map((e) => e.key);
    if (done(keys)) return;
    if (Date.now() > deadline) assert.fail(`${channel} still holds ${JSON.stringify(keys)}`);
    await sleep(50);
  }
}

for (const broker of mapBrokerKinds) {
  describe(`on the ${broker} map broker`, () => {
    before(async () => {
      srv = await startTestServer({
        map_broker: await mapBrokerConfig(broker),
        client: {
          token: { hmac_secret_key: secret },
          allow_anonymous_connect_without_token: true,
          presence_update_interval: "300ms",
        },
        channel: {
          namespaces: [
            {
              name: "room",
              allow_subscribe_for_client: true,
              allow_subscribe_for_anonymous: true,
              map_clients_presence_channel_prefix: "clients:",
              map_users_presence_channel_prefix: "users:",
            },
            { name: "plain", allow_subscribe_for_client: true },
            { name: "clients", subscription_type: "map_clients", map: { mode: "ephemeral", key_ttl: "1s" } },
            { name: "users", subscription_type: "map_users", map: { mode: "recoverable", key_ttl: "1s" } },
          ],
        },
      });
    });

    after(async () => {
      disconnectAll();
      await srv.close();
    });

    for (const protocol of clientProtocols) {
      describe(`map presence channels (${protocol})`, () => {
        test("a subscriber is in the clients channel with its ClientInfo while subscribed, refreshed without publications", async () => {
          const channel = `room:${protocol}:a`;
          const watched = await observeMap(srv.server.node, `clients:${channel}`);
          try {
            const { client, id } = await connect(protocol, "alice");
            const { sub } = await subscribed(client, channel);
            await watched.next((c) => c.pub.key === id);
            assert.deepEqual(await entries(`clients:${channel}`), [
              { key: id, data: 0, user: "alice", client: id },
            ]);
            await sleep(2 * keyTtlMs + 200);
            assert.deepEqual(
              (await entries(`clients:${channel}`)).map((e) => e.key),
              [id],
            );
            assert.equal(watched.changes.length, 1, "keep-alives publish nothing");
            sub.unsubscribe();
            const removal = await watched.next((c) => c.pub.removed === true);
            assert.equal(removal.pub.key, id);
            assert.deepEqual(await entries(`clients:${channel}`), []);
          } finally {
            await watched.close();
          }
        });

        test("the users channel holds the user ID without data, outlives the unsubscribe and expires by key_ttl", async () => {
          const channel = `room:${protocol}:b`;
          const first = await connect(protocol, "bob");
          const second = await connect(protocol, "bob");
          const subs = await Promise.all(
            [first.client, second.client].map(async (c) => (await subscribed(c, channel)).sub),
          );
          await until(`users:${channel}`, (keys) => keys.length === 1);
          assert.deepEqual(await entries(`users:${channel}`), [
            { key: "bob", data: 0, user: undefined, client: undefined },
          ]);
          await until(`clients:${channel}`, (keys) => keys.length === 2);
          assert.deepEqual(
            (await entries(`clients:${channel}`)).map((e) => e.key),
            [first.id, second.id].sort(),
          );
          for (const s of subs) s.unsubscribe();
          await until(`clients:${channel}`, (keys) => keys.length === 0);
          assert.deepEqual(
            (await entries(`users:${channel}`)).map((e) => e.key),
            ["bob"],
          );
          await until(`users:${channel}`, (keys) => keys.length === 0);
        });

        test("a disconnect takes the client entry out at once", async () => {
          const channel = `room:${protocol}:c`;
          const { client, id } = await connect(protocol, "carol");
          await subscribed(client, channel);
          await until(`clients:${channel}`, (keys) => keys.includes(id));
          client.disconnect();
          await until(`clients:${channel}`, (keys) => keys.length === 0, keyTtlMs / 2);
        });

        test("anonymous subscribers are in the clients channel only", async () => {
          const channel = `room:${protocol}:d`;
          const { client, id } = await connect(protocol, "");
          await subscribed(client, channel);
          await until(`clients:${channel}`, (keys) => keys.includes(id));
          assert.deepEqual(await entries(`clients:${channel}`), [{ key: id, data: 0, user: "", client: id }]);
          assert.deepEqual(await entries(`users:${channel}`), []);
        });

        test("namespaces without prefixes write no presence entries", async () => {
          const { client } = await connect(protocol, "dave");
          await subscribed(client, `plain:${protocol}`);
          assert.deepEqual(await entries(`clients:plain:${protocol}`), []);
          assert.deepEqual(await entries(`users:plain:${protocol}`), []);
        });
      });
    }
  });
}

after(() => stopMapBrokers());
