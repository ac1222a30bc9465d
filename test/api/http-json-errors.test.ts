import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { chatConfig, post } from "./http-json-fixtures.js";

type ErrorBody = { error: { code: number; message: string } };

describe("request failures of the HTTP JSON API", () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer(chatConfig);
  });
  after(() => srv.close());

  test("methods other than POST are 405", async () => {
    for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]) {
      for (const path of ["/api/publish", "/api"]) {
        const res = await post(srv, path, "{}", { "x-api-key": srv.apiKey }, method);
        assert.equal(res.status, 405, `${method} ${path}`);
      }
    }
  });

  test("unknown methods and methods rotor lacks are 404 with a message", async () => {
    const cases = [
      ["nope", /no server API method "nope"/],
      ["connections", /"connections" is a Centrifugo method that is not available in rotor/],
      ["device_register", /not available in rotor/],
    ] as const;
    for (const [name, message] of cases) {
      const res = await post(srv, `/api/${name}`, "{}");
      assert.equal(res.status, 404, name);
      const { error } = res.json as ErrorBody;
      assert.equal(error.code, 104);
      assert.match(error.message, message);
    }
  });

  test("an empty body is 400, even for info", async () => {
    for (const method of ["info", "publish", "batch"]) {
      const res = await post(srv, `/api/${method}`, "");
      assert.equal(res.status, 400, method);
      assert.match((res.json as ErrorBody).error.message, /body is empty/);
    }
  });

  test("a body over the limit is 413 with the limit in the message", async () => {
    const res = await post(
      srv,
      "/api/publish",
      `{"channel":"chat:big","data":"${"x".repeat(5 * 1024 * 1024)}"}`,
    );
    assert.equal(res.status, 413);
    assert.match((res.json as ErrorBody).error.message, /larger than the limit of 4194304 bytes/);
  });

  test("any Content-Type is accepted, even a malformed one", async () => {
    for (const contentType of [
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "nonsense",
    ]) {
      const res = await post(srv, "/api/info", "{}", {
        "x-api-key": srv.apiKey,
        "content-type": contentType,
      });
      assert.equal(res.status, 200, contentType);
    }
  });

  test("malformed bodies are 4xx with a message and the server keeps answering", async () => {
    const cases: [string, string | Uint8Array<ArrayBuffer>, RegExp][] = [
      ["publish", '{"channel":"chat:x"', /unexpected end of input/],
      ["publish", '{"channel":"chat:x"}}', /unexpected data after the JSON value/],
      ["publish", '{"channel":"chat:x",}', /object key expected/],
      ["publish", "{'channel':'x'}", /object key expected/],
      ["publish", '{"channel":1}', /channel: expected a string, got the number 1/],
      ["publish", '{"channel":"c","skip_history":"yes"}', /skip_history: expected a boolean, got a string/],
      ["publish", '{"channel":"c","tags":[1]}', /tags: expected an object, got an array/],
      ["publish", '{"channel":"c","tags":{"a":1}}', /tags\["a"\]: expected a string/],
      ["publish", '{"channel":"c","version":-1}', /version: expected a uint64/],
      ["publish", '{"channel":"c","version":18446744073709551616}', /version: expected a uint64/],
      ["history", '{"channel":"c","limit":"10"}', /limit: expected an int32, got a string/],
      ["history", '{"channel":"c","limit":1.5}', /limit: expected an int32, got the number 1.5/],
      ["history", '{"channel":"c","limit":4294967296}', /limit: expected an int32/],
      ["history", '{"channel":"c","since":[]}', /since: expected an object/],
      ["history", '{"channel":"c","since":{"offset":1.0}}', /since\.offset: expected a uint64/],
      ["presence", '{"channel":"\\x"}', /invalid escape/],
      ["presence", '{"channel":"\\ud83"}', /invalid \\u escape/],
      ["presence", '{"channel":"a\tb"}', /control character/],
      [
        "publish",
        `{"channel":"c","data":${"[".repeat(500)}${"]".repeat(500)}}`,
        /nesting deeper than 128 levels/,
      ],
      ["publish", `{"channel":"c","data":"${"x".repeat(1024 * 1024)}`, /unterminated string/],
      ["publish", '{"channel":"c","data":01}', /unexpected character "1"/],
      ["publish", '{"channel":"c","data":nul}', /unexpected character "}"/],
      ["publish", "[]", /expected a JSON object, got an array/],
      ["publish", '"channel"', /expected a JSON object, got a string/],
      ["publish", new Uint8Array([0xff, 0xfe, 0x00]), /not valid UTF-8/],
      ["batch", '{"commands":{}}', /commands: expected an array, got an object/],
      ["batch", '{"commands":[1]}', /commands\[0\]: expected an object, got the number 1/],
    ];
    for (const [method, body, message] of cases) {
      const res = await post(srv, `/api/${method}`, body);
      const label = `${method} ${String(body).slice(0, 60)}`;
      assert.equal(res.status, 400, label);
      const { error } = res.json as ErrorBody;
      assert.equal(error.code, 107, label);
      assert.match(error.message, message, label);
    }
    const info = await post(srv, "/api/info", "{}");
    assert.equal(info.status, 200);
  });

  test("null, unknown keys and keys in any case decode like Go's encoding/json", async () => {
    const pub = await post(
      srv,
      "/api/publish",
      '{"Channel":"chat:go","DATA":{"a":1},"extra":{"x":[1,2]},"tags":null}',
    );
    assert.equal((pub.json as { result: { offset: number } }).result.offset, 1);
    assert.equal((await post(srv, "/api/info", "null")).status, 200);
    const nullData = await post(srv, "/api/publish", '{"channel":"chat:go","data":null}');
    assert.equal((nullData.json as { result: { offset: number } }).result.offset, 2);
    const history = await post(srv, "/api/history", '{"channel":"chat:go","limit":-1}');
    assert.match(history.text, /"data":\{"a":1\}.*"data":null/);
  });
});

test("http_api.handler_prefix moves the routes, http_api.disabled removes them", async () => {
  const moved = await startTestServer({ http_api: { handler_prefix: "/server/api/" } });
  try {
    assert.equal((await post(moved, "/server/api/info", "{}")).status, 200);
    assert.equal((await post(moved, "/server/api", '{"method":"info"}')).status, 200);
    assert.equal((await post(moved, "/api/info", "{}")).status, 404);
  } finally {
    await moved.close();
  }
  const disabled = await startTestServer({ http_api: { disabled: true } });
  try {
    assert.equal((await post(disabled, "/api/info", "{}")).status, 404);
  } finally {
    await disabled.close();
  }
});
