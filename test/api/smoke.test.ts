import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { connectClient, connectProtocols } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    channel: { namespaces: [{ name: "chat", history_size: 3, history_ttl: "300s" }] },
  });
});
after(() => srv.close());

for (const protocol of connectProtocols) {
  test(`publish and history over ${protocol}`, async () => {
    const client = connectClient(CentrifugoApi, protocol, srv.url, srv.apiKey);
    const channel = `chat:${protocol}`;
    for (let i = 1; i <= 5; i++) {
      const res = await client.publish({ channel, data: new TextEncoder().encode(`{"n":${i}}`) });
      assert.equal(res.error, undefined);
      assert.equal(res.result?.offset, BigInt(i));
    }
    const h = await client.history({ channel, limit: -1 });
    assert.deepEqual(
      h.result?.publications.map((p) => p.offset),
      [3n, 4n, 5n],
    );
  });
}
