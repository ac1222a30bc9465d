import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  connected,
  eventWhere,
  nextEvent,
  payloadFor,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        { name: "log", history_size: 10, history_ttl: "300s", force_recovery: true },
        { name: "room", presence: true, join_leave: true, force_push_join_leave: true },
        { name: "any" },
      ],
    },
  });
});
after(() => srv.close());

async function publish(channel: string, data: unknown) {
  const res = await httpApi(srv.url, "publish", { channel, data }, { "X-API-Key": srv.apiKey });
  return (res.body as { result: { offset: number; epoch: string } }).result;
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
    return 0;
  } catch (err) {
    return (err as { code: number }).code;
  }
};

for (const protocol of clientProtocols) {
  describe(`client commands over ${protocol}`, () => {
    test("rpc without an RPC handler is 108 not available", async () => {
      const client = centrifugeClient(srv.url, protocol);
      try {
        await connected(client);
        await assert.rejects(client.rpc("anything", payloadFor(protocol, {})), {
          code: 108,
          message: "not available",
        });
      } finally {
        client.disconnect();
      }
    });

    test("history since a position returns what followed it, reverse returns newest first", async () => {
      const channel = `log:since-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        await connected(client);
        let top = { offset: 0, epoch: "" };
        for (let n = 1; n <= 4; n++) top = await publish(channel, { n });
        const since = await client.history(channel, { since: { offset: 2, epoch: top.epoch }, limit: -1 });
        assert.deepEqual(
          since.publications.map((p) => p.offset),
          [3, 4],
        );
        const reverse = await client.history(channel, { limit: 2, reverse: true });
        assert.deepEqual(
          reverse.publications.map((p) => p.offset),
          [4, 3],
        );
        const position = await client.history(channel, { limit: 0 });
        assert.deepEqual([position.publications.length, position.offset, position.epoch], [0, 4, top.epoch]);
      } finally {
        client.disconnect();
      }
    });

    test("history since a position of another epoch is 112", async () => {
      const channel = `log:epoch-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        await connected(client);
        await publish(channel, { n: 1 });
        const code = await codeOf(
          client.history(channel, { since: { offset: 1, epoch: "other" }, limit: -1 }),
        );
        assert.equal(code, 112);
      } finally {
        client.disconnect();
      }
    });

    test("unsubscribe then subscribe again recovers what was published meanwhile", async () => {
      const channel = `log:resubscribe-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel);
        const pubs = collectPublications(sub);
        await publish(channel, { n: 1 });
        await pubs.take(1);
        const left = nextEvent(sub, "unsubscribed");
        sub.unsubscribe();
        await left;
        await publish(channel, { n: 2 });
        const back = nextEvent<{ recovered: boolean }>(sub, "subscribed");
        sub.subscribe();
        assert.equal((await back).recovered, true);
        assert.deepEqual(
          (await pubs.take(2)).map((p) => p.data),
          [{ n: 1 }, { n: 2 }],
        );
      } finally {
        client.disconnect();
      }
    });

    test("a connection that goes away leaves presence and its leave reaches the others", async () => {
      const channel = `room:leave-${protocol}`;
      const stays = centrifugeClient(srv.url, protocol);
      const goes = centrifugeClient(srv.url, protocol);
      try {
        const staysId = (await connected(stays)).client;
        const { sub } = await subscribed(stays, channel);
        const goneId = (await connected(goes)).client;
        await subscribed(goes, channel);
        const left = eventWhere<{ info: { client: string } }>(
          sub,
          "leave",
          (ctx) => ctx.info.client === goneId,
        );
        goes.disconnect();
        await left;
        const presence = await sub.presence();
        assert.deepEqual(Object.keys(presence.clients), [staysId]);
      } finally {
        stays.disconnect();
        goes.disconnect();
      }
    });
  });
}

describe("payloads a JSON connection cannot carry", () => {
  test("a binary publication from a protobuf client ends a JSON subscriber's connection with 3506", async () => {
    const channel = "any:binary";
    const reader = await rawClient(srv.url, "json");
    reader.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel } });
    await reader.reply(2);
    const writer = centrifugeClient(srv.url, "protobuf");
    try {
      await connected(writer);
      await writer.publish(channel, new Uint8Array([0xff, 0x00, 0xfe]));
      assert.deepEqual(await reader.closed, { code: 3506, reason: "inappropriate protocol" });
    } finally {
      writer.disconnect();
    }
  });
});
