import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { chatConfig, post } from "./http-json-fixtures.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer(chatConfig);
});
after(() => srv.close());

function lines(text: string): Record<string, unknown>[] {
  return text.split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);
}

test("the legacy route runs a stream of commands in order, ids echoed, replies joined by \\n", async () => {
  const body = [
    '{"method":"publish","params":{"channel":"chat:legacy","data":{"n":1}}}',
    '{"id":2,"method":"PUBLISH","params":{"channel":"chat:legacy","data":{"n":2}}}',
    '  {"id":3,"method":6,"params":{"channel":"chat:legacy","limit":-1}}\t',
    '{"id":4,"method":"info"}{"id":5,"method":"presence_stats","params":{"channel":"chat:legacy"}}',
  ].join("\n");
  const res = await post(srv, "/api", body);
  assert.equal(res.status, 200);
  assert.equal(res.contentType, "application/json");
  assert.ok(!res.text.endsWith("\n"));
  const replies = lines(res.text);
  assert.equal(replies.length, 5);
  const epoch = (replies[0]!.result as { epoch: string }).epoch;
  assert.deepEqual(replies[0], { result: { offset: 1, epoch } });
  assert.deepEqual(replies[1], { id: 2, result: { offset: 2, epoch } });
  assert.deepEqual(replies[2], {
    id: 3,
    result: {
      publications: [
        { data: { n: 1 }, offset: 1 },
        { data: { n: 2 }, offset: 2 },
      ],
      epoch,
      offset: 2,
    },
  });
  assert.equal(replies[3]!.id, 4);
  assert.ok(Array.isArray((replies[3]!.result as { nodes: unknown[] }).nodes));
  assert.deepEqual(replies[4], { id: 5, result: { num_clients: 0, num_users: 0 } });
});

test("legacy errors are per command: missing or bad params 107, unknown numbers and PRO methods 104", async () => {
  const body = [
    '{"id":1,"method":"publish"}',
    '{"id":2,"method":"history","params":{"channel":5}}',
    '{"id":3,"method":13,"params":{}}',
    '{"id":4,"method":99,"params":{}}',
    '{"id":5,"method":"connections","params":{}}',
    '{"id":6,"method":32,"params":{}}',
    '{"id":7,"method":"publish","params":{"channel":"unknown:x","data":{}}}',
    '{"id":8,"method":"history","params":null}',
  ].join("");
  const res = await post(srv, "/api", body);
  assert.equal(res.status, 200);
  const codes = lines(res.text).map((r) => [r.id, (r.error as { code: number } | undefined)?.code]);
  assert.deepEqual(codes, [
    [1, 107],
    [2, 107],
    [3, 104],
    [4, 104],
    [5, 104],
    [6, 104],
    [7, 102],
    [8, 107],
  ]);
  assert.deepEqual(lines(res.text)[2], { id: 3, error: { code: 104, message: "not found" } });
});

test("an unknown method name fails the whole legacy request with 400", async () => {
  const res = await post(srv, "/api", '{"method":"info"}\n{"method":"nope","params":{}}');
  assert.equal(res.status, 400);
  assert.match((res.json as { error: { message: string } }).error.message, /unknown method "nope"/);
});

test("malformed legacy bodies are 400 with a message", async () => {
  for (const body of ['{"method":"info"', '{"method":"info"} x', "[1]", '{"method":true}', '{"id":-1}']) {
    const res = await post(srv, "/api", body);
    assert.equal(res.status, 400, body);
    assert.equal((res.json as { error: { code: number } }).error.code, 107, body);
  }
  assert.equal((await post(srv, "/api", "")).status, 400);
});
