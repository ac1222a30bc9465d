import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { centrifugeClient, collectPublications } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { backendTransports, startBackend } from "./backends/backends.js";
import { caseHeader, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected, nextEvent } from "./events.js";

const b64 = (bytes: number[]) => Buffer.from(bytes).toString("base64");
const internal = { code: 100, message: "internal server error", temporary: true };

for (const transport of backendTransports) {
  describe(`binary payloads through ${transport} proxies`, { concurrency: true }, () => {
    const script = new Script();
    let backend: TestBackend;
    let server: TestServer;
    before(async () => {
      backend = await startBackend(transport, script);
      const proxy = (method: "Publish" | "RPC", binary: boolean) => ({
        ...backend.proxy(method),
        emulated_headers: [caseHeader],
        binary_encoding: binary,
      });
      const open = { allow_subscribe_for_client: true, allow_subscribe_for_anonymous: true };
      server = await startTestServer({
        client: { allow_anonymous_connect_without_token: true },
        channel: {
          proxy: { publish: proxy("Publish", true) },
          namespaces: [
            { name: "bin", publish_proxy_enabled: true, ...open },
            { name: "raw", publish_proxy_enabled: true, publish_proxy_name: "raw", ...open },
          ],
        },
        proxies: [{ name: "raw", ...proxy("Publish", false) }],
        rpc: { proxy: proxy("RPC", true), without_namespace: { proxy_enabled: true } },
      });
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    async function subscriber(name: string, channel: string) {
      const client = centrifugeClient(server.url, "protobuf", { headers: { [caseHeader]: name } });
      await connected(client);
      const sub = client.newSubscription(channel);
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      return { client, sub };
    }

    test("binary_encoding sends a protobuf client's bytes as b64data and publishes the b64data answered", async () => {
      const name = `publish-${transport}`;
      script.define(name, { Publish: { answer: { result: { b64data: b64([9, 8, 7]) } } } });
      const { client, sub } = await subscriber(name, "bin:a");
      try {
        const arrived = nextEvent<{ data: Uint8Array }>(sub, "publication");
        await sub.publish(new Uint8Array([0, 1, 2, 255]));
        assert.deepEqual([...(await arrived).data], [9, 8, 7]);
        const call = await script.waitForCall((c) => c.caseName === name && c.method === "Publish");
        assert.equal(call.request.b64data, b64([0, 1, 2, 255]));
        assert.equal(call.request.data, undefined);
        assert.equal(call.request.encoding, "binary");
        assert.equal(call.request.protocol, "protobuf");
      } finally {
        client.disconnect();
      }
    });

    test("a publish result's data wins over its b64data; an rpc result's b64data wins over its data", async () => {
      const name = `precedence-${transport}`;
      script.define(name, {
        Publish: { answer: { result: { data: { from: "data" }, b64data: b64([1]) } } },
        RPC: { answer: { result: { data: { from: "data" }, b64data: b64([7, 8]) } } },
      });
      const { client, sub } = await subscriber(name, "bin:b");
      const received = collectPublications(sub);
      try {
        await sub.publish(new Uint8Array([1]));
        const [pub] = await received.take(1, 15_000);
        assert.deepEqual(pub?.data, { from: "data" });
        const result = await client.rpc("m", new Uint8Array([5, 6]));
        assert.deepEqual([...(result.data as Uint8Array)], [7, 8]);
        const call = await script.waitForCall((c) => c.caseName === name && c.method === "RPC");
        assert.equal(call.request.b64data, b64([5, 6]));
      } finally {
        client.disconnect();
      }
    });

    test("encoding reports the proxy's binary_encoding, not the client's protocol", async () => {
      const name = `json-client-${transport}`;
      const client = centrifugeClient(server.url, "json", { headers: { [caseHeader]: name } });
      try {
        await connected(client);
        await client.rpc("m", { hello: "world" });
        const call = await script.waitForCall((c) => c.caseName === name && c.method === "RPC");
        assert.equal(call.request.encoding, "binary");
        assert.equal(call.request.protocol, "json");
        assert.deepEqual(JSON.parse(Buffer.from(call.request.b64data as string, "base64").toString()), {
          hello: "world",
        });
      } finally {
        client.disconnect();
      }
    });

    test("bad base64 from the backend is error 100", async () => {
      const name = `bad-b64-${transport}`;
      script.define(name, { Publish: { answer: { result: { b64data: "not base64!" } } } });
      const { client, sub } = await subscriber(name, "bin:c");
      try {
        await assert.rejects(sub.publish(new Uint8Array([1])), (err) => {
          assert.deepEqual(err, internal);
          return true;
        });
      } finally {
        client.disconnect();
      }
    });

    test(
      transport === "http"
        ? "without binary_encoding a binary payload cannot be sent as JSON: error 100"
        : "without binary_encoding gRPC and Connect carry a binary payload as bytes",
      async () => {
        const name = `raw-${transport}`;
        const { client, sub } = await subscriber(name, "raw:a");
        try {
          const arrived =
            transport === "http" ? undefined : nextEvent<{ data: Uint8Array }>(sub, "publication");
          const sent = sub.publish(new Uint8Array([0, 255]));
          if (transport === "http") {
            await assert.rejects(sent, (err) => {
              assert.deepEqual(err, internal);
              return true;
            });
            assert.equal(script.calls.filter((c) => c.caseName === name && c.method === "Publish").length, 0);
            return;
          }
          await sent;
          assert.deepEqual([...((await arrived)?.data ?? [])], [0, 255]);
          const call = await script.waitForCall((c) => c.caseName === name && c.method === "Publish");
          assert.equal(call.request.encoding, "json");
          assert.deepEqual(call.request.data, { notJson: b64([0, 255]) });
        } finally {
          client.disconnect();
        }
      },
    );
  });
}
