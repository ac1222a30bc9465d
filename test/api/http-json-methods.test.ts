import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { HubSubscriber } from "../../src/node/hub.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { call, chatConfig, fakeClient, post } from "./http-json-fixtures.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer(chatConfig);
});
after(() => srv.close());

test("publish answers {offset, epoch} as a number and a string", async () => {
  const first = await call(srv, "publish", { channel: "chat:pub", data: { text: "hello" } });
  const second = await call(srv, "publish", { channel: "chat:pub", data: { text: "again" } });
  assert.equal(first.status, 200);
  assert.equal(first.contentType, "application/json");
  const a = first.json as { result: { offset: number; epoch: string } };
  assert.equal(a.result.offset, 1);
  assert.match(a.result.epoch, /^\S+$/);
  assert.deepEqual(second.json, { result: { offset: 2, epoch: a.result.epoch } });
});

test("publish into a channel without history answers {result: {}}", async () => {
  const res = await call(srv, "publish", { channel: "nohistory", data: {} });
  assert.equal(res.text, '{"result":{}}');
});

test("publish errors are in the body with HTTP 200", async () => {
  const cases = [
    [
      { channel: "unknown:x", data: {} },
      { code: 102, message: "unknown channel" },
    ],
    [
      { channel: "", data: {} },
      { code: 107, message: "bad request" },
    ],
    [{ channel: "chat:x" }, { code: 107, message: "bad request" }],
    [
      { channel: "chat:x", b64data: "not base64!" },
      { code: 107, message: "bad request" },
    ],
  ] as const;
  for (const [body, error] of cases) {
    const res = await call(srv, "publish", body);
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.deepEqual(res.json, { error }, JSON.stringify(body));
  }
});

test("a raw JSON payload survives publish and history byte for byte", async () => {
  const payload = '{"big":12345678901234567890,"f":1.0,"s":"\\u00e9","arr":[1 ,2]}';
  const pub = await post(srv, "/api/publish", `{"channel":"chat:raw","data":${payload}}`);
  assert.equal(pub.status, 200);
  const res = await call(srv, "history", { channel: "chat:raw", limit: -1 });
  assert.ok(res.text.includes(`"data":${payload}`), res.text);
});

test("a payload with line breaks comes back compacted outside its strings", async () => {
  await post(srv, "/api/publish", '{"channel":"chat:lines","data":{\n  "a": "x  y",\r\n  "b": [1, 2]\n}}');
  const res = await call(srv, "history", { channel: "chat:lines", limit: 1 });
  assert.ok(res.text.includes('"data":{"a":"x  y","b":[1,2]}'), res.text);
});

test("history of a binary b64data payload is a 500 that explains why", async () => {
  await call(srv, "publish", { channel: "chat:bin", b64data: "AAEC" });
  const res = await call(srv, "history", { channel: "chat:bin", limit: -1 });
  assert.equal(res.status, 500);
  const { error } = res.json as { error: { code: number; message: string } };
  assert.equal(error.code, 100);
  assert.match(error.message, /not JSON/);
  assert.match(error.message, /gRPC or Connect/);
  assert.equal((await call(srv, "info", {})).status, 200);
});

test("history honours limit, since and reverse and always emits its fields", async () => {
  const channel = "chat:hist";
  let epoch = "";
  for (let n = 1; n <= 4; n++) {
    const res = await call(srv, "publish", { channel, data: { n }, tags: { k: `v${n}` } });
    epoch = (res.json as { result: { epoch: string } }).result.epoch;
  }
  const top = await call(srv, "history", { channel });
  assert.deepEqual(top.json, { result: { publications: [], epoch, offset: 4 } });

  const cases = [
    [{ limit: 2 }, [1, 2]],
    [{ limit: -1 }, [1, 2, 3, 4]],
    [{ limit: -1, since: { offset: 2, epoch } }, [3, 4]],
    [{ limit: 2, reverse: true }, [4, 3]],
  ] as const;
  for (const [options, offsets] of cases) {
    const res = await call(srv, "history", { channel, ...options });
    const result = (res.json as { result: { publications: { offset: number; data: { n: number } }[] } })
      .result;
    assert.deepEqual(
      result.publications.map((p) => p.offset),
      offsets,
      JSON.stringify(options),
    );
    assert.deepEqual(
      result.publications.map((p) => p.data.n),
      offsets,
    );
  }
  const one = await call(srv, "history", { channel, limit: 1 });
  assert.deepEqual(one.json, {
    result: { publications: [{ data: { n: 1 }, offset: 1, tags: { k: "v1" } }], epoch, offset: 4 },
  });
});

test("history from a wrong epoch is 112, a namespace without history 108", async () => {
  await call(srv, "publish", { channel: "chat:epoch", data: {} });
  const wrong = await call(srv, "history", { channel: "chat:epoch", since: { offset: 0, epoch: "nope" } });
  assert.deepEqual(wrong.json, { error: { code: 112, message: "unrecoverable position" } });
  const off = await call(srv, "history", { channel: "nohistory" });
  assert.deepEqual(off.json, { error: { code: 108, message: "not available" } });
});

test("history_remove keeps the position and drops the publications", async () => {
  const channel = "chat:remove";
  await call(srv, "publish", { channel, data: 1 });
  await call(srv, "publish", { channel, data: 2 });
  assert.deepEqual((await call(srv, "history_remove", { channel })).json, { result: {} });
  const res = await call(srv, "history", { channel, limit: -1 });
  const result = (res.json as { result: { publications: unknown[]; offset: number } }).result;
  assert.deepEqual(result.publications, []);
  assert.equal(result.offset, 2);
});

