import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  connected,
  eventWhere,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type NatsProcess, startNats } from "../helpers/nats-servers.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { openUniWebSocket } from "../helpers/transport-clients.js";

const secret = "nats-two-nodes-secret";
const token = (user: string) => mintConnectionToken({ secret, user, ttl: 3_600_000 });

let nats: NatsProcess;
let redis: RedisProcess;
/** A and B: NATS broker, presence in Redis. C: NATS broker with wildcards, presence in its memory. */
let a: TestServer;
let b: TestServer;
let c: TestServer;
before(async () => {
  [nats, redis] = await Promise.all([startNats(), startRedis()]);
  const config = (o: { wildcards: boolean; redis: boolean }) => ({
    engine: o.redis
      ? { type: "redis", redis: { address: redis.url, prefix: "nats-two" } }
      : { type: "memory" },
    broker: {
      enabled: true,
      type: "nats",
      nats: { url: nats.url, prefix: "two", allow_wildcards: o.wildcards },
    },
    client: { token: { hmac_secret_key: secret } },
    uni_websocket: { enabled: true },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, allow_publish_for_client: true },
      namespaces: [
        {
          name: "room",
          presence: true,
          join_leave: true,
          allow_subscribe_for_client: true,
          allow_presence_for_subscriber: true,
          allow_publish_for_subscriber: true,
        },
        {
          name: "hist",
          history_size: 10,
          history_ttl: "300s",
          allow_subscribe_for_client: true,
          allow_history_for_client: true,
          allow_positioning: true,
          allow_recovery: true,
        },
      ],
    },
  });
  [a, b, c] = await Promise.all([
    startTestServer(config({ wildcards: false, redis: true })),
    startTestServer(config({ wildcards: false, redis: true })),
    startTestServer(config({ wildcards: true, redis: false })),
  ]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close(), c?.close()]);
  await Promise.all([nats?.stop(), redis?.stop()]);
});

async function api(srv: TestServer, method: string, body: unknown) {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  return res.body as { result?: Record<string, unknown>; error?: { code: number } };
}

