import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { grpcJsCall, grpcJsClient, httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  connected,
  decoded,
  eventWhere,
  nextEvent,
  payloadFor,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer, testEngine } from "../helpers/server.js";

const secret = "pubsub-secret";
const room = {
  name: "room",
  presence: true,
  join_leave: true,
  history_size: 10,
  history_ttl: "300s",
  allow_subscribe_for_client: true,
  allow_publish_for_subscriber: true,
  allow_presence_for_subscriber: true,
  allow_history_for_subscriber: true,
};

let srv: TestServer;
let grpc: ReturnType<typeof grpcJsClient>;
before(async () => {
  srv = await startTestServer({
    grpc_api: true,
    client: { token: { hmac_secret_key: secret } },
    channel: { namespaces: [room] },
  });
  grpc = grpcJsClient(
    "centrifugal/centrifugo/api/api.proto",
    "centrifugal.centrifugo.api.CentrifugoApi",
    `127.0.0.1:${srv.grpcPort}`,
  );
});
after(async () => {
  grpc.close();
  await srv.close();
});

const token = (user: string) => mintConnectionToken({ secret, user, ttl: 3_600_000 });
const apiKey = () => ({ authorization: `apikey ${srv.apiKey}` });

async function grpcPublish(channel: string, value: unknown) {
  const res = await grpcJsCall<{ error: unknown }>(
    grpc,
    "Publish",
    { channel, data: Buffer.from(JSON.stringify(value)) },
    apiKey(),
  );
  assert.equal(res.error, null);
}

async function httpPublish(channel: string, value: unknown) {
  const res = await httpApi(srv.url, "publish", { channel, data: value }, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  const result = (res.body as { result: { offset: number; epoch: string } }).result;
  assert.equal(typeof result.offset, "number");
}

for (const protocol of clientProtocols) {
  describe(`publish and subscribe over ${protocol}`, () => {
    test("a token-authenticated subscriber receives gRPC and HTTP API publications in order with offsets", async () => {
      const channel = `room:api-${protocol}`;
      const client = centrifugeClient(srv.url, protocol, { token: await token("alice") });
      try {
        const { sub } = await subscribed(client, channel);
        const pubs = collectPublications(sub);
        await grpcPublish(channel, { via: "grpc" });
        await httpPublish(channel, { via: "http" });
        const got = await pubs.take(2);
        assert.deepEqual(
          got.map((p) => [p.data, p.offset]),
          [
            [{ via: "grpc" }, 1],
            [{ via: "http" }, 2],
          ],
        );
      } finally {
        client.disconnect();
      }
    });

    test("a subscriber publishes; others receive it with the publisher's client info", async () => {
      const channel = `room:client-publish-${protocol}`;
      const alice = centrifugeClient(srv.url, protocol, { token: await token("alice") });
      const bob = centrifugeClient(srv.url, protocol, { token: await token("bob") });
      try {
        const aliceId = (await connected(alice)).client;
        const { sub: bobSub } = await subscribed(bob, channel);
        const received = nextEvent<{ data: unknown; info?: { user: string; client: string } }>(
          bobSub,
          "publication",
        );
        const { sub } = await subscribed(alice, channel);
        await sub.publish(payloadFor(protocol, { text: "from alice" }));
        const pub = await received;
        assert.deepEqual(decoded(pub.data), { text: "from alice" });
        assert.equal(pub.info?.user, "alice");
        assert.equal(pub.info?.client, aliceId);
      } finally {
        alice.disconnect();
        bob.disconnect();
      }
    });

    test("presence, presence stats and history answer a subscriber", async () => {
      const channel = `room:state-${protocol}`;
      const alice = centrifugeClient(srv.url, protocol, { token: await token("alice") });
      const bob = centrifugeClient(srv.url, protocol, { token: await token("bob") });
      try {
        const aliceId = (await connected(alice)).client;
        const bobId = (await connected(bob)).client;
        const { sub } = await subscribed(alice, channel);
        await subscribed(bob, channel);
        const presence = await sub.presence();
        assert.deepEqual(
          Object.values(presence.clients)
            .map((c) => [c.client, c.user])
            .sort(),
          [
            [aliceId, "alice"],
            [bobId, "bob"],
          ].sort(),
        );
        assert.deepEqual(await sub.presenceStats(), { numClients: 2, numUsers: 2 });
        await httpPublish(channel, { n: 1 });
        await httpPublish(channel, { n: 2 });
        const history = await sub.history({ limit: -1 });
        assert.deepEqual(
          history.publications.map((p) => [decoded(p.data), p.offset]),
          [
            [{ n: 1 }, 1],
            [{ n: 2 }, 2],
          ],
        );
        assert.equal(history.offset, 2);
        // Redis and memory epochs are 8 letters; PostgreSQL's (Centrifugo's SQL) 8 hex digits.
        assert.match(history.epoch, testEngine === "postgres" ? /^[0-9a-f]{8}$/ : /^[a-zA-Z]{8}$/);
      } finally {
        alice.disconnect();
        bob.disconnect();
      }
    });

    test("join and leave reach a subscriber that asked for them", async () => {
      const channel = `room:join-leave-${protocol}`;
      const watcher = centrifugeClient(srv.url, protocol, { token: await token("watcher") });
      const guest = centrifugeClient(srv.url, protocol, { token: await token("guest") });
      try {
        const { sub } = await subscribed(watcher, channel, { joinLeave: true });
        type Presence = { info: { user: string; client: string } };
        const joined = eventWhere<Presence>(sub, "join", (ctx) => ctx.info.user === "guest");
        const guestId = (await connected(guest)).client;
        const { sub: guestSub } = await subscribed(guest, channel);
        const join = await joined;
        assert.deepEqual([join.info.user, join.info.client], ["guest", guestId]);
        const left = eventWhere<Presence>(sub, "leave", (ctx) => ctx.info.user === "guest");
        guestSub.unsubscribe();
        const leave = await left;
        assert.deepEqual([leave.info.user, leave.info.client], ["guest", guestId]);
      } finally {
        watcher.disconnect();
        guest.disconnect();
      }
    });
  });
}

describe("client.insecure", () => {
  let open: TestServer;
  before(async () => {
    open = await startTestServer({ client: { insecure: true }, channel: { namespaces: [{ name: "any" }] } });
  });
  after(() => open.close());

  for (const protocol of clientProtocols) {
    test(`over ${protocol} a client without token connects, subscribes and publishes anywhere`, async () => {
      const client = centrifugeClient(open.url, protocol);
      try {
        const { sub } = await subscribed(client, `any:${protocol}`);
        const pubs = collectPublications(sub);
        await client.publish(`any:${protocol}`, payloadFor(protocol, { anonymous: true }));
        const [pub] = await pubs.take(1);
        assert.deepEqual(pub!.data, { anonymous: true });
      } finally {
        client.disconnect();
      }
    });
  }
});
