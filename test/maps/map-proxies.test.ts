import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { disconnectedBy } from "../helpers/centrifuge-clients.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { backendTransports, startBackend } from "../proxy/backends/backends.js";
import { type Answer, Script } from "../proxy/backends/script.js";
import type { TestBackend } from "../proxy/backends/test-backend.js";
import { observeMap } from "./map-observer.js";
import { mapTestClients } from "./map-test-clients.js";

const secret = "map-proxy-secret";
const b64 = (text: string) => Buffer.from(text).toString("base64");

/** How the backend answers, by the key the client named. */
function mapPublishAnswer(request: Record<string, unknown>): Answer {
  switch (request.key) {
    case "rewrite":
      return {
        answer: {
          result: {
            key: `player_${request.user}`,
            data: { seat: 2 },
            tags: { team: "red" },
            key_mode: "if_new",
          },
        },
      };
    case "b64":
      return { answer: { result: { b64data: b64('{"from":"b64"}') } } };
    case "both":
      return { answer: { result: { data: { from: "data" }, b64data: b64('{"from":"b64"}') } } };
    case "deny":
      return { answer: { error: { code: 4003, message: "not your seat" } } };
    case "kick":
      return { answer: { disconnect: { code: 4501, reason: "cheating" } } };
    case "broken":
      return { malformed: true };
    default:
      return { answer: { result: {} } };
  }
}

function mapRemoveAnswer(request: Record<string, unknown>): Answer {
  switch (request.key) {
    case "mine":
      return { answer: { result: { key: `player_${request.user}`, tags: { why: "left" } } } };
    case "deny":
      return { answer: { error: { code: 4004, message: "keep it" } } };
    default:
      return { answer: { result: {} } };
  }
}

