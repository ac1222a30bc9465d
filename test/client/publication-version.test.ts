import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { JsonObject } from "@bufbuild/protobuf";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { connectClient, httpApi } from "../helpers/api-clients.js";
import { clientProtocols } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    channel: {
      namespaces: [
        {
          name: "ver",
          history_size: 10,
          history_ttl: "300s",
          allow_recovery: true,
          allow_history_for_client: true,
          allowed_delta_types: ["fossil"],
        },
        { name: "live" },
      ],
    },
  });
});
after(() => srv.close());

/** Publishes over the HTTP JSON API (a version when given) and returns the offset. */
async function publishJson(channel: string, n: number, version?: number): Promise<number> {
  const body = { channel, data: { n }, ...(version === undefined ? {} : { version }) };
  const res = await httpApi(srv.url, "publish", body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
  return Number((JSON.parse(res.text) as { result: { offset?: number } }).result.offset ?? 0);
}

/** A publication's `version` as a number (protobuf JSON carries uint64 as a string), undefined when absent. */
const versionOf = (pub: JsonObject | undefined) =>
  pub?.version === undefined ? undefined : Number(pub.version);

const pubsOf = (reply: JsonObject, path: "subscribe" | "history") =>
  ((reply[path] as JsonObject).publications as JsonObject[] | undefined) ?? [];

for (const protocol of clientProtocols) {
  describe(`Publication.version over ${protocol}`, () => {
    test("a version given on API publish reaches live subscribers; none is sent without one", async () => {
      const channel = `ver:live-${protocol}`;
      const c = await rawClient(srv.url, protocol);
      try {
        c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel } });
        await c.reply(2);
        await publishJson(channel, 1, 41);
        const api = connectClient(CentrifugoApi, "grpc", srv.url, srv.apiKey);
        const data = new TextEncoder().encode(JSON.stringify({ n: 2 }));
        assert.equal((await api.publish({ channel, data, version: 42n })).error, undefined);
        await publishJson(channel, 3);
        const byN = async (n: number) =>
          (await c.push((p) => (p.pub as JsonObject | undefined)?.offset?.toString() === String(n))).pub as
            | JsonObject
            | undefined;
        assert.deepEqual(
          [versionOf(await byN(1)), versionOf(await byN(2)), versionOf(await byN(3))],
          [41, 42, undefined],
        );
      } finally {
        c.close();
      }
    });

    test("without history the version still reaches live subscribers", async () => {
      const channel = `live:${protocol}`;
      const c = await rawClient(srv.url, protocol);
      try {
        c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel } });
        await c.reply(2);
        await publishJson(channel, 1, 7);
        const push = await c.push((p) => p.pub !== undefined);
        assert.equal(versionOf(push.pub as JsonObject), 7);
      } finally {
        c.close();
      }
    });

    test("history and recovery return each publication's version", async () => {
      const channel = `ver:stored-${protocol}`;
      await publishJson(channel, 0);
      const c = await rawClient(srv.url, protocol);
      try {
        c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel, recoverable: true } });
        const subscribedAt = (await c.reply(2)).subscribe as JsonObject;
        await publishJson(channel, 1, 5);
        await publishJson(channel, 2);
        await publishJson(channel, 3, 6);
        c.send({ id: 3, history: { channel, limit: -1 } });
        assert.deepEqual(pubsOf(await c.reply(3), "history").map(versionOf), [undefined, 5, undefined, 6]);
        const since = { recover: true, offset: 1, epoch: subscribedAt.epoch };
        c.send(
          { id: 4, unsubscribe: { channel } },
          { id: 5, subscribe: { channel, recoverable: true, ...since } },
        );
        const recovered = await c.reply(5);
        assert.equal((recovered.subscribe as JsonObject).recovered, true);
        assert.deepEqual(pubsOf(recovered, "subscribe").map(versionOf), [5, undefined, 6]);
      } finally {
        c.close();
      }
    });

    test("a delta subscriber gets no version on recovered publications or patches", async () => {
      const channel = `ver:delta-${protocol}`;
      const c = await rawClient(srv.url, protocol);
      try {
        c.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel, recoverable: true, delta: "fossil" } });
        const epoch = ((await c.reply(2)).subscribe as JsonObject).epoch;
        await publishJson(channel, 1, 1);
        const first = (await c.push((p) => p.pub !== undefined)).pub as JsonObject;
        // JSON delta subscribers get a re-built payload; protobuf ones the publication as sent.
        assert.equal(versionOf(first), protocol === "json" ? undefined : 1);
        const since = { recover: true, offset: 0, epoch, delta: "fossil" };
        c.send(
          { id: 3, unsubscribe: { channel } },
          { id: 4, subscribe: { channel, recoverable: true, ...since } },
        );
        assert.deepEqual(pubsOf(await c.reply(4), "subscribe").map(versionOf), [undefined]);
      } finally {
        c.close();
      }
    });
  });
}
