import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { grpcJsCall, grpcJsClient } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
let client: ReturnType<typeof grpcJsClient>;

before(async () => {
  // The Go example of Centrifugo v2's docs dials the gRPC port without a key;
  // rotor fails closed, so `insecure` opens the port here.
  srv = await startTestServer({
    grpc_api: { enabled: true, insecure: true },
    channel: { namespaces: [{ name: "chat", history_size: 10, history_ttl: "300s" }] },
  });
  client = grpcJsClient("api/api.proto", "api.Centrifugo", `127.0.0.1:${srv.grpcPort}`);
});

after(async () => {
  client.close();
  await srv.close();
});

test("the seed's Go publish loop, in grpc-js: every publish to chat:index succeeds and history shows them", async () => {
  const data = Buffer.from(`{"input": "hello from GRPC"}`);
  for (let i = 0; i < 5; i++) {
    const resp = await grpcJsCall<{ error: unknown; result: unknown }>(client, "Publish", {
      channel: "chat:index",
      data,
    });
    assert.equal(resp.error, null, `publish ${i}: ${JSON.stringify(resp.error)}`);
    assert.deepEqual(resp.result, {});
  }
  const history = await grpcJsCall<{ error: unknown; result: { publications: { data: Buffer }[] } }>(
    client,
    "History",
    { channel: "chat:index" },
  );
  assert.equal(history.error, null);
  assert.deepEqual(
    history.result.publications.map((p) => p.data.toString()),
    Array(5).fill(`{"input": "hello from GRPC"}`),
  );
});
