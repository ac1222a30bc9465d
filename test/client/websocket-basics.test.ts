import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: { namespaces: [{ name: "chat", history_size: 10, history_ttl: "300s", force_recovery: true }] },
  });
});
after(() => srv.close());

for (const protocol of clientProtocols) {
  describe(`${protocol} over websocket`, () => {
    test("connects, subscribes and receives a publication made through the HTTP API", async () => {
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, `chat:${protocol}`);
        const pubs = collectPublications(sub);
        const res = await httpApi(
          srv.url,
          "publish",
          { channel: `chat:${protocol}`, data: { text: "hi" } },
          { "X-API-Key": srv.apiKey },
        );
        assert.equal(res.status, 200);
        const [first] = await pubs.take(1);
        assert.deepEqual(first!.data, { text: "hi" });
      } finally {
        client.disconnect();
      }
    });
  });
}
