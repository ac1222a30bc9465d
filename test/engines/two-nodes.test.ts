import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  connected,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, startTestServers, type TestServer } from "../helpers/server.js";
import { emulationClient } from "../helpers/transport-clients.js";

const secret = "two-nodes-secret";
const token = (user: string) => mintConnectionToken({ secret, user, ttl: 3_600_000 });

let redis: RedisProcess;
let a: TestServer;
let b: TestServer;
before(async () => {
  redis = await startRedis();
  const config = {
    engine: { type: "redis", redis: { address: redis.url, prefix: "two" } },
    client: { token: { hmac_secret_key: secret }, allow_anonymous_connect_without_token: true },
    http_stream: { enabled: true },
    sse: { enabled: true },
    channel: {
      without_namespace: { allow_subscribe_for_client: true },
      namespaces: [
        {
          name: "room",
          presence: true,
          history_size: 100,
          history_ttl: "300s",
          force_recovery: true,
          allow_subscribe_for_client: true,
          allow_subscribe_for_anonymous: true,
          allow_publish_for_subscriber: true,
          allow_history_for_subscriber: true,
        },
      ],
    },
  };
  [a, b] = await startTestServers([config, config]);
});
after(async () => {
  await Promise.all([a?.close(), b?.close()]);
  await redis?.stop();
});

async function api(srv: TestServer, method: string, body: unknown) {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  return res.body as { result?: Record<string, unknown>; error?: unknown };
}

async function publish(srv: TestServer, channel: string, n: number) {
  const res = await api(srv, "publish", { channel, data: { n } });
  assert.equal(res.error, undefined);
}

describe("two nodes on one Redis act as one server", () => {
  test("Info on either node lists both", async () => {
    const both = [a.server.node.id, b.server.node.id].sort();
    for (const srv of [a, b]) {
      const uids = async () =>
        ((await api(srv, "info", {})).result!.nodes as { uid: string }[]).map((n) => n.uid);
      await waitUntil("both nodes in Info", async () => (await uids()).length === 2);
      assert.deepEqual((await uids()).sort(), both);
    }
  });

  test("a client on A receives what B's API publishes", async () => {
    const client = centrifugeClient(a.url, "json", { token: await token("u1") });
    try {
      const { sub } = await subscribed(client, "room:ab");
      const pubs = collectPublications(sub);
      await publish(b, "room:ab", 1);
      assert.deepEqual(
        (await pubs.take(1)).map((p) => p.data),
        [{ n: 1 }],
      );
    } finally {
      client.disconnect();
    }
  });

  test("a client that leaves A and comes back on B recovers exactly what it missed", async () => {
    const onA = centrifugeClient(a.url, "protobuf", { token: await token("u2") });
    const { sub } = await subscribed(onA, "room:recover");
    const pubs = collectPublications(sub);
    await publish(b, "room:recover", 1);
    const [first] = await pubs.take(1);
    const { epoch } = (await api(a, "history", { channel: "room:recover" })).result as { epoch: string };
    onA.disconnect();
    for (const n of [2, 3, 4]) await publish(a, "room:recover", n);
    const onB = centrifugeClient(b.url, "protobuf", { token: await token("u2") });
    try {
      const again = onB.newSubscription("room:recover", { since: { offset: first!.offset!, epoch } });
      const missed = collectPublications(again);
      const ready = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(again, "subscribed");
      again.subscribe();
      onB.connect();
      const ctx = await ready;
      assert.deepEqual([ctx.wasRecovering, ctx.recovered], [true, true]);
      const got = await missed.take(3);
      assert.deepEqual(
        got.map((p) => [p.offset, p.data]),
        [
          [2, { n: 2 }],
          [3, { n: 3 }],
          [4, { n: 4 }],
        ],
      );
    } finally {
      onB.disconnect();
    }
  });

  test("presence and channels seen from A include a client on B", async () => {
    const onB = centrifugeClient(b.url, "json", { token: await token("u3") });
    try {
      const ctx = await connected(onB);
      await subscribed(onB, "room:presence");
      const presence = (await api(a, "presence", { channel: "room:presence" })).result!.presence as Record<
        string,
        { user: string }
      >;
      assert.deepEqual(Object.keys(presence), [ctx.client]);
      assert.equal(presence[ctx.client]!.user, "u3");
      const channels = (await api(a, "channels", { pattern: "room:presence" })).result!.channels;
      assert.deepEqual(channels, { "room:presence": { num_clients: 1 } });
    } finally {
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

  test("a subscribe by user sent to B reaches the user's connection on A", async () => {
    const onA = centrifugeClient(a.url, "json", { token: await token("u5") });
    try {
      await connected(onA);
      const pushed = nextEvent<{ channel: string }>(onA, "subscribed");
      await api(b, "subscribe", { user: "u5", channel: "room:server" });
      assert.equal((await pushed).channel, "room:server");
    } finally {
      onA.disconnect();
    }
  });

  for (const transport of ["http_stream", "sse"] as const) {
    test(`an ${transport} session opened on A keeps working when its /emulation posts land on B`, async () => {
      const client = emulationClient(a.url, transport, "json", {
        emulationEndpoint: `${b.url}/emulation`,
        token: await token("u6"),
      });
      try {
        const { sub } = await subscribed(client, `room:emulation-${transport}`);
        const pubs = collectPublications(sub);
        await sub.publish({ from: "client" });
        await publish(b, `room:emulation-${transport}`, 2);
        assert.deepEqual(
          (await pubs.take(2)).map((p) => p.data),
          [{ from: "client" }, { n: 2 }],
        );
        const history = await sub.history({ limit: -1 });
        assert.equal(history.publications.length, 2);
      } finally {
        client.disconnect();
      }
    });
  }

  test("a node that stops leaves Info at once", async () => {
    const c = await startTestServer({
      engine: { type: "redis", redis: { address: redis.url, prefix: "two" } },
    });
    await waitUntil(
      "three nodes",
      async () => ((await api(a, "info", {})).result!.nodes as unknown[]).length === 3,
    );
    await c.close();
    // Well before the 7 s a silent node stays listed: the shutdown notice removed it.
    await waitUntil(
      "the stopped node gone",
      async () => ((await api(a, "info", {})).result!.nodes as unknown[]).length === 2,
      3000,
    );
  });
});
