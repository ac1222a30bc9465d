import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { RotorServer } from "../../src/server/rotor-server.js";
import { centrifugeClient, payloadFor } from "../helpers/centrifuge-clients.js";
import { startLoggedServer } from "../helpers/logged-server.js";
import { backendTransports, startBackend } from "./backends/backends.js";
import { caseHeader, type ProxyMethod, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected, eventWhere, nextEvent } from "./events.js";
import { firstError, internal } from "./outcome-steps.js";

/** The limit every proxy of these servers has: answers above it are refused, below it served. */
const limit = 64 * 1024;
const blob = (bytes: number) => ({ blob: "x".repeat(bytes) });

for (const transport of backendTransports) {
  describe(`backend answers over max_receive_message_size (${transport})`, { concurrency: true }, () => {
    const script = new Script();
    let lines: Record<string, unknown>[] = [];
    let backend: TestBackend;
    let server: RotorServer;
    let url: string;
    before(async () => {
      backend = await startBackend(transport, script);
      const p = (m: ProxyMethod) => ({
        ...backend.proxy(m),
        emulated_headers: [caseHeader],
        max_receive_message_size: limit,
      });
      const streams = transport !== "http";
      ({ server, url, lines } = await startLoggedServer({
        http_api: { key: "answer-size-key" },
        client: { proxy: { connect: { enabled: true, ...p("Connect") } } },
        channel: {
          proxy: streams ? { subscribe_stream: p("SubscribeUnidirectional") } : {},
          namespaces: streams ? [{ name: "stream", subscribe_stream_proxy_enabled: true }] : [],
        },
        rpc: { proxy: p("RPC"), without_namespace: { proxy_enabled: true } },
      }));
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    const failures = () => lines.filter((l) => l.msg === "proxy call failed");
    const sizeFailure = (method: string) =>
      failures().some(
        (l) =>
          l.method === method &&
          /max_receive_message_size|readMaxBytes|larger than|exceeds/i.test(String(l.failure)),
      );

    const client = (caseName: string) =>
      centrifugeClient(url, "json", { headers: { [caseHeader]: caseName } });

    test("a connect answer over the limit fails the connect with 100 and is logged; one under it connects", async () => {
      script.define("big-connect", { Connect: { answer: { result: { user: "u", data: blob(limit * 2) } } } });
      script.define("small-connect", {
        Connect: { answer: { result: { user: "u", data: blob(limit / 2) } } },
      });
      const big = client("big-connect");
      const small = client("small-connect");
      try {
        const error = firstError(big, "connect");
        big.connect();
        assert.deepEqual(await error, internal);
        assert.ok(sizeFailure("Connect"), JSON.stringify(failures()));
        await connected(small);
      } finally {
        big.disconnect();
        small.disconnect();
      }
    });

    test("an RPC answer over the limit is refused with 100 and logged", async () => {
      script.define("big-rpc", { RPC: { answer: { result: { data: blob(limit * 2) } } } });
      const c = client("big-rpc");
      try {
        await connected(c);
        await assert.rejects(c.rpc("work", payloadFor("json", { n: 1 })), (err) => {
          assert.equal((err as { code: number }).code, internal.code);
          return true;
        });
        assert.ok(sizeFailure("RPC"), JSON.stringify(failures()));
      } finally {
        c.disconnect();
      }
    });

    if (transport !== "http") {
      test("a stream publication over the limit ends the stream (resubscribe, 2500) and is logged", async () => {
        script.define("big-stream", {
          SubscribeUnidirectional: {
            stream: (io) => {
              io.send({ subscribe_response: { result: {} } });
              io.send({ publication: { data: blob(limit / 2) } });
              io.send({ publication: { data: blob(limit * 2) } });
            },
          },
        });
        const c = client("big-stream");
        try {
          await connected(c);
          const sub = c.newSubscription("stream:big");
          const received: unknown[] = [];
          sub.on("publication", (ctx) => received.push(ctx.data));
          const subscribed = nextEvent(sub, "subscribed");
          const resubscribing = eventWhere<{ code: number }>(sub, "subscribing", (ctx) => ctx.code !== 0);
          sub.subscribe();
          await subscribed;
          assert.equal((await resubscribing).code, 2500);
          assert.ok(received.length >= 1, "the publication under the limit arrived");
          assert.ok(sizeFailure("SubscribeUnidirectional"), JSON.stringify(failures()));
        } finally {
          c.disconnect();
        }
      });
    }
  });
}
