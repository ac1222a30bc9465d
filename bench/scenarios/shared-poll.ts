import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { trackSignatureHex } from "../../src/shared-poll/track-signature.js";
import { startRotor } from "../lib/bench-server.js";
import { freePort, raiseFileLimit } from "../lib/processes.js";
import { atMost, makeFigure, makeRow } from "../lib/report.js";
import type { ScenarioContext } from "./context.js";

const secret = "bench-shared-poll-secret";
const channel = "poll:prices";
const keys = Array.from({ length: 100 }, (_, i) => `k${i}`);
const intervalMs = 1000;

/** A refresh backend that counts what rotor asks it: calls, and keys across them. */
async function startBackend(): Promise<{
  server: Server;
  url: string;
  counts: { calls: number; keys: number };
}> {
  const counts = { calls: 0, keys: 0 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { items?: { key: string }[] };
      const items = body.items ?? [];
      counts.calls += 1;
      counts.keys += items.length;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ result: { items: items.map((i) => ({ key: i.key, data: { v: 1 } })) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, counts };
}

/** Opens one connection that subscribes to the channel and tracks every key; resolves once the track is answered. */
function tracker(url: string): Promise<WebSocket> {
  const iat = String(Math.floor(Date.now() / 1000));
  const signature = `${iat}:0:${trackSignatureHex(secret, iat, "0", "", channel, keys)}`;
  const frames = [
    { id: 1, connect: {} },
    { id: 2, subscribe: { channel, type: 4 } },
    { id: 3, sub_refresh: { channel, type: 1, track: [{ signature, items: keys.map((key) => ({ key })) }] } },
  ];
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}/connection/websocket`);
    const timer = setTimeout(() => reject(new Error("track not answered within 30 s")), 30_000);
    ws.on("open", () => ws.send(frames.map((f) => JSON.stringify(f)).join("\n")));
    ws.on("message", (data: Buffer) => {
      for (const line of data.toString().split("\n")) {
        if (line === "{}") ws.send("{}");
        if (!line.startsWith('{"id":')) continue;
        const reply = JSON.parse(line) as { id: number; error?: { code: number; message: string } };
        if (reply.error) reject(new Error(`command ${reply.id}: ${reply.error.code} ${reply.error.message}`));
        else if (reply.id === 3) {
          clearTimeout(timer);
          resolve(ws);
        }
      }
    });
    ws.on("error", reject);
  });
}

/** Keys rotor asked the backend for per second while `subscribers` connections tracked the same 100 keys. */
async function measure(ctx: ScenarioContext, subscribers: number, cycles: number, config: string) {
  const backend = await startBackend();
  writeFileSync(
    config,
    JSON.stringify({
      client: { ping_interval: "120s", pong_timeout: "60s" },
      shared_poll: { hmac_secret_key: secret },
      channel: {
        proxy: { shared_poll_refresh: { endpoint: `${backend.url}/refresh` } },
        namespaces: [
          {
            name: "poll",
            subscription_type: "shared_poll",
            shared_poll: { refresh_interval: `${intervalMs}ms` },
          },
        ],
      },
    }),
  );
  const rotor = await startRotor(await freePort(), ctx.options.serverCpus, [
    ...ctx.options.rotorFlags,
    "--config",
    config,
  ]);
  const sockets: WebSocket[] = [];
  try {
    raiseFileLimit(rotor.proc.pid);
    for (let i = 0; i < subscribers; i += 50) {
      const batch = Math.min(50, subscribers - i);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => tracker(rotor.url)))));
    }
    // Let the polls of newly tracked keys pass, then count whole refresh cycles: start just after one,
    // stop half an interval after the last counted.
    await new Promise((resolve) => setTimeout(resolve, 1.5 * intervalMs));
    const seen = backend.counts.calls;
    while (backend.counts.calls === seen) await new Promise((resolve) => setTimeout(resolve, 10));
    const before = { ...backend.counts };
    await new Promise((resolve) => setTimeout(resolve, (cycles + 0.5) * intervalMs));
    const seconds = (cycles * intervalMs) / 1000;
    return {
      keysPerSecond: (backend.counts.keys - before.keys) / seconds,
      callsPerSecond: (backend.counts.calls - before.calls) / seconds,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await rotor.proc.stop();
    await new Promise((resolve) => backend.server.close(resolve));
  }
}

/**
 * Shared poll: how often rotor asks the backend about the tracked keys as the
 * number of subscribers tracking the same 100 keys grows (refresh interval
 * 1 s). One call per key per interval whatever the subscriber count is the
 * point of the feature, so the rate should stay flat.
 */
export async function runSharedPoll(ctx: ScenarioContext): Promise<void> {
  const counts = ctx.options.quick ? [50, 200] : [100, 500, 1000];
  const cycles = ctx.options.quick ? 3 : 5;
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-poll-"));
  try {
    const results = [];
    for (const n of counts) {
      ctx.log(`maps: shared poll, ${n} subscribers tracking ${keys.length} keys`);
      results.push({ n, ...(await measure(ctx, n, cycles, join(dir, "poll.json"))) });
    }
    for (const r of results) {
      ctx.report.figures.push(
        makeFigure({
          scenario: "maps",
          case: `shared poll, ${r.n} subscribers tracking the same ${keys.length} keys, refresh every ${intervalMs} ms`,
          metric: "keys asked of the backend per second",
          unit: "keys/s",
          values: [r.keysPerSecond],
        }),
      );
    }
    const first = results[0]!;
    for (const r of results.slice(1)) {
      ctx.report.rows.push(
        makeRow(
          {
            scenario: "maps",
            case: `shared poll, ${r.n} subscribers`,
            metric: "backend keys per second (flat is the goal)",
            unit: "keys/s",
            baseline: `${first.n} subscribers`,
            rotor: [r.keysPerSecond],
            base: [first.keysPerSecond],
          },
          atMost(1.1),
        ),
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
