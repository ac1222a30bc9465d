import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { rawClient } from "../client/raw-websocket.js";
import { clientProtocols, payloadFor } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapBrokerConfig, mapBrokerKinds, stopMapBrokers } from "./map-brokers.js";
import { observeMap } from "./map-observer.js";
import { mapTestClients } from "./map-test-clients.js";

const secret = "map-write-secret";
const keyTtl = { mode: "ephemeral", key_ttl: "60s" };
const publishAndRemove = { allow_publish_for_client: true, allow_remove_for_client: true };
const anonymousToo = { allow_publish_for_anonymous: true, allow_remove_for_anonymous: true };

/** One namespace per rule under test; names say what they allow. */
const namespaces = [
  { name: "open", subscription_type: "map", map: { ...keyTtl, ...publishAndRemove } },
  { name: "anon", subscription_type: "map", map: { ...keyTtl, ...publishAndRemove, ...anonymousToo } },
  { name: "closed", subscription_type: "map", map: keyTtl },
  { name: "subscribers", subscription_type: "map", map: { ...keyTtl, allow_publish_for_subscriber: true } },
  { name: "strict", subscription_type: "map", channel_regex: "^[a-z]+$", map: keyTtl },
  {
    name: "by_client",
    subscription_type: "map",
    map: { ...keyTtl, ...publishAndRemove, ...anonymousToo, client_key: "client_id" },
  },
  {
    name: "by_user",
    subscription_type: "map",
    map: { ...keyTtl, ...publishAndRemove, ...anonymousToo, client_key: "user_id" },
  },
  {
    name: "delta",
    subscription_type: "map",
    delta_publish: true,
    allowed_delta_types: ["fossil"],
    map: { mode: "recoverable", key_ttl: "60s", allow_publish_for_client: true },
  },
  { name: "stream", allow_publish_for_client: true },
  { name: "stream_allowed", map: { allow_publish_for_client: true } },
];

let srv: TestServer;
const { connect, disconnectAll } = mapTestClients(secret, () => srv.url);

async function state(channel: string) {
  const result = await srv.server.node.maps.readState(channel, { limit: -1 });
  return result.publications.map((p) => ({
    key: p.key,
    data: Buffer.from(p.data).toString(),
    user: p.info?.user,
    client: p.info?.client,
  }));
}

async function refusedWith(call: Promise<unknown>, code: number): Promise<void> {
  await assert.rejects(call, (err: { code?: number }) => {
    assert.equal(err.code, code);
    return true;
  });
}

