import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { sign, unix } from "../auth/token-helpers.js";
import { grpcJsCall, grpcJsClient, httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  connected,
  decoded,
  eventWhere,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

const secret = "server-side-secret";
const config = {
  grpc_api: true,
  client: { token: { hmac_secret_key: secret } },
  channel: {
    namespaces: [
      { name: "feed", presence: true, history_size: 10, history_ttl: "300s" },
      { name: "track", history_size: 10, history_ttl: "300s", force_recovery: true },
      { name: "room", presence: true, allow_subscribe_for_client: true },
    ],
  },
};

let srv: TestServer;
before(async () => {
  srv = await startTestServer(config);
});
after(() => srv.close());

async function api(server: TestServer, method: string, body: unknown) {
  const res = await httpApi(server.url, method, body, { "X-API-Key": server.apiKey });
  assert.equal(res.status, 200, res.text);
  const parsed = res.body as { result?: Record<string, unknown>; error?: unknown };
  assert.equal(parsed.error, undefined, res.text);
  return parsed.result ?? {};
}

type ServerPublication = { channel: string; data: unknown };
type ServerSubscribed = { channel: string; data?: unknown };

for (const protocol of clientProtocols) {
  describe(`server-side subscriptions over ${protocol}`, () => {
    test("the token's subs claim subscribes the connection; its publications arrive on the client", async () => {
      const channel = `feed:token-${protocol}`;
      const token = await sign(
        { sub: "sam", exp: unix(3600), subs: { [channel]: { data: { welcome: true } } } },
        secret,
        "HS256",
      );
      const client = centrifugeClient(srv.url, protocol, { token });
      try {
        const ready = eventWhere<ServerSubscribed>(client, "subscribed", (ctx) => ctx.channel === channel);
        await connected(client);
        assert.deepEqual(decoded((await ready).data), { welcome: true });
        const pub = eventWhere<ServerPublication>(client, "publication", (ctx) => ctx.channel === channel);
        await api(srv, "publish", { channel, data: { hello: "sam" } });
        assert.deepEqual(decoded((await pub).data), { hello: "sam" });
      } finally {
        client.disconnect();
      }
    });

    test("the token's channels claim subscribes the connection too", async () => {
      const channel = `feed:channels-${protocol}`;
      const token = await sign({ sub: "sue", exp: unix(3600), channels: [channel] }, secret, "HS256");
      const client = centrifugeClient(srv.url, protocol, { token });
      try {
        const ready = eventWhere<ServerSubscribed>(client, "subscribed", (ctx) => ctx.channel === channel);
        await connected(client);
        await ready;
        const pub = eventWhere<ServerPublication>(client, "publication", (ctx) => ctx.channel === channel);
        await api(srv, "publish", { channel, data: { n: 1 } });
        assert.deepEqual(decoded((await pub).data), { n: 1 });
      } finally {
        client.disconnect();
      }
    });

    test("API Subscribe reaches a connected client, and API Unsubscribe ends it", async () => {
      const user = `api-sub-${protocol}`;
      const channel = `feed:${user}`;
      const client = centrifugeClient(srv.url, protocol, {
        token: await mintConnectionToken({ secret, user, ttl: 3_600_000 }),
      });
      try {
        await connected(client);
        const ready = eventWhere<ServerSubscribed>(client, "subscribed", (ctx) => ctx.channel === channel);
        await api(srv, "subscribe", { user, channel, data: { from: "api" } });
        assert.deepEqual(decoded((await ready).data), { from: "api" });
        const pub = eventWhere<ServerPublication>(client, "publication", (ctx) => ctx.channel === channel);
        await api(srv, "publish", { channel, data: { via: "server-side" } });
        assert.deepEqual(decoded((await pub).data), { via: "server-side" });
        const gone = eventWhere<{ channel: string }>(
          client,
          "unsubscribed",
          (ctx) => ctx.channel === channel,
        );
        await api(srv, "unsubscribe", { user, channel });
        await gone;
      } finally {
        client.disconnect();
      }
    });

    test("a token's recoverable server-side subscription recovers what was missed across a reconnect", async () => {
      const channel = `track:${protocol}`;
      const token = await sign({ sub: "tom", exp: unix(3600), channels: [channel] }, secret, "HS256");
      const client = centrifugeClient(srv.url, protocol, { token });
      const seen: unknown[] = [];
      client.on("publication", (ctx) => {
        if (ctx.channel === channel) seen.push(decoded(ctx.data));
      });
      try {
        const first = eventWhere<ServerPublication>(client, "publication", (ctx) => ctx.channel === channel);
        await connected(client);
        await api(srv, "publish", { channel, data: { n: 1 } });
        await first;
        const gone = nextEvent(client, "disconnected");
        client.disconnect();
        await gone;
        await api(srv, "publish", { channel, data: { n: 2 } });
        await api(srv, "publish", { channel, data: { n: 3 } });
        const back = eventWhere<{ channel: string; recovered: boolean }>(
          client,
          "subscribed",
          (ctx) => ctx.channel === channel,
        );
        const third = eventWhere<ServerPublication>(
          client,
          "publication",
          (ctx) => ctx.channel === channel && (decoded(ctx.data) as { n: number }).n === 3,
        );
        client.connect();
        assert.equal((await back).recovered, true);
        await third;
        assert.deepEqual(seen, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      } finally {
        client.disconnect();
      }
    });

    test("a token naming a channel of an unknown namespace is refused with 102 and the connection is unusable", async () => {
      const token = await sign({ sub: "una", exp: unix(3600), channels: ["nope:x"] }, secret, "HS256");
      const client = await rawClient(srv.url, protocol);
      client.send({ id: 1, connect: { token } });
      assert.deepEqual((await client.reply(1)).error, { code: 102, message: "unknown channel" });
      assert.equal([...srv.server.node.hub.targets({ user: "una" })].length, 0);
      client.send({ id: 2, presence: { channel: "feed:x" } });
      assert.deepEqual(await client.closed, { code: 3501, reason: "bad request" });
    });

    test("API Presence shows the subscribers' real client info", async () => {
      const channel = `room:presence-${protocol}`;
      const token = await sign({ sub: "alex", exp: unix(3600), info: { name: "Alex" } }, secret, "HS256");
      const client = centrifugeClient(srv.url, protocol, { token });
      try {
        const { client: id } = await connected(client);
        await subscribed(client, channel);
        const result = await api(srv, "presence", { channel });
        assert.deepEqual(result, {
          presence: { [id]: { user: "alex", client: id, conn_info: { name: "Alex" } } },
        });
      } finally {
        client.disconnect();
      }
    });

    test("API Refresh extends an expiring connection; Refresh with expired closes it with 3005", async () => {
      const user = `refresh-${protocol}`;
      const client = centrifugeClient(srv.url, protocol, {
        token: await mintConnectionToken({ secret, user, ttl: 60_000 }),
        getToken: () => mintConnectionToken({ secret, user, ttl: 60_000 }),
      });
      try {
        const { client: id } = await connected(client);
        const session = () =>
          srv.server.node.hub.client(id) as unknown as { identity: { expireAt: number } } | undefined;
        assert.ok(session()!.identity.expireAt <= unix(61));
        const expireAt = unix(7200);
        await api(srv, "refresh", { user, client: id, expire_at: expireAt });
        assert.equal(session()?.identity.expireAt, expireAt);
        const reconnecting = nextEvent<{ code: number; reason: string }>(client, "connecting");
        await api(srv, "refresh", { user, client: id, expired: true });
        assert.deepEqual(await reconnecting, { code: 3005, reason: "connection expired" });
      } finally {
        client.disconnect();
      }
    });
  });
}

describe("API Info counts real connections", () => {
  let own: TestServer;
  const clients: Centrifuge[] = [];
  before(async () => {
    own = await startTestServer(config);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await own.close();
  });

  test("num_clients, num_users, num_channels and num_subs over HTTP and gRPC", async () => {
    const as = async (user: string, protocol: (typeof clientProtocols)[number], channels: string[]) => {
      const client = centrifugeClient(own.url, protocol, {
        token: await mintConnectionToken({ secret, user, ttl: 3_600_000 }),
      });
      clients.push(client);
      for (const channel of channels) await subscribed(client, channel);
      if (channels.length === 0) await connected(client);
    };
    await as("ann", "json", ["room:a", "room:b"]);
    await as("ann", "protobuf", ["room:a"]);
    await as("bob", "json", ["room:c"]);
    await as("cid", "protobuf", []);
    const expected = { num_clients: 4, num_users: 3, num_channels: 3, num_subs: 4 };
    const overHttp = (await api(own, "info", {})) as { nodes: Record<string, unknown>[] };
    assert.equal(overHttp.nodes.length, 1);
    assert.deepEqual(pick(overHttp.nodes[0]!, Object.keys(expected)), expected);
    const grpc = grpcJsClient(
      "centrifugal/centrifugo/api/api.proto",
      "centrifugal.centrifugo.api.CentrifugoApi",
      `127.0.0.1:${own.grpcPort}`,
    );
    try {
      const overGrpc = await grpcJsCall<{ result: { nodes: Record<string, unknown>[] } }>(
        grpc,
        "Info",
        {},
        { authorization: `apikey ${own.apiKey}` },
      );
      assert.deepEqual(pick(overGrpc.result.nodes[0]!, Object.keys(expected)), expected);
    } finally {
      grpc.close();
    }
  });
});

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));
