import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { connectClient } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        { name: "long", history_size: 100, history_ttl: "300s", force_recovery: true },
        { name: "short", history_size: 2, history_ttl: "300s", force_recovery: true },
      ],
    },
  });
});
after(() => srv.close());

async function publishN(channel: string, from: number, n: number) {
  const api = connectClient(CentrifugoApi, "grpc", srv.url, srv.apiKey);
  for (let i = from; i < from + n; i++) {
    const res = await api.publish({ channel, data: new TextEncoder().encode(JSON.stringify({ n: i })) });
    assert.equal(res.error, undefined);
  }
}

for (const protocol of clientProtocols) {
  describe(`recovery over ${protocol}`, () => {
    test("a subscriber that was away recovers exactly the publications it missed, in order", async () => {
      const channel = `long:${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel);
        const pubs = collectPublications(sub);
        await publishN(channel, 1, 2);
        await pubs.take(2);
        const disconnected = nextEvent(client, "disconnected");
        client.disconnect();
        await disconnected;
        await publishN(channel, 3, 5);
        const resubscribed = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
        client.connect();
        const ctx = await resubscribed;
        assert.equal(ctx.wasRecovering, true);
        assert.equal(ctx.recovered, true);
        const all = await pubs.take(7);
        assert.deepEqual(
          all.map((p) => p.data),
          [1, 2, 3, 4, 5, 6, 7].map((n) => ({ n })),
        );
        assert.deepEqual(
          all.slice(2).map((p) => p.offset),
          [3, 4, 5, 6, 7],
        );
      } finally {
        client.disconnect();
      }
    });

    test("when history no longer holds what was missed, the subscriber is told it did not recover", async () => {
      const channel = `short:${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel);
        const pubs = collectPublications(sub);
        await publishN(channel, 1, 1);
        await pubs.take(1);
        const disconnected = nextEvent(client, "disconnected");
        client.disconnect();
        await disconnected;
        await publishN(channel, 2, 5);
        const resubscribed = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
        client.connect();
        const ctx = await resubscribed;
        assert.equal(ctx.wasRecovering, true);
        assert.equal(ctx.recovered, false);
        await publishN(channel, 7, 1);
        const all = await pubs.take(2);
        assert.deepEqual(all[1]!.data, { n: 7 });
      } finally {
        client.disconnect();
      }
    });
  });
}
