import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Subscription } from "centrifuge";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  clientProtocols,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const stream = {
  history_size: 100,
  history_ttl: "300s",
  force_recovery: true,
  allowed_delta_types: ["fossil"],
};

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        { name: "doc", ...stream, delta_publish: true },
        { name: "opt", ...stream },
      ],
    },
  });
});
after(() => srv.close());

/** A document that changes a little each time: what delta compression is for. */
function version(n: number) {
  return {
    id: "doc-1",
    revision: n,
    title: "Quarterly report",
    rows: Array.from({ length: 12 }, (_, i) => ({
      row: i,
      value: i === n % 12 ? n * 10 : i,
      label: `row ${i}`,
    })),
  };
}

async function publish(channel: string, n: number, delta?: boolean) {
  const body = { channel, data: version(n), ...(delta === undefined ? {} : { delta }) };
  const res = await httpApi(srv.url, "publish", body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
}

const stats = (sub: Subscription) => sub.deltaStats();

for (const protocol of clientProtocols) {
  describe(`fossil delta over ${protocol}`, () => {
    test("a delta subscriber reconstructs the same payloads as a plain one, from one full payload and patches", async () => {
      const channel = `doc:live-${protocol}`;
      const withDelta = centrifugeClient(srv.url, protocol);
      const plain = centrifugeClient(srv.url, protocol);
      try {
        const { sub: deltaSub } = await subscribed(withDelta, channel, { delta: "fossil" });
        const { sub: plainSub } = await subscribed(plain, channel);
        const viaDelta = collectPublications(deltaSub);
        const viaPlain = collectPublications(plainSub);
        for (let n = 1; n <= 5; n++) await publish(channel, n);
        const expected = [1, 2, 3, 4, 5].map(version);
        assert.deepEqual(
          (await viaDelta.take(5)).map((p) => p.data),
          expected,
        );
        assert.deepEqual(
          (await viaPlain.take(5)).map((p) => p.data),
          expected,
        );
        assert.deepEqual([stats(deltaSub).numFullPayloads, stats(deltaSub).numDeltaPayloads], [1, 4]);
        assert.ok(stats(deltaSub).bytesReceived < stats(deltaSub).bytesDecoded);
      } finally {
        withDelta.disconnect();
        plain.disconnect();
      }
    });

    test("the API's delta flag asks for patches in a namespace without delta_publish", async () => {
      const channel = `opt:flag-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel, { delta: "fossil" });
        const pubs = collectPublications(sub);
        await publish(channel, 1, true);
        await publish(channel, 2, false);
        await publish(channel, 3, true);
        assert.deepEqual(
          (await pubs.take(3)).map((p) => p.data),
          [1, 2, 3].map(version),
        );
        assert.deepEqual([stats(sub).numFullPayloads, stats(sub).numDeltaPayloads], [2, 1]);
      } finally {
        client.disconnect();
      }
    });

    test("publications recovered after a reconnect continue the delta chain", async () => {
      const channel = `doc:recover-${protocol}`;
      const client = centrifugeClient(srv.url, protocol);
      try {
        const { sub } = await subscribed(client, channel, { delta: "fossil" });
        const pubs = collectPublications(sub);
        await publish(channel, 1);
        await publish(channel, 2);
        await pubs.take(2);
        const gone = nextEvent(client, "disconnected");
        client.disconnect();
        await gone;
        await publish(channel, 3);
        await publish(channel, 4);
        const back = nextEvent<{ recovered: boolean }>(sub, "subscribed");
        client.connect();
        assert.equal((await back).recovered, true);
        await publish(channel, 5);
        assert.deepEqual(
          (await pubs.take(5)).map((p) => p.data),
          [1, 2, 3, 4, 5].map(version),
        );
      } finally {
        client.disconnect();
      }
    });
  });
}