describe("nodes on one NATS act as one server", () => {
  test("Info on each node lists all three", async () => {
    const all = [a, b, c].map((srv) => srv.server.node.id).sort();
    for (const srv of [a, b, c]) {
      const uids = async () =>
        ((await api(srv, "info", {})).result!.nodes as { uid: string }[]).map((n) => n.uid);
      await waitUntil("every node in Info", async () => (await uids()).length === 3);
      assert.deepEqual((await uids()).sort(), all);
    }
  });

  test("clients on A and B receive what the other node's API and clients publish", async () => {
    const onA = centrifugeClient(a.url, "json", { token: await token("u1") });
    const onB = centrifugeClient(b.url, "protobuf", { token: await token("u2") });
    try {
      const pubsA = collectPublications((await subscribed(onA, "room:ab")).sub);
      const subB = (await subscribed(onB, "room:ab")).sub;
      const pubsB = collectPublications(subB);
      assert.deepEqual(await api(b, "publish", { channel: "room:ab", data: { n: 1 } }), { result: {} });
      await api(a, "publish", { channel: "room:ab", data: { n: 2 } });
      await subB.publish(new TextEncoder().encode(JSON.stringify({ n: 3 })));
      for (const pubs of [pubsA, pubsB]) {
        const got = await pubs.take(3);
        assert.deepEqual(
          got.map((p) => p.data).sort((x, y) => (x as { n: number }).n - (y as { n: number }).n),
          [{ n: 1 }, { n: 2 }, { n: 3 }],
        );
        assert.ok(got.every((p) => p.offset === undefined || p.offset === 0));
      }
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });

  test("joins and leaves cross nodes; presence (in Redis) and channels seen from A include a client on B", async () => {
    const onA = centrifugeClient(a.url, "json", { token: await token("watcher") });
    const onB = centrifugeClient(b.url, "json", { token: await token("visitor") });
    try {
      const { sub } = await subscribed(onA, "room:jl", { joinLeave: true });
      const joined = eventWhere<{ info: { user: string } }>(
        sub,
        "join",
        (ctx) => ctx.info.user === "visitor",
      );
      const ctxB = await connected(onB);
      const { sub: subB } = await subscribed(onB, "room:jl");
      assert.equal((await joined).info.user, "visitor");

      const presence = (await api(a, "presence", { channel: "room:jl" })).result!.presence as Record<
        string,
        unknown
      >;
      assert.ok(ctxB.client in presence);
      assert.equal(Object.keys(presence).length, 2);
      const channels = (await api(a, "channels", { pattern: "room:jl" })).result!.channels;
      assert.deepEqual(channels, { "room:jl": { num_clients: 2 } });

      const left = eventWhere<{ info: { user: string } }>(sub, "leave", (ctx) => ctx.info.user === "visitor");
      subB.unsubscribe();
      assert.equal((await left).info.user, "visitor");
    } finally {
      onA.disconnect();
      onB.disconnect();
    }
  });

  test("a disconnect by user sent to A closes the user's connection on B", async () => {
    const onB = centrifugeClient(b.url, "json", { token: await token("u4") });
    try {
      await connected(onB);
      const closed = nextEvent<{ code: number }>(onB, "disconnected");
      await api(a, "disconnect", { user: "u4", disconnect: { code: 4501, reason: "bye" } });
      assert.equal((await closed).code, 4501);
    } finally {
      onB.disconnect();
    }
  });
});

describe("history answers as Centrifugo does on NATS", () => {
  test("server API: history and history_remove 100 on a namespace with history, 108 without", async () => {
    assert.deepEqual(await api(a, "publish", { channel: "hist:x", data: {} }), { result: {} });
    assert.equal((await api(a, "history", { channel: "hist:x", limit: -1 })).error?.code, 100);
    assert.equal((await api(a, "history_remove", { channel: "hist:x" })).error?.code, 100);
    assert.equal((await api(a, "history", { channel: "room:x" })).error?.code, 108);
  });

  test("a client's history is 108; positioned and recoverable subscribes are refused with 108", async () => {
    const client = centrifugeClient(a.url, "json", { token: await token("u5") });
    try {
      await connected(client);
      await assert.rejects(
        client.history("hist:x", { limit: 10 }),
        (err: { code: number }) => err.code === 108,
      );
      for (const options of [{ positioned: true }, { recoverable: true }]) {
        const sub = client.newSubscription(`hist:${Object.keys(options)[0]}`, options);
        const refused = nextEvent<{ code: number }>(sub, "unsubscribed");
        sub.subscribe();
        assert.equal((await refused).code, 108);
        client.removeSubscription(sub);
      }
      const plain = (await subscribed(client, "hist:plain")).sub;
      const pubs = collectPublications(plain);
      await api(b, "publish", { channel: "hist:plain", data: { n: 1 } });
      assert.deepEqual(await pubs.take(1), [{ data: { n: 1 }, offset: undefined, channel: "hist:plain" }]);
      assert.equal(client.state, "connected");
    } finally {
      client.disconnect();
    }
  });
});

describe("wildcard channels", () => {
  test("without allow_wildcards a subscribe to news.* is 107; publishing to it is 107 for clients, 100 in the API", async () => {
    const client = centrifugeClient(a.url, "json", { token: await token("u6") });
    try {
      const sub = client.newSubscription("news.*");
      const refused = nextEvent<{ code: number }>(sub, "unsubscribed");
      sub.subscribe();
      client.connect();
      assert.equal((await refused).code, 107);
      await assert.rejects(client.publish("news.*", {}), (err: { code: number }) => err.code === 107);
      assert.equal((await api(a, "publish", { channel: "news.*", data: {} })).error?.code, 100);
    } finally {
      client.disconnect();
    }
  });

  test("with allow_wildcards news.* receives news.sports, and the publication names its channel", async () => {
    const stream = await openUniWebSocket(
      `${c.url.replace(/^http/, "ws")}/connection/uni_websocket`,
      JSON.stringify({ token: await token("fan") }),
    );
    try {
      await stream.take((m) => "connect" in m);
      assert.deepEqual(await api(c, "subscribe", { user: "fan", channel: "news.*" }), { result: {} });
      await stream.take((m) => m.channel === "news.*" && "subscribe" in m);
      await api(a, "publish", { channel: "news.sports", data: { goal: 1 } });
      const push = await stream.take((m) => "pub" in m);
      assert.deepEqual(push, { channel: "news.*", pub: { data: { goal: 1 }, channel: "news.sports" } });
    } finally {
      stream.close();
    }
  });
});
