import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, test } from "node:test";
import { envelope } from "../api/raw-requests.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const consume = "/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume";

let srv: TestServer;
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.name);

before(async () => {
  srv = await startTestServer({ client: { insecure: true }, uni_grpc: { enabled: true } });
  process.on("warning", onWarning);
});
after(async () => {
  process.off("warning", onWarning);
  await srv.close();
});

/**
 * Opens a Connect stream with the given deadline header and reports whether it
 * is still open `ms` after its first message: a deadline Node cannot hold used
 * to become a 1 ms one, which ends the stream at once.
 */
function openAfter(headers: Record<string, string>, body: Uint8Array, ms: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(srv.url);
    session.on("error", reject);
    const req = session.request({ ":method": "POST", ":path": consume, ...headers });
    let ended = false;
    let first = true;
    req.on("data", () => {
      if (!first) return;
      first = false;
      setTimeout(() => {
        resolve(!ended);
        session.destroy();
      }, ms);
    });
    req.on("trailers", () => {
      ended = true;
    });
    req.on("end", () => {
      ended = true;
    });
    req.on("error", () => {});
    req.end(body);
  });
}

test("a gRPC deadline of 99999999 hours is kept as the longest a timer holds, without a warning", async () => {
  const open = await openAfter(
    { "content-type": "application/grpc", te: "trailers", "grpc-timeout": "99999999H" },
    envelope(0, 0, new Uint8Array()),
    300,
  );
  assert.equal(open, true, "the stream outlives a 1 ms deadline");
  assert.deepEqual(warnings, []);
});

test("a Connect deadline of 9999999999 ms is kept as the longest a timer holds, without a warning", async () => {
  const open = await openAfter(
    { "content-type": "application/connect+json", "connect-timeout-ms": "9999999999" },
    envelope(0, 2, Buffer.from("{}")),
    300,
  );
  assert.equal(open, true, "the stream outlives a 1 ms deadline");
  assert.deepEqual(warnings, []);
});

test("a short deadline still ends the stream", async () => {
  const open = await openAfter(
    { "content-type": "application/grpc", te: "trailers", "grpc-timeout": "100m" },
    envelope(0, 0, new Uint8Array()),
    600,
  );
  assert.equal(open, false);
});
