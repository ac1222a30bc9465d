import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { call, chatConfig, post } from "./http-json-fixtures.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer(chatConfig);
});
after(() => srv.close());

type Replies = { replies: Record<string, unknown>[] };

for (const parallel of [false, true]) {
  test(`batch (parallel: ${parallel}) answers one reply per command, in order`, async () => {
    const channel = `chat:batch-${parallel}`;
    const res = await call(srv, "batch", {
      parallel,
      commands: [
        { publish: { channel, data: { n: 1 } } },
        null,
        {},
        { presence_stats: { channel } },
        { publish: { channel: "unknown:x", data: {} } },
        { history: { channel } },
        { info: {} },
      ],
    });
    assert.equal(res.status, 200);
    const { replies } = res.json as Replies;
    assert.equal(replies.length, 7);
    assert.equal((replies[0]!.publish as { offset: number }).offset, 1);
    assert.deepEqual(replies[1], { error: { code: 107, message: "bad request" } });
    assert.deepEqual(replies[2], { error: { code: 104, message: "not found" } });
    assert.deepEqual(replies[3], { presence_stats: { num_clients: 0, num_users: 0 } });
    assert.deepEqual(replies[4], { error: { code: 102, message: "unknown channel" } });
    assert.deepEqual(Object.keys(replies[5]!.history as object), ["publications", "epoch", "offset"]);
    assert.ok(Array.isArray((replies[6]!.info as { nodes: unknown[] }).nodes));
  });
}

test("sequential batch runs commands in order", async () => {
  const channel = "chat:order";
  const res = await call(srv, "batch", {
    commands: [1, 2, 3].map((n) => ({ publish: { channel, data: { n } } })),
  });
  const offsets = (res.json as Replies).replies.map((r) => (r.publish as { offset: number }).offset);
  assert.deepEqual(offsets, [1, 2, 3]);
});

test("a batch command uses its first field in Centrifugo's order and ignores the rest", async () => {
  const res = await call(srv, "batch", {
    commands: [{ info: {}, publish: { channel: "chat:first", data: {} } }],
  });
  const reply = (res.json as Replies).replies[0]!;
  assert.deepEqual(Object.keys(reply), ["publish"]);
});

test("batch ignores transport error mode and answers an empty list as {}", async () => {
  const res = await post(srv, "/api/batch", '{"commands":[{"publish":{"channel":"unknown:x","data":1}}]}', {
    "x-api-key": srv.apiKey,
    "x-centrifugo-error-mode": "transport",
  });
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, { replies: [{ error: { code: 102, message: "unknown channel" } }] });
  assert.equal((await call(srv, "batch", { commands: [] })).text, "{}");
});

test("a wrongly typed batch command names its path", async () => {
  const res = await call(srv, "batch", { commands: [{}, {}, { publish: { channel: 1 } }] });
  assert.equal(res.status, 400);
  assert.match(
    (res.json as { error: { message: string } }).error.message,
    /commands\[2\]\.publish\.channel: expected a string/,
  );
});
