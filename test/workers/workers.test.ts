import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import type { Centrifuge } from "centrifuge";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  eventWhere,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type CliProcess, freePort, spawnCli, startCli } from "../helpers/cli-process.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { socketsInState, tcpState } from "../helpers/socket-states.js";

const run = promisify(execFile);
const key = "workers-test-key";

interface InfoNode {
  uid: string;
  name: string;
  num_clients: number;
}

let redis: RedisProcess;
let rotor: CliProcess;
let port: number;
let url: string;
const clients: Centrifuge[] = [];

before(async () => {
  redis = await startRedis();
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  const engine = ["--engine.type", "redis", "--engine.redis.address", redis.url];
  const access = ["--api_key", key, "--client.insecure"];
  rotor = await startCli(["--workers", "2", ...engine, ...access, "--port", String(port)], [port]);
  await workersListening(1);
});
after(async () => {
  for (const client of clients) client.disconnect();
  await rotor?.stop();
  await redis?.stop();
});

async function info(): Promise<InfoNode[]> {
  const res = await httpApi(url, "info", {}, { "X-API-Key": key });
  assert.equal(res.status, 200);
  return (res.body as { result: { nodes: InfoNode[] } }).result.nodes;
}

/** Subscribes `n` new connections to `channel` and waits until Info shows clients on both workers. */
async function subscribersOnBothWorkers(channel: string, n: number) {
  const subs = [];
  for (let i = 0; i < n; i++) {
    const client = centrifugeClient(url, "json");
    clients.push(client);
    subs.push({ client, ...(await subscribed(client, channel)) });
  }
  await waitUntil("subscribers on both workers", async () => {
    const nodes = await info();
    return nodes.length === 2 && nodes.every((node) => node.num_clients > 0);
  });
  return subs;
}

/**
 * Waits until worker 1 logged the banner and `others` other starts logged
 * "ready": each is then listening, so new connections go to every worker.
 */
async function workersListening(others: number): Promise<void> {
  await waitUntil("the workers listening", async () => {
    const out = rotor.output();
    return (
      out.includes("engine redis, 2 workers") && (out.match(/worker \d of 2 ready/g)?.length ?? 0) >= others
    );
  });
}

/** The worker processes the primary forked. */
async function workerPids(): Promise<number[]> {
  const { stdout } = await run("ps", ["-o", "pid=", "--ppid", String(rotor.child.pid)]);
  return stdout
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map(Number);
}

describe("rotor --workers 2 on Redis: two nodes behind one port", () => {
  test("Info lists both workers as nodes, and the banner, printed once, says how many run", async () => {
    await waitUntil("two nodes in Info", async () => (await info()).length === 2);
    const names = (await info()).map((node) => node.name.replace(/.*_/, "")).sort();
    assert.deepEqual(names, ["w1", "w2"]);
    assert.equal(rotor.output().match(/engine redis, 2 workers/g)?.length, 1, rotor.output());
  });

  test("subscribers on either worker receive what the API publishes, whichever worker takes it", async () => {
    const subs = await subscribersOnBothWorkers("news", 4);
    const received = subs.map(({ sub }) => collectPublications(sub));
    for (const n of [1, 2, 3]) {
      const res = await httpApi(url, "publish", { channel: "news", data: { n } }, { "X-API-Key": key });
      assert.deepEqual(res.body, { result: {} });
    }
    for (const pubs of received) {
      assert.deepEqual(
        (await pubs.take(3)).map((p) => p.data),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
    }
    for (const { client } of subs) client.disconnect();
  });

  test("a worker killed with SIGKILL is restarted as a new node", async () => {
    const before = (await info()).map((node) => node.uid);
    const [victim] = await workerPids();
    process.kill(victim!, "SIGKILL");
    await waitUntil(
      "two nodes again, one of them new",
      async () => {
        // The API connection itself may have been on the killed worker: ask again.
        const nodes = await info().catch(() => []);
        return nodes.length === 2 && nodes.filter((node) => !before.includes(node.uid)).length === 1;
      },
      20_000,
    );
    await workersListening(2);
    assert.equal((await workerPids()).length, 2);
    assert.match(rotor.output(), /worker exited unexpectedly: restarting it/);
  });

  test("workers SIGKILLed while fresh connections arrive: every connection is answered or closed, none left in CLOSE-WAIT", async () => {
    /** One fresh connection asking for /health: how it ended ("answered", "closed") or "stranded" after 5 s. */
    const ask = () =>
      new Promise<string>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        let text = "";
        const timer = setTimeout(() => {
          socket.destroy();
          resolve("stranded");
        }, 5000);
        const end = (how: string) => {
          clearTimeout(timer);
          socket.destroy();
          resolve(how);
        };
        socket.on("connect", () =>
          socket.write("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
        );
        socket.on("data", (chunk: Buffer) => {
          text += chunk;
          if (text.includes("\r\n\r\n")) end("answered");
        });
        socket.on("error", () => end("closed"));
        socket.on("close", () => end(text ? "answered" : "closed"));
      });
    let running = true;
    const outcomes: string[] = [];
    const callers = Array.from({ length: 8 }, async () => {
      while (running) outcomes.push(await ask());
    });
    const ready = () => rotor.output().match(/worker \d of 2 ready/g)?.length ?? 0;
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      const readyBefore = ready();
      const [victim] = await workerPids();
      process.kill(victim!, "SIGKILL");
      await waitUntil("the killed worker restarted and listening", async () => ready() > readyBefore, 20_000);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    running = false;
    await Promise.all(callers);
    assert.ok(outcomes.filter((o) => o === "answered").length > 50, `only ${outcomes.length} connections`);
    assert.equal(
      outcomes.filter((o) => o === "stranded").length,
      0,
      "connections neither answered nor closed",
    );
    await waitUntil(
      "no CLOSE-WAIT on the port",
      async () => socketsInState(port, tcpState.closeWait) === 0,
      5000,
    );
  });

  test("SIGTERM drains both workers (clients get 3001 shutdown) and the process exits 0", async () => {
    const subs = await subscribersOnBothWorkers("drain", 4);
    const shutdowns = subs.map(({ client }) =>
      eventWhere<{ code: number }>(client, "connecting", (ctx) => ctx.code === 3001, 10_000),
    );
    const exited = once(rotor.child, "exit");
    rotor.child.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, rotor.output());
    await Promise.all(shutdowns);
    for (const { client } of subs) client.disconnect();
  });
});

test("--workers 2 on the memory engine refuses to start, saying why, with exit code 1", async () => {
  const cli = spawnCli(["--workers", "2", "--port", String(await freePort())]);
  const [code] = await once(cli.child, "exit");
  assert.equal(code, 1);
  assert.match(cli.output(), /each worker would be a separate server, and clients on one would not see/);
});
