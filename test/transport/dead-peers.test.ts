import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { socketsInState, tcpState, waitUntil } from "../helpers/socket-states.js";

/** A client process (`peer-process.ts`) of each kind: its own process, so it can die the way real peers do. */
const peerScript = fileURLToPath(new URL("./peer-process.ts", import.meta.url));
const peerKinds = ["grpc-js stream", "grpc-web h2c stream", "websocket", "http_stream", "sse"] as const;
type PeerKind = (typeof peerKinds)[number];

/** So large that the write timeout, not the queue limit (3008), is what cuts a reader that stopped. */
const queueMaxSize = 512 * 1024 * 1024;

let srv: TestServer;
const peers = new Set<ChildProcess>();

before(async () => {
  srv = await startTestServer({
    client: { insecure: true, queue_max_size: queueMaxSize },
    websocket: { write_timeout: "1s" },
    channel: { without_namespace: { presence: true } },
    http_stream: { enabled: true },
    sse: { enabled: true },
    uni_grpc: { enabled: true },
  });
});
after(async () => {
  for (const peer of peers) peer.kill("SIGKILL");
  await srv.close();
});

/** Starts a client of that kind in its own process and resolves once it is subscribed. */
async function startPeer(kind: PeerKind, channel: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--experimental-eventsource", "--import", "tsx", peerScript, kind, srv.url, channel],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  peers.add(child);
  let output = "";
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kind} never got ready: ${output}`)), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      if (!chunk.toString().includes("ready")) return;
      clearTimeout(timer);
      resolve();
    });
    child.once("exit", (code) => reject(new Error(`${kind} exited with ${code}: ${output}`)));
  });
  return child;
}

async function api(method: string, body: object) {
  const res = await httpApi(srv.url, method, body, { "x-api-key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
  return (res.body as { result: Record<string, unknown> }).result;
}

async function presenceCount(channel: string): Promise<number> {
  const result = await api("presence", { channel });
  return Object.keys(result.presence as object).length;
}

async function infoClients(): Promise<number> {
  const result = await api("info", {});
  return (result.nodes as { num_clients?: number }[])[0]!.num_clients ?? 0;
}

for (const kind of peerKinds) {
  test(`a ${kind} client killed with SIGKILL is gone from Info and presence within 30 s`, async () => {
    const channel = `dead-${kind.replace(/\W+/g, "-")}`;
    const peer = await startPeer(kind, channel);
    assert.equal(await presenceCount(channel), 1);
    assert.equal(await infoClients(), 1);
    peer.kill("SIGKILL");
    await once(peer, "exit");
    peers.delete(peer);
    await waitUntil(
      async () => (await presenceCount(channel)) === 0 && (await infoClients()) === 0,
      `the ${kind} session to go`,
      30_000,
    );
    await waitUntil(
      () => socketsInState(srv.port, tcpState.closeWait) === 0,
      "no server socket in CLOSE-WAIT",
      5_000,
    );
  });
}

test("a WebSocket client that stops reading is dropped after websocket.write_timeout, long before its queue fills", async () => {
  const channel = "dead-stopped-reader";
  const peer = await startPeer("websocket", channel);
  peer.kill("SIGSTOP");
  const chunk = JSON.stringify({ text: "x".repeat(64 * 1024) });
  let published = 0;
  try {
    await waitUntil(
      async () => {
        for (let i = 0; i < 8; i++) {
          await api("publish", { channel, data: JSON.parse(chunk) });
          published += chunk.length;
        }
        return (await infoClients()) === 0;
      },
      "the stopped reader to be dropped",
      30_000,
    );
  } finally {
    peer.kill("SIGKILL");
  }
  assert.ok(published < queueMaxSize / 4, `${published} bytes published before it went`);
});
