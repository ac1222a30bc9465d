import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { backendTransports, startBackend } from "./backends/backends.js";
import { startGrpcBackend } from "./backends/grpc-backend.js";
import { startHttpBackend } from "./backends/http-backend.js";
import { caseHeader, Script } from "./backends/script.js";
import type { BackendTransport, TestBackend } from "./backends/test-backend.js";
import { connected } from "./events.js";
import { deadTarget } from "./proxy-fixture.js";

const internal = { code: 100, message: "internal server error", temporary: true };

async function rpcError(call: Promise<unknown>): Promise<object> {
  try {
    await call;
  } catch (err) {
    return err as object;
  }
  throw new Error("the call succeeded");
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting until ${what}`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

for (const transport of backendTransports) {
  describe(`proxy calls over ${transport} live no longer than their client`, () => {
    const script = new Script();
    let backend: TestBackend;
    let server: TestServer;
    before(async () => {
      backend = await startBackend(transport, script);
      for (const name of ["leaves", "first", "second"]) script.define(name, { RPC: { hang: true } });
      server = await startTestServer({
        client: { allow_anonymous_connect_without_token: true },
        rpc: {
          without_namespace: { proxy_enabled: true },
          proxy: {
            ...backend.proxy("RPC"),
            timeout: "30s",
            max_in_flight: 1,
            emulated_headers: [caseHeader],
          },
        },
      });
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    test("a call waiting on the backend is aborted when its client goes away", async () => {
      const client = centrifugeClient(server.url, "json", { headers: { [caseHeader]: "leaves" } });
      try {
        await connected(client);
        client.rpc("slow", {}).catch(() => {});
        const call = await script.waitForCall((c) => c.caseName === "leaves");
        client.disconnect();
        // Well before the proxy's 30 s timeout.
        await within(call.aborted, 5000, "the backend sees the call aborted");
      } finally {
        client.disconnect();
      }
    });

    test("beyond max_in_flight a call fails at once instead of queueing", async () => {
      const [first, second] = ["first", "second"].map((name) =>
        centrifugeClient(server.url, "json", { headers: { [caseHeader]: name } }),
      );
      try {
        await Promise.all([connected(first!), connected(second!)]);
        first!.rpc("slow", {}).catch(() => {});
        await script.waitForCall((c) => c.caseName === "first");
        assert.deepEqual(
          await within(rpcError(second!.rpc("slow", {})), 5000, "the second call fails"),
          internal,
        );
        assert.equal(script.calls.filter((c) => c.caseName === "second").length, 0);
      } finally {
        first!.disconnect();
        second!.disconnect();
      }
    });
  });
}

const restartable: [BackendTransport, (script: Script, port: number) => Promise<TestBackend>][] = [
  ["http", (script, port) => startHttpBackend(script, undefined, port)],
  ["grpc", (script, port) => startGrpcBackend(script, undefined, port)],
];

for (const [transport, start] of restartable) {
  test(`a ${transport} backend that comes up after a failure is called again`, async () => {
    const port = await freePort();
    const server = await startTestServer({
      client: { allow_anonymous_connect_without_token: true },
      rpc: { without_namespace: { proxy_enabled: true }, proxy: deadTarget(transport, port).proxy("RPC") },
    });
    const client = centrifugeClient(server.url, "json");
    let backend: TestBackend | undefined;
    try {
      await connected(client);
      assert.deepEqual(await rpcError(client.rpc("m", {})), internal);
      const script = new Script();
      script.define("", { RPC: { answer: { result: { data: { back: true } } } } });
      backend = await start(script, port);
      assert.deepEqual((await client.rpc("m", {})).data, { back: true });
    } finally {
      client.disconnect();
      await server.close();
      await backend?.close();
    }
  });
}
