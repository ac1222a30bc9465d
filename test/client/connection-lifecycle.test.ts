import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken, mintSubscriptionToken } from "../../src/auth/mint.js";
import { sign, unix } from "../auth/token-helpers.js";
import { centrifugeClient, clientProtocols, connected, nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

const secret = "lifecycle-secret";
const hour = 3_600_000;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: {
      token: { hmac_secret_key: secret },
      ping_interval: "1s",
      pong_timeout: "1s",
      stale_close_delay: "1s",
      expired_close_delay: "1s",
      expired_sub_close_delay: "1s",
      user_connection_limit: 2,
      channel_limit: 2,
      disallow_anonymous_connection_tokens: true,
    },
    channel: {
      namespaces: [{ name: "open", allow_subscribe_for_client: true }, { name: "locked" }],
    },
  });
});
after(() => srv.close());

const token = (user: string, ttl = hour) => mintConnectionToken({ secret, user, ttl });

/** A raw connection, connected with `connectToken`; it answers pings unless `answerPings` is false. */
async function rawConnected(
  protocol: (typeof clientProtocols)[number],
  connectToken: string,
  answerPings = true,
) {
  const client = await rawClient(srv.url, protocol, { answerPings });
  client.send({ id: 1, connect: { token: connectToken } });
  return { client, reply: await client.reply(1) };
}

for (const protocol of clientProtocols) {
  describe(`connection lifecycle over ${protocol}`, { concurrency: true }, () => {
    test("a client that does not answer pings is cut with 3012; centrifuge-js beside it answers and stays", async () => {
      const answering = centrifugeClient(srv.url, protocol, { token: await token("chatty") });
      try {
        const { client: id } = await connected(answering);
        const { client, reply } = await rawConnected(protocol, await token("quiet"), false);
        const connect = reply.connect as { ping: number; pong: boolean };
        assert.deepEqual([connect.ping, connect.pong], [1, true]);
        assert.deepEqual(await client.closed, { code: 3012, reason: "no pong" });
        assert.equal(answering.state, "connected");
        assert.ok(srv.server.node.hub.client(id), "the answering connection is the same one");
      } finally {
        answering.disconnect();
      }
    });

    test("a connection that never sends connect is closed with 3502 stale", async () => {
      const client = await rawClient(srv.url, protocol);
      assert.deepEqual(await client.closed, { code: 3502, reason: "stale" });
    });

    test("a connection whose token expires without refresh is closed with 3005", async () => {
      const { client, reply } = await rawConnected(protocol, await token("brief", 2000));
      assert.equal((reply.connect as { expires: boolean }).expires, true);
      assert.deepEqual(await client.closed, { code: 3005, reason: "connection expired" });
    });

    test("a subscription whose token expires without refresh gets unsubscribe 2501", async () => {
      const user = `sub-expiry-${protocol}`;
      const { client } = await rawConnected(protocol, await token(user));
      const subToken = await mintSubscriptionToken({ secret, user, channel: "locked:a", ttl: 2000 });
      client.send({ id: 2, subscribe: { channel: "locked:a", token: subToken } });
      const reply = await client.reply(2);
      assert.equal((reply.subscribe as { expires: boolean }).expires, true);
      const push = await client.push((p) => p.unsubscribe !== undefined, 6000);
      assert.deepEqual(push, {
        channel: "locked:a",
        unsubscribe: { code: 2501, reason: "subscription expired" },
      });
      client.close();
    });

    test("a subscription refreshes its token through getToken and stays", async () => {
      const user = `sub-refresh-${protocol}`;
      const client = centrifugeClient(srv.url, protocol, { token: await token(user) });
      let asked = 0;
      try {
        const sub = client.newSubscription("locked:b", {
          token: await mintSubscriptionToken({ secret, user, channel: "locked:b", ttl: 2000 }),
          getToken: async () => {
            asked += 1;
            return mintSubscriptionToken({ secret, user, channel: "locked:b", ttl: hour });
          },
        });
        const subscribedOnce = nextEvent(sub, "subscribed");
        sub.subscribe();
        const { client: id } = await connected(client);
        await subscribedOnce;
        const server = srv.server.node.hub.client(id) as unknown as {
          subscriptions: Map<string, { expireAt: number }>;
        };
        const before = server.subscriptions.get("locked:b")!.expireAt;
        for (const deadline = Date.now() + 5000; Date.now() < deadline; ) {
          if ((server.subscriptions.get("locked:b")?.expireAt ?? 0) > before) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        assert.ok(server.subscriptions.get("locked:b")!.expireAt >= unix(3000));
        assert.equal(asked, 1);
        assert.equal(sub.state, "subscribed");
      } finally {
        client.disconnect();
      }
    });
  });

  describe(`connection limits over ${protocol}`, () => {
    test("a user's connection over user_connection_limit is closed with 3504", async () => {
      const user = `limit-${protocol}`;
      const first = await rawConnected(protocol, await token(user));
      const second = await rawConnected(protocol, await token(user));
      const third = await rawClient(srv.url, protocol);
      third.send({ id: 1, connect: { token: await token(user) } });
      assert.deepEqual(await third.closed, { code: 3504, reason: "connection limit" });
      first.client.close();
      second.client.close();
    });

    test("a subscribe over channel_limit is 106", async () => {
      const { client } = await rawConnected(protocol, await token(`channels-${protocol}`));
      client.send(
        { id: 2, subscribe: { channel: "open:1" } },
        { id: 3, subscribe: { channel: "open:2" } },
        { id: 4, subscribe: { channel: "open:3" } },
      );
      assert.deepEqual((await client.reply(4)).error, { code: 106, message: "limit exceeded" });
      client.close();
    });

    test("an anonymous token is refused with 3507 when disallow_anonymous_connection_tokens is set", async () => {
      const client = await rawClient(srv.url, protocol);
      client.send({ id: 1, connect: { token: await token("") } });
      assert.deepEqual(await client.closed, { code: 3507, reason: "permission denied" });
    });

    test("a connection token with a channel claim is refused with 3500", async () => {
      const client = await rawClient(srv.url, protocol);
      client.send({
        id: 1,
        connect: { token: await sign({ sub: "x", channel: "open:a", exp: unix(60) }, secret, "HS256") },
      });
      assert.deepEqual(await client.closed, { code: 3500, reason: "invalid token" });
    });

    test("a refresh with another user's token is refused with 3500", async () => {
      const { client } = await rawConnected(protocol, await token("owner"));
      client.send({ id: 2, refresh: { token: await token("intruder") } });
      assert.deepEqual(await client.closed, { code: 3500, reason: "invalid token" });
    });
  });
}
