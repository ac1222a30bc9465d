import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { httpApi } from "../helpers/api-clients.js";
import {
  type ClientProtocol,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type EmulationTransport, emulationClient } from "../helpers/transport-clients.js";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true },
    http_stream: { enabled: true },
    sse: { enabled: true },
    channel: { namespaces: [{ name: "chat", history_size: 100, history_ttl: "300s", force_recovery: true }] },
  });
});
after(() => srv.close());

const cases: { transport: EmulationTransport; protocol: ClientProtocol }[] = [
  { transport: "http_stream", protocol: "json" },
  { transport: "http_stream", protocol: "protobuf" },
  { transport: "sse", protocol: "json" },
];

async function apiPublish(channel: string, data: unknown) {
  const res = await httpApi(srv.url, "publish", { channel, data }, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body as object), ["result"]);
}

async function stopped(client: Centrifuge) {
  const disconnected = nextEvent(client, "disconnected");
  client.disconnect();
  await disconnected;
}

for (const { transport, protocol } of cases) {
  describe(`centrifuge-js over ${transport} (${protocol})`, () => {
    const channel = (name: string) => `chat:${transport}-${protocol}-${name}`;

    test("connects on that transport and gets publications made by the client and by the HTTP API", async () => {
      const client = emulationClient(srv.url, transport, protocol);
      try {
        const connected = nextEvent<{ transport: string; client: string }>(client, "connected");
        const { sub } = await subscribed(client, channel("pubsub"));
        assert.equal((await connected).transport, transport);
        const pubs = collectPublications(sub);
        const payload = { from: "client" };
        await sub.publish(protocol === "json" ? payload : new TextEncoder().encode(JSON.stringify(payload)));
        await apiPublish(channel("pubsub"), { from: "api" });
        const got = await pubs.take(2);
        assert.deepEqual(
          got.map((p) => p.data),
          [{ from: "client" }, { from: "api" }],
        );
      } finally {
        client.disconnect();
      }
    });

    test("reads history through the emulation endpoint", async () => {
      const client = emulationClient(srv.url, transport, protocol);
      try {
        const { sub } = await subscribed(client, channel("history"));
        for (const n of [1, 2, 3]) await apiPublish(channel("history"), { n });
        const history = await sub.history({ limit: -1 });
        assert.deepEqual(
          history.publications.map((p) => p.offset),
          [1, 2, 3],
        );
        const decode = (d: unknown) =>
          d instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(d)) : d;
        assert.deepEqual(
          history.publications.map((p) => decode(p.data)),
          [{ n: 1 }, { n: 2 }, { n: 3 }],
        );
      } finally {
        client.disconnect();
      }
    });

    test("a client that reconnects recovers exactly the five publications it missed", async () => {
      const client = emulationClient(srv.url, transport, protocol);
      try {
        const { sub } = await subscribed(client, channel("recovery"));
        const pubs = collectPublications(sub);
        await apiPublish(channel("recovery"), { n: 0 });
        await pubs.take(1);
        await stopped(client);
        for (let n = 1; n <= 5; n++) await apiPublish(channel("recovery"), { n });
        const resubscribed = nextEvent<{ recovered: boolean; wasRecovering: boolean }>(sub, "subscribed");
        client.connect();
        const ctx = await resubscribed;
        assert.equal(ctx.wasRecovering, true);
        assert.equal(ctx.recovered, true);
        const all = await pubs.take(6);
        assert.deepEqual(
          all.slice(1).map((p) => [p.offset, p.data]),
          [1, 2, 3, 4, 5].map((n) => [n + 1, { n }]),
        );
        await apiPublish(channel("recovery"), { n: 6 });
        assert.equal((await pubs.take(7)).length, 7);
        assert.equal(pubs.received.length, 7);
      } finally {
        client.disconnect();
      }
    });
  });
}
