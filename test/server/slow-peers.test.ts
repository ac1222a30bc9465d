import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http2 from "node:http2";
import net from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { startTestServer, type TestServer } from "../helpers/server.js";
import type { SilentPlan, SilentReport } from "../helpers/silent-peers.js";
import { openFds, waitUntil } from "../helpers/socket-states.js";

const silentPeers = fileURLToPath(new URL("../helpers/silent-peers.ts", import.meta.url));
const headerTimeoutMs = 1000;
const requestTimeoutMs = 2000;
/** What the server may take beyond a timeout: its checks run once a second, plus scheduling on a busy box. */
const slackMs = 1500;

let srv: TestServer;

before(async () => {
  srv = await startTestServer({
    http_server: { header_timeout: `${headerTimeoutMs}ms`, request_timeout: `${requestTimeoutMs}ms` },
  });
});
after(() => srv.close());

function runSilentPeers(plan: Omit<SilentPlan, "port">): Promise<SilentReport> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", silentPeers, JSON.stringify({ ...plan, port: srv.port })],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk));
  return new Promise((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out) as SilentReport) : reject(new Error(out)),
    );
  });
}

test("1,000 silent connections and 100 cut or bare h2c prefaces are closed within header_timeout; fds return", async () => {
  const fdsBefore = openFds();
  const plan = { silent: 1000, partialPreface: 50, barePreface: 50, slowHeaders: 20, waitMs: 15_000 };
  const report = await runSilentPeers(plan);
  for (const [kind, count] of Object.entries(plan)) {
    if (kind === "waitMs") continue;
    const seen = report[kind]!;
    assert.equal(seen.closed, count, `${kind}: ${JSON.stringify(seen)}`);
    assert.ok(seen.longestMs <= headerTimeoutMs + slackMs, `${kind} closed after ${seen.longestMs} ms`);
  }
  await waitUntil(() => openFds() <= fdsBefore, `the fd count to return to ${fdsBefore}`, 5000);
});

test("an HTTP/1.1 request body that trickles in is answered 408 and closed after request_timeout", async () => {
  const socket = net.connect(srv.port, "127.0.0.1");
  const begun = Date.now();
  let answer = "";
  socket.on("data", (chunk: Buffer) => (answer += chunk));
  socket.write(
    `POST /api/info HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${srv.apiKey}\r\nContent-Length: 100\r\n\r\n{`,
  );
  const trickle = setInterval(() => socket.write(" "), 200);
  await new Promise((resolve) => socket.on("close", resolve));
  clearInterval(trickle);
  assert.match(answer, /^HTTP\/1\.1 408/);
  assert.ok(Date.now() - begun <= requestTimeoutMs + slackMs, `closed after ${Date.now() - begun} ms`);
});

test("an h2c request body that trickles in is reset after request_timeout; the connection stays usable", async () => {
  const session = http2.connect(srv.url);
  try {
    const begun = Date.now();
    const slow = session.request({ ":method": "POST", ":path": "/api/info", "x-api-key": srv.apiKey });
    slow.write("{");
    const trickle = setInterval(() => slow.write(" "), 200);
    slow.on("error", () => {});
    await new Promise((resolve) => slow.on("close", resolve));
    clearInterval(trickle);
    assert.equal(slow.rstCode, http2.constants.NGHTTP2_CANCEL);
    assert.ok(Date.now() - begun <= requestTimeoutMs + slackMs, `reset after ${Date.now() - begun} ms`);
    const quick = session.request({ ":method": "POST", ":path": "/api/info", "x-api-key": srv.apiKey });
    let text = "";
    quick.on("data", (chunk: Buffer) => (text += chunk));
    quick.end("{}");
    await new Promise((resolve) => quick.on("end", resolve));
    assert.match(text, /"nodes":\[\{"uid"/);
  } finally {
    session.destroy();
  }
});
