import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
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
        {
          name: "state",
          history_size: 10,
          history_ttl: "300s",
          force_recovery: true,
          force_recovery_mode: "cache",
        },
        {
          name: "auto",
          history_size: 10,
          history_ttl: "300s",
          force_recovery: true,
          force_recovery_mode: "cache",
          auto_cache_recover: true,
        },
      ],
    },
  });
});
after(() => srv.close());

async function publish(channel: string, n: number) {
  const res = await httpApi(srv.url, "publish", { channel, data: { n } }, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
}

for (const protocol of clientProtocols) {
  describe(`force_recovery_mode cache over ${protocol}`, () => {
    /** Subscribes, sees publication 1, goes away while `missed` more are published, comes back. */
    async function awayAndBack(channel: string, missed: number) {
      const client = centrifugeClient(srv.url, protocol);
      const { sub } = await subscribed(client, channel);
      const pubs = collectPublications(sub);
      await publish(channel, 1);
      await pubs.take(1);
      const gone = nextEvent(client, "disconnected");
      client.disconnect();
      await gone;
      for (let n = 2; n <= missed + 1; n++) await publish(channel, n);
      const back = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
      client.connect();
      return { client, pubs, context: await back };
    }

    test("a returning subscriber gets only the latest publication, as recovered", async () => {
      const channel = `state:latest-${protocol}`;
      const { client, pubs, context } = await awayAndBack(channel, 3);
      try {
        assert.deepEqual([context.wasRecovering, context.recovered], [true, true]);
        await publish(channel, 5);
        assert.deepEqual(
          (await pubs.take(3)).map((p) => [p.data, p.offset]),
          [
            [{ n: 1 }, 1],
            [{ n: 4 }, 4],
            [{ n: 5 }, 5],
          ],
        );
      } finally {
        client.disconnect();
      }
    });

    test("a subscriber already at the latest publication gets nothing again", async () => {
      const channel = `state:current-${protocol}`;
      const { client, pubs, context } = await awayAndBack(channel, 0);
      try {
        assert.equal(context.recovered, true);
        await publish(channel, 2);
        assert.deepEqual(
          (await pubs.take(2)).map((p) => p.data),
          [{ n: 1 }, { n: 2 }],
        );
      } finally {
        client.disconnect();
      }
    });
  });
}

test("auto_cache_recover: a first subscribe gets the latest publication without asking to recover", async () => {
  for (const namespace of ["auto", "state"]) {
    const channel = `${namespace}:fresh`;
    await publish(channel, 1);
    await publish(channel, 2);
    const client = centrifugeClient(srv.url, "json");
    try {
      const sub = client.newSubscription(channel);
      const pubs = collectPublications(sub);
      const context = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
      sub.subscribe();
      client.connect();
      const { wasRecovering, recovered } = await context;
      await publish(channel, 3);
      const seen = (await pubs.take(namespace === "auto" ? 2 : 1)).map((p) => p.data);
      if (namespace === "auto") {
        assert.deepEqual([wasRecovering, recovered], [true, true]);
        assert.deepEqual(seen, [{ n: 2 }, { n: 3 }]);
      } else {
        assert.equal(wasRecovering, false);
        assert.deepEqual(seen, [{ n: 3 }]);
      }
    } finally {
      client.disconnect();
    }
  }
});
