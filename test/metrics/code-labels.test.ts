import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import WebSocket from "ws";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { startBackend } from "../proxy/backends/backends.js";
import { caseHeader, Script } from "../proxy/backends/script.js";
import type { TestBackend } from "../proxy/backends/test-backend.js";
import { connected } from "../proxy/events.js";

const script = new Script();
let backend: TestBackend;
let srv: TestServer;

before(async () => {
  backend = await startBackend("http", script);
  const p = (m: "Connect" | "RPC") => ({ ...backend.proxy(m), emulated_headers: [caseHeader] });
  srv = await startTestServer({
    prometheus: { enabled: true },
    client: { proxy: { connect: { enabled: true, ...p("Connect") } } },
    rpc: { proxy: p("RPC"), without_namespace: { proxy_enabled: true } },
  });
});
after(async () => {
  await srv.close();
  await backend.close();
});

/** Random codes a hostile backend might choose, mostly outside every documented range. */
const randomCodes = (n: number) => Array.from({ length: n }, () => Math.floor(Math.random() * 2 ** 31));

/** Series of one metric family in the exposition. */
async function series(name: string): Promise<string[]> {
  return [...(await scrape(`${srv.internalUrl}/metrics`)).keys()].filter((key) => key.startsWith(`${name}{`));
}

test("2,000 random backend error codes and 50 random disconnect codes add a bounded number of series", async () => {
  script.define("errors", {
    RPC: (request) => ({
      answer: { error: { code: (request.data as { code: number }).code, message: "no" } },
    }),
  });
  const client = centrifugeClient(srv.url, "json", { headers: { [caseHeader]: "errors" } });
  try {
    await connected(client);
    const codes = [...randomCodes(2000), 404, 1500];
    for (let i = 0; i < codes.length; i += 100) {
      await Promise.all(codes.slice(i, i + 100).map((code) => client.rpc("m", { code }).catch(() => {})));
    }
  } finally {
    client.disconnect();
  }
  for (const code of randomCodes(50)) {
    script.define(`bye-${code}`, { Connect: { answer: { disconnect: { code, reason: "bye" } } } });
    const ws = new WebSocket(`${srv.url.replace("http", "ws")}/connection/websocket`);
    ws.on("open", () =>
      ws.send(JSON.stringify({ id: 1, connect: { headers: { [caseHeader]: `bye-${code}` } } })),
    );
    await new Promise((resolve) => ws.on("close", resolve));
  }
  const replyErrors = await series("centrifugo_client_num_reply_errors");
  assert.ok(replyErrors.length <= 4, replyErrors.join("\n"));
  assert.ok(
    replyErrors.some((s) => s.includes('code="404"')),
    "a code in the application range keeps its value",
  );
  assert.ok(
    replyErrors.some((s) => s.includes('code="other"')),
    replyErrors.join("\n"),
  );
  const disconnects = await series("centrifugo_client_num_server_disconnects");
  assert.ok(disconnects.length <= 3, disconnects.join("\n"));
});
