import assert from "node:assert/strict";
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Centrifuge } from "centrifuge";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { nextEvent } from "./events.js";

const burst = 1000;
const backendDelayMs = 50;
/** Generous: the burst allocates tens of MB; what must not stay is per-connection state. */
const heapGrowthBound = 8 * 1024 * 1024;

interface Stats {
  heap: number;
  clients: number;
}

/** A test fixture running in a child process, spoken to over IPC. */
interface Child {
  readonly process: ChildProcess;
  /** The first message it sent: what it is listening on. */
  readonly ready: Record<string, unknown>;
  ask<T>(question: string): Promise<T>;
  stop(): Promise<void>;
}

async function startChild(
  fixture: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Child> {
  const child = fork(fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url)), {
    execArgv: ["--import", "tsx", ...execArgv],
    env: { ...process.env, ...env },
  });
  const [ready] = (await once(child, "message")) as [Record<string, unknown>];
  return {
    process: child,
    ready,
    async ask<T>(question: string) {
      const reply = once(child, "message");
      child.send(question);
      return ((await reply) as [T])[0];
    },
    async stop() {
      const exited = once(child, "exit");
      child.send("stop");
      await exited;
    },
  };
}

/**
 * rotor, the backend and the clients each run in a process of their own, as
 * they would in production: rotor's heap is measured alone, and neither the
 * clients nor the backend wait on each other's event loop.
 */
describe("the connect proxy under a burst of connections", () => {
  let backend: Child;
  let rotor: Child;
  /** Every client the test opened, disconnected at the end whatever happened. */
  const opened: Centrifuge[] = [];
  let url: string;
  before(async () => {
    backend = await startChild("backend-process.ts", { BACKEND_DELAY_MS: String(backendDelayMs) });
    const config = {
      log: { level: "silent" },
      http_server: { address: "127.0.0.1", port: 0 },
      http_api: { key: "k" },
      // A thousand calls share the machine with the rest of the suite: each gets 5 s, still a deadline any
      // stuck or unbounded queue would miss.
      client: { proxy: { connect: { enabled: true, ...(backend.ready.proxy as object), timeout: "5s" } } },
    };
    rotor = await startChild("rotor-process.ts", { ROTOR_TEST_CONFIG: JSON.stringify(config) }, [
      "--expose-gc",
    ]);
    url = `http://127.0.0.1:${rotor.ready.port}`;
  });
  after(async () => {
    for (const c of opened) c.disconnect();
    await rotor.stop();
    await backend.stop();
  });

  /** Connects `n` clients at once; resolves with every error any of them reported. */
  async function connectAll(n: number): Promise<{ clients: Centrifuge[]; errors: unknown[] }> {
    const clients = Array.from({ length: n }, () => centrifugeClient(url, "json", { timeout: 20_000 }));
    opened.push(...clients);
    const errors: unknown[] = [];
    for (const c of clients) c.on("error", (e) => errors.push(e));
    // Patient: on a shared 2-core machine a thousand handshakes may take a while; timeouts are asserted below.
    await Promise.all(
      clients.map((c) => {
        const ready = nextEvent(c, "connected", 60_000);
        c.connect();
        return ready;
      }),
    );
    return { clients, errors };
  }

  /** Disconnects the clients; resolves with rotor's stats once it holds none of them. */
  async function leave(clients: Centrifuge[]): Promise<Stats> {
    for (const c of clients) c.disconnect();
    let stats = await rotor.ask<Stats>("heap");
    const deadline = Date.now() + 20_000;
    while (stats.clients > 0) {
      if (Date.now() > deadline) throw new Error(`rotor still holds ${stats.clients} clients`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      stats = await rotor.ask<Stats>("heap");
    }
    return stats;
  }

  test(`${burst} clients connect at once through a backend answering in ${backendDelayMs} ms, and the heap returns after they leave`, async (t) => {
    const warm = await connectAll(100);
    const baseline = await leave(warm.clients);
    const calls = (await backend.ask<{ calls: number }>("calls")).calls;

    const { clients, errors } = await connectAll(burst);
    assert.deepEqual(errors, [], "no client saw an error (no proxy call timed out)");
    assert.equal(clients.filter((c) => c.state === "connected").length, burst);
    const served = (await backend.ask<{ calls: number }>("calls")).calls;
    assert.equal(served - calls, burst, "one backend call per client");

    const after = await leave(clients);
    t.diagnostic(`heap after GC: ${baseline.heap} bytes before, ${after.heap} bytes after`);
    assert.ok(
      after.heap - baseline.heap < heapGrowthBound,
      `heap after GC grew by ${((after.heap - baseline.heap) / 2 ** 20).toFixed(1)} MB (baseline ${(baseline.heap / 2 ** 20).toFixed(1)} MB)`,
    );
  });
});
