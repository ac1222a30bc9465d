import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Centrifuge } from "centrifuge";
import { centrifugeClient, clientProtocols, decoded, payloadFor } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startBackend } from "./backends/backends.js";
import { caseHeader, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected } from "./events.js";

/** What a rejected client call carried. */
async function rejection(call: Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await call;
  } catch (err) {
    const { code, message } = err as { code: number; message: string };
    return { code, message };
  }
  throw new Error("the call succeeded");
}

describe("rpc namespaces route methods to their proxies", { concurrency: true }, () => {
  const prices = new Script();
  const general = new Script();
  let pricesBackend: TestBackend;
  let generalBackend: TestBackend;
  let server: TestServer;
  let bare: TestServer;
  before(async () => {
    pricesBackend = await startBackend("grpc", prices);
    generalBackend = await startBackend("http", general);
    prices.define("", {
      RPC: (req) => ({ answer: { result: { data: { price: "2019.5", asked: req.method } } } }),
    });
    general.define("", { RPC: (req) => ({ answer: { result: { data: { echo: req.data } } } }) });
    server = await startTestServer({
      client: { allow_anonymous_connect_without_token: true },
      rpc: {
        proxy: generalBackend.proxy("RPC"),
        without_namespace: { proxy_enabled: true },
        namespaces: [
          { name: "prices", proxy_enabled: true, proxy_name: "prices" },
          { name: "admin", proxy_enabled: false },
        ],
        ping: { enabled: true },
      },
      proxies: [{ name: "prices", ...pricesBackend.proxy("RPC"), emulated_headers: [caseHeader] }],
    });
    bare = await startTestServer({ client: { allow_anonymous_connect_without_token: true } });
  });
  after(async () => {
    await Promise.all([server.close(), bare.close()]);
    await Promise.all([pricesBackend.close(), generalBackend.close()]);
  });

  for (const protocol of clientProtocols) {
    const call = (client: Centrifuge, method: string) =>
      client.rpc(method, payloadFor(protocol, { object_id: 12 }));

    test(`each method reaches the proxy of its namespace and returns its data (${protocol})`, async () => {
      const client = centrifugeClient(server.url, protocol);
      try {
        await connected(client);
        assert.deepEqual(decoded((await call(client, "prices:get")).data), {
          price: "2019.5",
          asked: "prices:get",
        });
        assert.deepEqual(decoded((await call(client, "echo")).data), { echo: { object_id: 12 } });
        const seen = await general.waitForCall((c) => c.method === "RPC" && c.request.protocol === protocol);
        assert.equal(seen.request.method, "echo");
        assert.equal(seen.request.user, "");
      } finally {
        client.disconnect();
      }
    });

    test(`an rpc namespace with its proxy off is 108, an unknown one 104, ping needs no backend (${protocol})`, async () => {
      const client = centrifugeClient(server.url, protocol);
      try {
        await connected(client);
        assert.deepEqual(await rejection(call(client, "admin:drop")), {
          code: 108,
          message: "not available",
        });
        assert.deepEqual(await rejection(call(client, "nowhere:x")), {
          code: 104,
          message: "method not found",
        });
        const pong = (await client.rpc("ping", payloadFor(protocol, {}))).data as Uint8Array | undefined;
        assert.equal(pong?.length ?? 0, 0);
        const asked = [...prices.calls, ...general.calls].map((c) => c.request.method);
        for (const method of ["admin:drop", "nowhere:x", "ping"]) assert.ok(!asked.includes(method), method);
      } finally {
        client.disconnect();
      }
    });

    test(`without any rpc proxy every method is 108 (${protocol})`, async () => {
      const client = centrifugeClient(bare.url, protocol);
      try {
        await connected(client);
        assert.deepEqual(await rejection(call(client, "prices:get")), {
          code: 108,
          message: "not available",
        });
        assert.deepEqual(await rejection(call(client, "get")), { code: 108, message: "not available" });
      } finally {
        client.disconnect();
      }
    });
  }
});
