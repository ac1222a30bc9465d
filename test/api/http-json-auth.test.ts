import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { unauthorizedHttpMessage } from "../../src/api/api-key.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { chatConfig, post } from "./http-json-fixtures.js";

describe("HTTP JSON API keys", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ http_api: { key: "test" } });
  });
  after(() => srv.close());

  const cases: [string, Record<string, string>, string, number][] = [
    ["no credentials", {}, "", 401],
    ["X-API-Key", { "X-API-Key": "test" }, "", 200],
    ["lower-case x-api-key", { "x-api-key": "test" }, "", 200],
    ["wrong X-API-Key", { "X-API-Key": "nope" }, "", 401],
    [
      "X-API-Key wins over a good Authorization",
      { "X-API-Key": "nope", Authorization: "apikey test" },
      "",
      401,
    ],
    ["Authorization: apikey", { Authorization: "apikey test" }, "", 200],
    ["Authorization: APIKEY", { Authorization: "APIKEY test" }, "", 200],
    ["Authorization: bearer", { Authorization: "bearer test" }, "", 401],
    ["Authorization without scheme", { Authorization: "test" }, "", 401],
    ["Authorization with three parts", { Authorization: "apikey test test" }, "", 401],
    ["?api_key= right", {}, "?api_key=test", 200],
    ["?api_key= wrong", {}, "?api_key=t", 401],
    ["bad header, good query", { Authorization: "bearer test" }, "?api_key=test", 200],
  ];
  for (const [name, headers, query, status] of cases) {
    test(`${name} → ${status}`, async () => {
      for (const path of ["/api/info", "/api"]) {
        const res = await post(srv, `${path}${query}`, path === "/api" ? '{"method":"info"}' : "{}", headers);
        assert.equal(res.status, status, path);
        if (status === 401) {
          assert.equal(res.text, unauthorizedHttpMessage);
          assert.match(res.contentType ?? "", /^text\/plain/);
        }
      }
    });
  }
});

test("http_api.insecure opens the HTTP JSON API without a key", async () => {
  const srv = await startTestServer({ http_api: { insecure: true } });
  try {
    assert.equal((await post(srv, "/api/info", "{}", {})).status, 200);
  } finally {
    await srv.close();
  }
});

describe("transport error mode", () => {
  const bodies = [
    ["publish", { channel: "unknown:x", data: {} }, 404, 102],
    ["history", { channel: "chat:t", since: { offset: 1, epoch: "wrong" } }, 416, 112],
    ["publish", { channel: "chat:t" }, 400, 107],
    ["presence", { channel: "nohistory" }, 400, 108],
    ["rpc", { method: "x" }, 404, 104],
  ] as const;

  for (const [how, config, headers] of [
    ["configured", { ...chatConfig, http_api: { error_mode: "transport" } }, {}],
    ["asked for by header", chatConfig, { "X-Centrifugo-Error-Mode": "transport" }],
  ] as const) {
    test(`${how}: API errors become statuses with a bare error body`, async () => {
      const srv = await startTestServer(config);
      try {
        await post(srv, "/api/publish", '{"channel":"chat:t","data":{}}');
        for (const [method, body, status, code] of bodies) {
          const res = await post(srv, `/api/${method}`, JSON.stringify(body), {
            "x-api-key": srv.apiKey,
            ...headers,
          });
          assert.equal(res.status, status, `${method} ${JSON.stringify(body)}`);
          assert.equal(res.contentType, "application/json");
          assert.equal((res.json as { code: number }).code, code);
          assert.deepEqual(Object.keys(res.json as object), ["code", "message"]);
        }
        const ok = await post(srv, "/api/publish", '{"channel":"chat:t","data":{}}', {
          "x-api-key": srv.apiKey,
          ...headers,
        });
        assert.equal(ok.status, 200);
        assert.equal((ok.json as { result: { offset: number } }).result.offset, 2);
        const bad = await post(srv, "/api/publish", '{"channel":1}', { "x-api-key": srv.apiKey, ...headers });
        assert.equal(bad.status, 400);
        assert.equal((bad.json as { code: number }).code, 107);
      } finally {
        await srv.close();
      }
    });
  }
});
