import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { centrifugeClient, connected } from "../helpers/centrifuge-clients.js";
import { scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const limitMetric = "centrifugo_node_client_connection_limit{}";

/** The status an upgrade gets: 101 when the handshake succeeds, else the HTTP status of the refusal. */
function upgradeStatus(srv: TestServer, path = "/connection/websocket"): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${srv.port}${path}`);
    ws.once("open", () => {
      ws.terminate();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    ws.once("error", (err) => {
      if (!String(err.message).includes("Unexpected server response")) reject(err);
    });
  });
}

async function httpStatus(url: string, init?: RequestInit): Promise<{ status: number; body: string }> {
  const controller = new AbortController();
  const res = await fetch(url, { ...init, signal: controller.signal });
  const body = res.status === 503 ? await res.text() : "";
  controller.abort();
  return { status: res.status, body };
}

const transports = {
  client: { insecure: true },
  http_stream: { enabled: true },
  sse: { enabled: true },
  uni_sse: { enabled: true },
  uni_http_stream: { enabled: true },
  uni_websocket: { enabled: true },
  prometheus: { enabled: true },
};

test("client.connection_limit refuses every connection endpoint with a bare 503 once the node holds that many clients, and counts each refusal", async () => {
  const srv = await startTestServer({ ...transports, client: { insecure: true, connection_limit: 2 } });
  const clients = [centrifugeClient(srv.url, "json"), centrifugeClient(srv.url, "json")];
  try {
    // Handshakes in progress are not clients yet: both pass.
    assert.equal(await upgradeStatus(srv), 101);
    for (const c of clients) await connected(c);
    assert.equal(await upgradeStatus(srv), 503);
    assert.equal(await upgradeStatus(srv, "/connection/uni_websocket"), 503);
    for (const path of ["/connection/uni_sse", "/connection/sse"]) {
      assert.deepEqual(await httpStatus(`${srv.url}${path}`), { status: 503, body: "" });
    }
    assert.deepEqual(
      await httpStatus(`${srv.url}/connection/uni_http_stream`, { method: "POST", body: "{}" }),
      {
        status: 503,
        body: "",
      },
    );
    assert.equal((await scrape(`${srv.internalUrl}/metrics`)).get(limitMetric), 5);
    // Emulation requests belong to connections already admitted: never refused.
    const emulation = await fetch(`${srv.url}/emulation`, { method: "POST", body: "" });
    assert.notEqual(emulation.status, 503);
    await emulation.arrayBuffer();
    clients[1]!.disconnect();
    for (let i = 0; i < 100 && srv.server.node.hub.numClients > 1; i++)
      await new Promise((r) => setTimeout(r, 10));
    assert.equal(await upgradeStatus(srv), 101);
  } finally {
    for (const c of clients) c.disconnect();
    await srv.close();
  }
});

test("client.connection_rate_limit lets a burst of N through, then refuses with 503 without counting the limit metric", async () => {
  const srv = await startTestServer({ ...transports, client: { insecure: true, connection_rate_limit: 3 } });
  try {
    // Six at once: the bucket's three tokens, and a fourth only if a second passed meanwhile.
    const statuses = await Promise.all(Array.from({ length: 6 }, () => upgradeStatus(srv)));
    const passed = statuses.filter((s) => s === 101).length;
    assert.ok(passed === 3 || passed === 4, `passed ${passed}: ${statuses}`);
    assert.equal(statuses.filter((s) => s === 503).length, 6 - passed);
    assert.equal((await httpStatus(`${srv.url}/connection/uni_sse`)).status, 503);
    assert.equal((await scrape(`${srv.internalUrl}/metrics`)).get(limitMetric), 0);
  } finally {
    await srv.close();
  }
});
