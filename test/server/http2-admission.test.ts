import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;

before(async () => {
  srv = await startTestServer({ http_server: { http2: { max_requests_in_flight: 2 } } });
});
after(() => srv.close());

/** An HTTP JSON API call over one HTTP/2 session; the body is sent when `send` is called. */
function call(session: http2.ClientHttp2Session) {
  const req = session.request({ ":method": "POST", ":path": "/api/info", "x-api-key": srv.apiKey });
  let answered = false;
  const answer = new Promise<string>((resolve, reject) => {
    let text = "";
    req.on("data", (chunk: Buffer) => (text += chunk));
    req.on("end", () => {
      answered = true;
      resolve(text);
    });
    req.on("error", reject);
  });
  req.write("{");
  return { answer, answered: () => answered, send: () => req.end("}") };
}

test("past max_requests_in_flight a connection's requests wait their turn; another connection is served at once", async () => {
  const flooding = http2.connect(srv.url);
  const other = http2.connect(srv.url);
  try {
    const a1 = call(flooding);
    const a2 = call(flooding);
    const a3 = call(flooding);
    a3.send();
    const b1 = call(other);
    b1.send();
    assert.match(await b1.answer, /"nodes"/, "a connection with nothing in flight is served");
    // Were a3 served, its answer would be as quick as b1's: give it that long again, with room to spare.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(a3.answered(), false, "the third request of a connection holding the bound waits");
    a1.send();
    assert.match(await a1.answer, /"nodes"/);
    assert.match(await a3.answer, /"nodes"/, "it is served once one of its connection's requests ends");
    a2.send();
    assert.match(await a2.answer, /"nodes"/);
  } finally {
    flooding.destroy();
    other.destroy();
  }
});
