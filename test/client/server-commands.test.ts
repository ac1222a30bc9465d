import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { grpcJsCall, grpcJsClient, httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  connected,
  disconnectedBy,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const secret = "server-commands-secret";
let srv: TestServer;
let grpc: ReturnType<typeof grpcJsClient>;
const open: Centrifuge[] = [];

before(async () => {
  srv = await startTestServer({
    grpc_api: true,
    client: { token: { hmac_secret_key: secret } },
    channel: { namespaces: [{ name: "news", allow_subscribe_for_client: true }] },
  });
  grpc = grpcJsClient(
    "centrifugal/centrifugo/api/api.proto",
    "centrifugal.centrifugo.api.CentrifugoApi",
    `127.0.0.1:${srv.grpcPort}`,
  );
});
after(async () => {
  for (const client of open) client.disconnect();
  grpc.close();
  await srv.close();
});

async function clientOf(protocol: (typeof clientProtocols)[number], user: string) {
  const token = await mintConnectionToken({ secret, user, ttl: 3_600_000 });
  const client = centrifugeClient(srv.url, protocol, { token });
  open.push(client);
  const { client: id } = await connected(client);
  return { client, id };
}

async function api(method: string, body: unknown) {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { result: {} }, `${method} ${JSON.stringify(body)}`);
}

async function grpcDisconnect(request: Record<string, unknown>) {
  const res = await grpcJsCall<{ error: unknown }>(grpc, "Disconnect", request, {
    authorization: `apikey ${srv.apiKey}`,
  });
  assert.equal(res.error, null);
}

/** A connection that is still up: it still receives what is published to it. */
async function assertStillServed(client: Centrifuge, channel: string) {
  assert.equal(client.state, "connected");
  const { sub } = await subscribed(client, channel);
  const pubs = collectPublications(sub);
  await api("publish", { channel, data: { alive: true } });
  await pubs.take(1);
  sub.unsubscribe();
  client.removeSubscription(sub);
}

for (const protocol of clientProtocols) {
  describe(`server API commands reach ${protocol} clients`, () => {
    test("API unsubscribe ends the subscription with code 2000", async () => {
      const user = `unsub-${protocol}`;
      const { client } = await clientOf(protocol, user);
      const { sub } = await subscribed(client, `news:${user}`);
      const unsubscribed = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      await api("unsubscribe", { user, channel: `news:${user}` });
      assert.deepEqual(await unsubscribed, {
        channel: `news:${user}`,
        code: 2000,
        reason: "server unsubscribe",
      });
      assert.equal(sub.state, "unsubscribed");
      assert.equal(client.state, "connected");
    });

    test("API disconnect without a code closes with 3503 force disconnect, no reconnect", async () => {
      const user = `plain-${protocol}`;
      const { client } = await clientOf(protocol, user);
      const ctx = await disconnectedBy(client, () => api("disconnect", { user }));
      assert.deepEqual(ctx, { code: 3503, reason: "force disconnect" });
      assert.equal(client.state, "disconnected");
    });

    test("a custom terminal code and reason from gRPC Disconnect reach the client as they are", async () => {
      const user = `custom-${protocol}`;
      const { client } = await clientOf(protocol, user);
      const ctx = await disconnectedBy(client, () =>
        grpcDisconnect({ user, disconnect: { code: 4501, reason: "account closed" } }),
      );
      assert.deepEqual(ctx, { code: 4501, reason: "account closed" });
    });

    test("a custom reconnect code makes the client reconnect", async () => {
      const user = `reconnect-${protocol}`;
      const { client, id } = await clientOf(protocol, user);
      const connecting = nextEvent<{ code: number; reason: string }>(client, "connecting");
      const reconnected = nextEvent<{ client: string }>(client, "connected");
      await api("disconnect", { user, disconnect: { code: 4001, reason: "move along" } });
      assert.deepEqual(await connecting, { code: 4001, reason: "move along" });
      assert.notEqual((await reconnected).client, id);
    });

    test("whitelisted connections of the user stay connected", async () => {
      const user = `whitelist-${protocol}`;
      const kept = await clientOf(protocol, user);
      const dropped = await clientOf(protocol, user);
      const ctx = await disconnectedBy(dropped.client, () =>
        api("disconnect", { user, whitelist: [kept.id] }),
      );
      assert.equal(ctx.code, 3503);
      await assertStillServed(kept.client, `news:${user}`);
    });

    test("disconnect by client id closes only that connection", async () => {
      const user = `by-client-${protocol}`;
      const kept = await clientOf(protocol, user);
      const dropped = await clientOf(protocol, user);
      const ctx = await disconnectedBy(dropped.client, () =>
        grpcDisconnect({ user, client: dropped.id, disconnect: { code: 4502, reason: "one of two" } }),
      );
      assert.deepEqual(ctx, { code: 4502, reason: "one of two" });
      await assertStillServed(kept.client, `news:${user}`);
    });

    test("disconnect by session closes only the connection with that session", async () => {
      const user = `by-session-${protocol}`;
      const kept = await clientOf(protocol, user);
      const dropped = await clientOf(protocol, user);
      const session = srv.server.node.hub.client(dropped.id)?.session;
      assert.ok(session);
      const ctx = await disconnectedBy(dropped.client, () => api("disconnect", { user, session }));
      assert.equal(ctx.code, 3503);
      await assertStillServed(kept.client, `news:${user}`);
    });
  });
}

describe("disconnects a close frame must carry", () => {
  test("a code outside 3000–4999 is refused with 107 and the connection stays", async () => {
    const user = "odd-code";
    const { client } = await clientOf("json", user);
    for (const code of [0, 1006, 2999, 5000]) {
      const res = await httpApi(
        srv.url,
        "disconnect",
        { user, disconnect: { code, reason: "x" } },
        { "X-API-Key": srv.apiKey },
      );
      assert.deepEqual(res.body, { error: { code: 107, message: "bad request" } }, `code ${code}`);
    }
    await assertStillServed(client, `news:${user}`);
  });

  test("a reason longer than a close frame holds is cut on a character boundary", async () => {
    for (const protocol of clientProtocols) {
      const user = `long-reason-${protocol}`;
      const { client } = await clientOf(protocol, user);
      const reason = `${"a".repeat(122)}é and more`;
      const ctx = await disconnectedBy(client, () =>
        api("disconnect", { user, disconnect: { code: 4503, reason } }),
      );
      assert.deepEqual(ctx, { code: 4503, reason: "a".repeat(122) });
      const wide = await clientOf(protocol, user);
      const wideCtx = await disconnectedBy(wide.client, () =>
        api("disconnect", { user, disconnect: { code: 4504, reason: "ü".repeat(100) } }),
      );
      assert.deepEqual(wideCtx, { code: 4504, reason: "ü".repeat(61) });
    }
  });
});
