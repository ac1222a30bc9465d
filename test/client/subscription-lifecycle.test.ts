import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pino from "pino";
import { waitUntil } from "../helpers/redis-servers.js";
import { scriptedBroker } from "../helpers/scripted-broker.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type RawClient, rawClient } from "./raw-websocket.js";

const scripted = scriptedBroker();
/** Warnings and errors the server logged, one JSON line each. */
const logged: string[] = [];
let srv: TestServer;

before(async () => {
  srv = await startTestServer(
    {
      client: { allow_anonymous_connect_without_token: true, concurrency: 8, channel_limit: 3 },
      channel: {
        namespaces: [
          {
            name: "room",
            allow_subscribe_for_client: true,
            allow_publish_for_client: true,
            allow_subscribe_for_anonymous: true,
            allow_publish_for_anonymous: true,
            presence: true,
            join_leave: true,
          },
        ],
      },
    },
    { engine: scripted.engine(), logger: pino({ level: "warn" }, { write: (line) => logged.push(line) }) },
  );
});
after(() => srv.close());

async function connectedClient(): Promise<{ client: RawClient; id: string }> {
  const client = await rawClient(srv.url, "json");
  client.send({ id: 1, connect: {} });
  const reply = await client.reply(1);
  return { client, id: (reply.connect as { client: string }).client };
}

describe("a subscription's lifecycle", () => {
  test("a client gone while its subscribe is held in the broker leaves no join, presence or hub entry", async () => {
    const { client, id } = await connectedClient();
    const release = scripted.holdSubscribes();
    client.send({ id: 2, subscribe: { channel: "room:held" } });
    await waitUntil("the broker subscribe", async () => scripted.calls.includes("subscribe room:held"), 5000);
    client.close();
    await waitUntil("the session to end", async () => srv.server.node.hub.client(id) === undefined, 5000);
    release();
    // The node unsubscribes the broker a moment after the channel's last subscriber left: by then the
    // abandoned subscribe has run to its end.
    await waitUntil("the broker unsubscribe", async () => scripted.calls.includes("unsubscribe room:held"));
    assert.deepEqual(
      scripted.calls.filter((call) => call.startsWith("join") || call.startsWith("leave")),
      [],
    );
    assert.equal((await srv.server.node.presence("room:held")).size, 0);
    assert.equal(srv.server.node.hub.hasSubscribers("room:held"), false);
  });

  test("subscribes of one frame at channel_limit - 1 accept exactly one", async () => {
    const { client } = await connectedClient();
    client.send({ id: 2, subscribe: { channel: "room:1" } }, { id: 3, subscribe: { channel: "room:2" } });
    assert.ok((await client.reply(2)).subscribe);
    assert.ok((await client.reply(3)).subscribe);
    client.send(
      { id: 4, subscribe: { channel: "room:3" } },
      { id: 5, subscribe: { channel: "room:4" } },
      { id: 6, subscribe: { channel: "room:5" } },
    );
    const replies = await Promise.all([4, 5, 6].map((id) => client.reply(id)));
    assert.equal(replies.filter((r) => r.subscribe).length, 1);
    assert.deepEqual(
      replies.filter((r) => r.error).map((r) => (r.error as { code: number }).code),
      [106, 106],
    );
    client.close();
  });

  test("an engine failure ends a subscribe with 3004 and one log line; a publish gets 100 and keeps the connection", async () => {
    const publisher = await connectedClient();
    scripted.failNext("publish");
    publisher.client.send({ id: 2, publish: { channel: "room:p", data: { n: 1 } } });
    assert.deepEqual((await publisher.client.reply(2)).error, {
      code: 100,
      message: "internal server error",
      temporary: true,
    });
    publisher.client.send({ id: 3, publish: { channel: "room:p", data: { n: 2 } } });
    assert.deepEqual((await publisher.client.reply(3)).publish, {});

    const before = logged.length;
    const { client } = await connectedClient();
    scripted.failNext("subscribe");
    client.send({ id: 2, subscribe: { channel: "room:down" } });
    assert.equal((await client.closed).code, 3004);
    const lines = logged.slice(before).map((line) => JSON.parse(line) as { msg: string; call?: string });
    assert.deepEqual(
      lines.map((line) => [line.msg, line.call]),
      [["engine call failed", "broker subscribe"]],
    );
    publisher.client.close();
  });
});
