import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { centrifugeClient, collectPublications, payloadFor } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startBackend } from "./backends/backends.js";
import { caseHeader, Script, type StreamIO } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected, nextEvent } from "./events.js";

const allowed = { subscribe_response: { result: {} } };

for (const transport of ["grpc", "connect-rpc"] as const) {
  describe(`subscribe streams over ${transport}`, { concurrency: true }, () => {
    const script = new Script();
    const streams = new Map<string, StreamIO>();
    let backend: TestBackend;
    let server: TestServer;
    before(async () => {
      backend = await startBackend(transport, script);
      const p = (m: "SubscribeUnidirectional" | "SubscribeBidirectional") => ({
        ...backend.proxy(m),
        emulated_headers: [caseHeader],
      });
      server = await startTestServer({
        client: { allow_anonymous_connect_without_token: true },
        channel: {
          proxy: { subscribe_stream: p("SubscribeUnidirectional") },
          namespaces: [
            { name: "stream", subscribe_stream_proxy_enabled: true },
            {
              name: "bidi",
              subscribe_stream_proxy_enabled: true,
              subscribe_stream_proxy_bidirectional: true,
              subscribe_stream_proxy_name: "bidi",
            },
          ],
        },
        proxies: [{ name: "bidi", ...p("SubscribeBidirectional") }],
      });
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    /** A client of case `name` whose backend stream, once opened, is kept in `streams` after `start` ran. */
    async function open(name: string, start: (io: StreamIO) => void = (io) => io.send(allowed)) {
      const stream = {
        stream(io: StreamIO) {
          streams.set(name, io);
          start(io);
        },
      };
      script.define(name, { SubscribeUnidirectional: stream, SubscribeBidirectional: stream });
      const client = centrifugeClient(server.url, "json", { headers: { [caseHeader]: name } });
      await connected(client);
      return client;
    }

    async function subscribe(client: Centrifuge, channel: string) {
      const sub = client.newSubscription(channel);
      const received = collectPublications(sub);
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      return { sub, received };
    }

    test("unsubscribing cancels the backend stream", async () => {
      const client = await open("unsubscribe");
      try {
        const { sub } = await subscribe(client, "stream:a");
        const io = streams.get("unsubscribe");
        assert.ok(io);
        sub.unsubscribe();
        await io.cancelled;
      } finally {
        client.disconnect();
      }
    });

    test("a client going away cancels the backend stream", async () => {
      const client = await open("disconnect");
      await subscribe(client, "stream:b");
      client.disconnect();
      await streams.get("disconnect")?.cancelled;
    });

    test("a bidirectional stream takes the client's publications in order and streams back with tags", async () => {
      const client = await open("bidi");
      try {
        const { sub, received } = await subscribe(client, "bidi:c");
        const io = streams.get("bidi");
        assert.ok(io);
        for (let n = 1; n <= 3; n++) await sub.publish(payloadFor("json", { n }));
        const tagged = nextEvent<{ tags?: Record<string, string> }>(sub, "publication");
        io.send({ publication: { data: { echo: io.received.length }, tags: { kind: "echo" } } });
        assert.deepEqual((await tagged).tags, { kind: "echo" });
        assert.deepEqual((await received.take(1, 15_000))[0]?.data, { echo: 3 });
        assert.deepEqual(
          io.received,
          [1, 2, 3].map((n) => ({ publication: { data: { n } } })),
        );
      } finally {
        client.disconnect();
      }
    });

    test("publishing into a unidirectional stream channel is 108", async () => {
      const client = await open("uni-publish");
      try {
        const { sub } = await subscribe(client, "stream:d");
        await assert.rejects(sub.publish(payloadFor("json", { n: 1 })), (err) => {
          assert.equal((err as { code: number }).code, 108);
          return true;
        });
      } finally {
        client.disconnect();
      }
    });

    test("the backend ending its stream unsubscribes with 2000, failing it with 2500", async () => {
      const ended = await open("end");
      const failed = await open("fail");
      try {
        const a = await subscribe(ended, "stream:e");
        const b = await subscribe(failed, "stream:f");
        const unsubscribed = nextEvent<{ code: number; reason: string }>(a.sub, "unsubscribed");
        const resubscribing = nextEvent<{ code: number; reason: string }>(b.sub, "subscribing");
        streams.get("end")?.end();
        streams.get("fail")?.fail();
        const gone = await unsubscribed;
        assert.deepEqual(
          { code: gone.code, reason: gone.reason },
          { code: 2000, reason: "server unsubscribe" },
        );
        const again = await resubscribing;
        assert.deepEqual(
          { code: again.code, reason: again.reason },
          { code: 2500, reason: "insufficient state" },
        );
      } finally {
        ended.disconnect();
        failed.disconnect();
      }
    });
  });
}