for (const broker of mapBrokerKinds) {
  describe(`on the ${broker} map broker`, () => {
    before(async () => {
      srv = await startTestServer({
        map_broker: await mapBrokerConfig(broker),
        client: { token: { hmac_secret_key: secret }, allow_anonymous_connect_without_token: true },
        channel: { namespaces },
      });
    });

    after(async () => {
      disconnectAll();
      await srv.close();
    });

    for (const protocol of clientProtocols) {
      const p = (value: unknown) => payloadFor(protocol, value);

      describe(`client map publish and remove (${protocol})`, () => {
        test("a permitted client writes a key with its ClientInfo and removes it", async () => {
          const { client, id } = await connect(protocol, "alice");
          const channel = `open:${protocol}`;
          assert.deepEqual(await client.mapPublish(channel, "slot1", p({ ready: true })), {});
          assert.deepEqual(await state(channel), [
            { key: "slot1", data: '{"ready":true}', user: "alice", client: id },
          ]);
          assert.deepEqual(await client.mapRemove(channel, "slot1"), {});
          assert.deepEqual(await state(channel), []);
        });

        test("on the wire: the reply is an empty publish result, a remove needs no data, an empty channel is 3501", async () => {
          const raw = await rawClient(srv.url, protocol);
          try {
            raw.send({
              id: 1,
              connect: { token: await mintConnectionToken({ secret, user: "alice", ttl: 60_000 }) },
            });
            assert.ok((await raw.reply(1)).connect);
            const channel = `open:${protocol}:raw`;
            raw.send({ id: 2, publish: { channel, type: 1, key: "k", data: { a: 1 } } });
            assert.deepEqual(await raw.reply(2), { id: 2, publish: {} });
            raw.send({ id: 3, publish: { channel, type: 1, key: "k", removed: true } });
            assert.deepEqual(await raw.reply(3), { id: 3, publish: {} });
            raw.send({ id: 4, publish: { channel, type: 1, key: "k", removed: true } });
            assert.deepEqual(await raw.reply(4), { id: 4, publish: {} });
            raw.send({ id: 5, publish: { channel: "", type: 1, key: "k" } });
            assert.equal((await raw.closed).code, 3501);
          } finally {
            raw.close();
          }
        });

        test("removing a key that is not there is answered like any other remove", async () => {
          const { client } = await connect(protocol, "alice");
          assert.deepEqual(await client.mapRemove(`open:${protocol}:missing`, "nothing"), {});
        });

        test("anonymous clients write only where allow_*_for_anonymous says so", async () => {
          const { client } = await connect(protocol, "");
          await refusedWith(client.mapPublish(`open:${protocol}:anon`, "k", p({})), 103);
          await refusedWith(client.mapRemove(`open:${protocol}:anon`, "k"), 103);
          await client.mapPublish(`anon:${protocol}`, "k", p({ n: 1 }));
          assert.deepEqual(
            (await state(`anon:${protocol}`)).map((e) => [e.key, e.user]),
            [["k", ""]],
          );
          await client.mapRemove(`anon:${protocol}`, "k");
          assert.deepEqual(await state(`anon:${protocol}`), []);
        });

        test("without an allow option publish and remove are refused with 103, nothing written", async () => {
          const { client } = await connect(protocol, "alice");
          await refusedWith(client.mapPublish(`closed:${protocol}`, "k", p({})), 103);
          await refusedWith(client.mapRemove(`closed:${protocol}`, "k"), 103);
          await refusedWith(client.mapPublish(`subscribers:${protocol}`, "k", p({})), 103);
          assert.deepEqual(await state(`closed:${protocol}`), []);
          assert.deepEqual(await state(`subscribers:${protocol}`), []);
        });

        test("errors come in Centrifugo's order: 102, then 107 for the name, then 103, then 107 for the key", async () => {
          const { client } = await connect(protocol, "alice");
          await refusedWith(client.mapPublish("nowhere:x", "k", p({})), 102);
          await refusedWith(client.mapPublish("strict:NOT_VALID", "k", p({})), 107);
          await refusedWith(client.mapPublish("strict:valid", "k", p({})), 103);
          await refusedWith(client.mapPublish(`closed:${protocol}`, "", p({})), 103);
          await refusedWith(client.mapPublish(`open:${protocol}:empty`, "", p({})), 107);
          await refusedWith(client.mapRemove(`open:${protocol}:empty`, ""), 107);
        });

        test("client_key client_id writes under the connection's ID whatever key the client names", async () => {
          const { client, id } = await connect(protocol, "");
          const channel = `by_client:${protocol}`;
          await client.mapPublish(channel, "chosen", p({ at: 1 }));
          await client.mapPublish(channel, "", p({ at: 2 }));
          assert.deepEqual(
            (await state(channel)).map((e) => [e.key, e.data]),
            [[id, '{"at":2}']],
          );
          await client.mapRemove(channel, "anything");
          assert.deepEqual(await state(channel), []);
        });

        test("client_key user_id writes under the user's ID; anonymous users are refused with 103", async () => {
          const { client } = await connect(protocol, "bob");
          const channel = `by_user:${protocol}`;
          await client.mapPublish(channel, "chosen", p({ here: true }));
          assert.deepEqual(
            (await state(channel)).map((e) => [e.key, e.user]),
            [["bob", "bob"]],
          );
          const anonymous = await connect(protocol, "");
          await refusedWith(anonymous.client.mapPublish(channel, "bob", p({})), 103);
          await refusedWith(anonymous.client.mapRemove(channel, "bob"), 103);
          await client.mapRemove(channel, "");
          assert.deepEqual(await state(channel), []);
        });

        test("type 1 into a stream namespace: 103 without map permissions, 100 from the broker with them", async () => {
          const { client } = await connect(protocol, "alice");
          await refusedWith(client.mapPublish(`stream:${protocol}`, "k", p({})), 103);
          await refusedWith(client.mapPublish(`stream_allowed:${protocol}`, "k", p({})), 100);
        });

        test("delta_publish hands subscribers the key's previous value with the change", async () => {
          const channel = `delta:${protocol}`;
          const observer = await observeMap(srv.server.node, channel);
          try {
            const { client, id } = await connect(protocol, "alice");
            await client.mapPublish(channel, "doc", p({ text: "hello" }));
            await client.mapPublish(channel, "doc", p({ text: "hello world" }));
            const second = await observer.next((c) => Buffer.from(c.pub.data).toString().includes("world"));
            assert.equal(second.delta, true);
            assert.equal(Buffer.from(second.prev?.data ?? []).toString(), '{"text":"hello"}');
            assert.equal(second.pub.info?.client, id);
            assert.equal(second.pub.key, "doc");
          } finally {
            await observer.close();
          }
          const plain = await observeMap(srv.server.node, `open:${protocol}:plain`);
          try {
            const { client } = await connect(protocol, "alice");
            await client.mapPublish(`open:${protocol}:plain`, "doc", p({ v: 1 }));
            await client.mapPublish(`open:${protocol}:plain`, "doc", p({ v: 2 }));
            const change = await plain.next((c) => Buffer.from(c.pub.data).toString() === '{"v":2}');
            assert.equal(change.delta, false);
          } finally {
            await plain.close();
          }
        });
      });
    }
  });
}

after(() => stopMapBrokers());