for (const transport of backendTransports) {
  describe(`map publish and remove proxies over ${transport}`, () => {
    const script = new Script();
    script.define("", { MapPublish: mapPublishAnswer, MapRemove: mapRemoveAnswer });
    let backend: TestBackend;
    let srv: TestServer;
    const clients = mapTestClients(secret, () => srv.url);
    const map = { mode: "recoverable", key_ttl: "60s" };

    before(async () => {
      backend = await startBackend(transport, script);
      srv = await startTestServer({
        prometheus: { enabled: true },
        client: { token: { hmac_secret_key: secret }, allow_anonymous_connect_without_token: true },
        proxies: [{ name: "seats", ...backend.proxy("MapPublish") }],
        channel: {
          proxy: { map_publish: backend.proxy("MapPublish"), map_remove: backend.proxy("MapRemove") },
          namespaces: [
            {
              name: "game",
              subscription_type: "map",
              map: { ...map, publish_proxy_enabled: true, remove_proxy_enabled: true },
            },
            {
              name: "named",
              subscription_type: "map",
              map: { ...map, publish_proxy_enabled: true, publish_proxy_name: "seats" },
            },
          ],
        },
      });
    });

    after(async () => {
      clients.disconnectAll();
      await srv.close();
      await backend.close();
    });

    const connect = (user: string) => clients.connect("json", user);

    async function state(channel: string) {
      const result = await srv.server.node.maps.readState(channel, { limit: -1 });
      return result.publications.map((p) => ({
        key: p.key,
        data: Buffer.from(p.data).toString(),
        tags: p.tags,
        user: p.info?.user,
      }));
    }

    const lastCall = (method: string, channel: string) =>
      script.waitForCall((c) => c.method === method && c.request.channel === channel);

    test("{} writes the client's key and data; the backend sees Centrifugo's request fields", async () => {
      const { client, id } = await connect("alice");
      const channel = `game:${transport}:plain`;
      assert.deepEqual(await client.mapPublish(channel, "slot1", { ready: true }), {});
      const call = await lastCall("MapPublish", channel);
      assert.deepEqual(call.request, {
        client: id,
        transport: "websocket",
        protocol: "json",
        encoding: "json",
        user: "alice",
        channel,
        key: "slot1",
        data: { ready: true },
      });
      assert.deepEqual(await state(channel), [
        { key: "slot1", data: '{"ready":true}', tags: undefined, user: "alice" },
      ]);
    });

    test("the request of an anonymous client has no user", async () => {
      const { client } = await connect("");
      const channel = `game:${transport}:anonymous`;
      await client.mapPublish(channel, "k", { n: 1 });
      await client.mapRemove(channel, "k");
      assert.equal("user" in (await lastCall("MapPublish", channel)).request, false);
      assert.equal("user" in (await lastCall("MapRemove", channel)).request, false);
      assert.deepEqual(await state(channel), []);
    });

    test("the result replaces key and data and sets tags and key_mode; a suppressed write still succeeds", async () => {
      const { client } = await connect("alice");
      const channel = `game:${transport}:rewrite`;
      await client.mapPublish(channel, "rewrite", { seat: 1 });
      assert.deepEqual(await state(channel), [
        { key: "player_alice", data: '{"seat":2}', tags: { team: "red" }, user: "alice" },
      ]);
      const top = (await srv.server.node.maps.readState(channel, { limit: 0 })).position;
      assert.deepEqual(await client.mapPublish(channel, "rewrite", { seat: 3 }), {});
      assert.deepEqual((await srv.server.node.maps.readState(channel, { limit: 0 })).position, top);
    });

    test("b64data replaces the data, and raw data wins over it", async () => {
      const { client } = await connect("alice");
      const channel = `game:${transport}:b64`;
      await client.mapPublish(channel, "b64", { from: "client" });
      await client.mapPublish(channel, "both", { from: "client" });
      assert.deepEqual(
        (await state(channel)).map((e) => [e.key, e.data]),
        [
          ["b64", '{"from":"b64"}'],
          ["both", '{"from":"data"}'],
        ],
      );
    });

    test("an error refuses with the backend's code, a disconnect closes the connection, a bad answer is 100", async () => {
      const { client } = await connect("alice");
      const channel = `game:${transport}:refused`;
      await assert.rejects(client.mapPublish(channel, "deny", {}), { code: 4003, message: "not your seat" });
      await assert.rejects(client.mapRemove(channel, "deny"), { code: 4004, message: "keep it" });
      await assert.rejects(client.mapPublish(channel, "broken", {}), { code: 100 });
      const closed = await disconnectedBy(client, () =>
        client.mapPublish(channel, "kick", {}).catch(() => {}),
      );
      assert.deepEqual(closed, { code: 4501, reason: "cheating" });
      assert.deepEqual(await state(channel), []);
    });

    test("the remove result names the key and the removal's tags", async () => {
      const { client } = await connect("bob");
      const channel = `game:${transport}:remove`;
      await client.mapPublish(channel, "rewrite", {});
      const observer = await observeMap(srv.server.node, channel);
      try {
        await client.mapRemove(channel, "mine");
        const removal = await observer.next((c) => c.pub.removed === true);
        assert.equal(removal.pub.key, "player_bob");
        assert.deepEqual(removal.pub.tags, { why: "left" });
      } finally {
        await observer.close();
      }
      assert.deepEqual(await state(channel), []);
    });

    test("an empty key left by the backend is refused with 107", async () => {
      const { client } = await connect("alice");
      await assert.rejects(client.mapPublish(`game:${transport}:empty`, "", {}), { code: 107 });
      await assert.rejects(client.mapRemove(`game:${transport}:empty`, ""), { code: 107 });
    });

    test("a namespace names its proxy in proxies[]; remove without a proxy follows the allow options", async () => {
      const { client } = await connect("alice");
      const channel = `named:${transport}`;
      await client.mapPublish(channel, "k", { via: "seats" });
      await lastCall("MapPublish", channel);
      assert.deepEqual(
        (await state(channel)).map((e) => e.key),
        ["k"],
      );
      await assert.rejects(client.mapRemove(channel, "k"), { code: 103 });
    });

    test("calls are measured with the map_publish and map_remove kinds and the proxy's name", async () => {
      const samples = await scrape(`${srv.url}/metrics`);
      const count = (type: string, name: string) =>
        sample(samples, "centrifugo_proxy_duration_seconds_histogram_count", {
          protocol: transport,
          type,
          name,
        });
      assert.ok((count("map_publish", "default") ?? 0) > 0);
      assert.ok((count("map_remove", "default") ?? 0) > 0);
      assert.equal(count("map_publish", "seats"), 1);
    });
  });
}
