import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;

before(async () => {
  srv = await startTestServer({ client: { insecure: true }, uni_http_stream: { enabled: true } });
});
after(() => srv.close());

/** One HTTP/2 POST with neither content-length nor content-type: HTTP/2 needs neither. */
function post(path: string, body: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const session = http2.connect(srv.url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": path, ...headers });
    let status = 0;
    let text = "";
    req.on("response", (h) => {
      status = Number(h[":status"]);
    });
    req.on("data", (chunk: Buffer) => {
      text += chunk;
      // A stream transport never ends on its own: its first line is the answer.
      if (text.includes("\n")) session.destroy();
    });
    req.on("close", () => {
      session.destroy();
      resolve({ status, text });
    });
    req.on("error", () => {});
    req.end(body);
  });
}

test("the HTTP JSON API reads a body sent over HTTP/2 without content-length", async () => {
  const res = await post("/api/info", "{}", { "x-api-key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
  assert.match(res.text, /"nodes":\[\{"uid"/);
});

test("a client transport reads a body sent over HTTP/2 without content-length", async () => {
  const res = await post("/connection/uni_http_stream", "not a connect request");
  assert.equal(res.status, 400);
  assert.match(res.text, /bad connect request/);
});