test("publish with the same idempotency_key twice stores one publication", async () => {
  const body = { channel: "chat:idem", data: { x: 1 }, idempotency_key: "k1" };
  const first = await call(srv, "publish", body);
  const second = await call(srv, "publish", body);
  assert.deepEqual(second.json, first.json);
  const res = await call(srv, "history", { channel: "chat:idem", limit: -1 });
  assert.equal((res.json as { result: { publications: unknown[] } }).result.publications.length, 1);
});

test("broadcast answers a result or an error per channel, in order", async () => {
  const res = await call(srv, "broadcast", { channels: ["chat:b1", "unknown:x", ""], data: { text: "hi" } });
  const responses = (res.json as { result: { responses: unknown[] } }).result.responses;
  const first = responses[0] as { result: { offset: number; epoch: string } };
  assert.equal(first.result.offset, 1);
  assert.match(first.result.epoch, /^\S+$/);
  assert.deepEqual(responses[1], { error: { code: 102, message: "unknown channel" } });
  assert.deepEqual(responses[2], { error: { code: 107, message: "bad request" } });
  const empty = await call(srv, "broadcast", { channels: [], data: {} });
  assert.deepEqual(empty.json, { error: { code: 107, message: "bad request" } });
});

test("presence and presence_stats list who is in the channel", async () => {
  const node = srv.server.node;
  const connInfo = new TextEncoder().encode('{"name":"Alex"}');
  await node.addPresence("chat:room", "c1", { user: "42", client: "c1", connInfo });
  await node.addPresence("chat:room", "c2", { user: "", client: "c2" });
  const presence = await call(srv, "presence", { channel: "chat:room" });
  assert.equal(
    presence.text,
    '{"result":{"presence":{"c1":{"user":"42","client":"c1","conn_info":{"name":"Alex"}},"c2":{"user":"","client":"c2"}}}}',
  );
  const stats = await call(srv, "presence_stats", { channel: "chat:room" });
  assert.deepEqual(stats.json, { result: { num_clients: 2, num_users: 2 } });
  const empty = await call(srv, "presence_stats", { channel: "chat:empty" });
  assert.equal(empty.text, '{"result":{"num_clients":0,"num_users":0}}');
  assert.equal((await call(srv, "presence", { channel: "chat:empty" })).text, '{"result":{"presence":{}}}');
  const off = await call(srv, "presence", { channel: "nohistory" });
  assert.deepEqual(off.json, { error: { code: 108, message: "not available" } });
});

test("info lists this node with its always-emitted counters", async () => {
  const res = await call(srv, "info", {});
  const nodes = (res.json as { result: { nodes: Record<string, unknown>[] } }).result.nodes;
  assert.equal(nodes.length, 1);
  // uptime and metrics are omitted when empty (a node's first second, before its first aggregation)
  const keys = Object.keys(nodes[0]!).filter((k) => k !== "uptime" && k !== "metrics");
  assert.deepEqual(keys, ["uid", "name", "version", "num_clients", "num_users", "num_channels", "num_subs"]);
});

test("channels answers an object of active channels, {} when there are none", async () => {
  assert.equal((await call(srv, "channels", {})).text, '{"result":{"channels":{}}}');
  const sub: HubSubscriber = {
    client: fakeClient(srv, "chan-client", "7").client,
    channel: "chat:active",
    recheckPosition: () => {},
    deliverPublication: () => {},
    deliverJoin: () => {},
    deliverLeave: () => {},
  };
  await srv.server.node.addSubscribers([sub]);
  const res = await call(srv, "channels", { pattern: "chat:*" });
  assert.deepEqual(res.json, { result: { channels: { "chat:active": { num_clients: 1 } } } });
  const none = await call(srv, "channels", { pattern: "other:*" });
  assert.equal(none.text, '{"result":{"channels":{}}}');
});

test("subscribe, unsubscribe, disconnect and refresh reach the user's connections", async () => {
  const client = fakeClient(srv, "conn-1", "u1");
  const cases = [
    ["subscribe", { user: "u1", channel: "chat:s" }, "subscribe chat:s"],
    ["unsubscribe", { user: "u1", channel: "chat:s" }, "unsubscribe chat:s"],
    ["refresh", { user: "u1", expire_at: 1700000000 }, "refresh false 1700000000"],
    ["disconnect", { user: "u1", disconnect: { code: 4000, reason: "bye" } }, "disconnect 4000 bye"],
  ] as const;
  for (const [i, [method, body, event]] of cases.entries()) {
    const res = await call(srv, method, body);
    assert.equal(res.text, '{"result":{}}', method);
    const events = await client.waitFor(i + 1);
    assert.equal(events[i], event);
  }
  assert.deepEqual((await call(srv, "subscribe", { user: "u1" })).json, {
    error: { code: 107, message: "bad request" },
  });
});

test("rpc answers 104 for any method and 107 without one", async () => {
  assert.deepEqual((await call(srv, "rpc", { method: "x", params: { a: 1 } })).json, {
    error: { code: 104, message: "not found" },
  });
  assert.deepEqual((await call(srv, "rpc", {})).json, { error: { code: 107, message: "bad request" } });
});
