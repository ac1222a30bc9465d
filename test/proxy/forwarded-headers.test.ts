import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import WebSocket from "ws";
import { CentrifugoUniStream } from "../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { centrifugeClient, payloadFor } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { backendTransports, startBackend } from "./backends/backends.js";
import { caseHeader, type RecordedCall, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected } from "./events.js";

/** A WebSocket class sending these headers with its upgrade request, as a browser sends cookies. */
function webSocketWith(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

function forwarding(backend: TestBackend, method: "Connect" | "RPC") {
  return {
    ...backend.proxy(method),
    http_headers: ["Authorization", "X-Real", "X-Only-Http"],
    emulated_headers: ["X-Emu", caseHeader],
    grpc_metadata: ["x-meta", "X-Upper", caseHeader],
    http: { static_headers: { "X-Static": "s", "X-Real": "static-loses" } },
    grpc: {
      static_metadata: { "x-static": "s", "x-real": "static-loses" },
      credentials_key: "x-cred",
      credentials_value: "secret",
    },
  };
}

for (const transport of backendTransports) {
  describe(`forwarded headers over ${transport}`, () => {
    const script = new Script();
    let backend: TestBackend;
    let server: TestServer;
    before(async () => {
      backend = await startBackend(transport, script);
      server = await startTestServer({
        uni_grpc: { enabled: true },
        client: { proxy: { connect: { enabled: true, ...forwarding(backend, "Connect") } } },
        rpc: { proxy: forwarding(backend, "RPC"), without_namespace: { proxy_enabled: true } },
      });
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    const expectForwarded = (call: RecordedCall, present: Record<string, string>, absent: string[]) => {
      for (const [name, value] of Object.entries(present)) assert.equal(call.headers[name], value, name);
      for (const name of absent) assert.equal(call.headers[name], undefined, name);
      assert.equal(call.headers["x-cred"], transport === "grpc" ? "secret" : undefined, "x-cred");
    };

    test("listed request and emulated headers reach the backend on every call, others do not", async () => {
      const name = `ws-${transport}`;
      const client = centrifugeClient(server.url, "json", {
        websocket: webSocketWith({
          Authorization: "Bearer t",
          "X-Real": "real",
          "X-Other": "not listed",
          "X-Emu": "sent as an HTTP header",
        }),
        // x-only-http is listed in http_headers only: as an emulated header it is dropped (Centrifugo ≥ 6.9).
        headers: { [caseHeader]: name, "X-Emu": "emulated", "x-only-http": "emulated" },
      });
      try {
        await connected(client);
        await client.rpc("m", payloadFor("json", {}));
        const present = { authorization: "Bearer t", "x-real": "real", "x-static": "s", "x-emu": "emulated" };
        const absent = ["x-other", "x-only-http", "x-meta"];
        for (const method of ["Connect", "RPC"] as const) {
          const call = await script.waitForCall((c) => c.caseName === name && c.method === method);
          expectForwarded(call, present, absent);
        }
      } finally {
        client.disconnect();
      }
    });

    test("a uni_grpc connection forwards the gRPC metadata listed, names compared in lower case", async () => {
      const name = `grpc-${transport}`;
      const client = createClient(CentrifugoUniStream, createGrpcTransport({ baseUrl: server.url }));
      const abort = new AbortController();
      const stream = client.consume(
        {},
        {
          signal: abort.signal,
          headers: { [caseHeader]: name, "x-meta": "m", "x-upper": "u", authorization: "Bearer g" },
        },
      );
      try {
        for await (const push of stream) if (push.connect) break;
        const call = await script.waitForCall((c) => c.caseName === name && c.method === "Connect");
        assert.equal(call.request.transport, "uni_grpc");
        // "X-Upper" never matches: gRPC metadata keys are lower case. http_headers do not apply to metadata.
        expectForwarded(call, { "x-meta": "m", "x-static": "s" }, ["x-upper", "authorization"]);
      } finally {
        abort.abort();
      }
    });
  });
}
