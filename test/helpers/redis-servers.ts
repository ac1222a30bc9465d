import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import { freePort } from "./cli-process.js";

const run = promisify(execFile);

/** Every server this test process started, killed when it exits however it exits. */
const started = new Set<ChildProcess>();
process.on("exit", () => {
  for (const child of started) child.kill("SIGKILL");
});

/** A real redis-server (or redis-sentinel) on a free port, in a temp dir of its own. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** Runs redis-cli against it and returns the output. */
  cli(...args: string[]): Promise<string>;
  /** SIGKILL: the server vanishes as in a crash. */
  kill(): Promise<void>;
  /** Starts it again on the same port and dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  try {
    const { stdout } = await run("redis-cli", ["-p", String(port), "ping"], { timeout: 2000 });
    return stdout.trim() === "PONG";
  } catch {
    return false;
  }
}

/** Waits until a condition holds, polling; fails with `what` after the timeout. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Starts `redis-server` without persistence (unless `args` ask for it), or
 * with `sentinel` a `redis-sentinel` watching that master, and resolves once
 * it answers PING.
 */
export async function startRedis(
  o: { args?: string[]; port?: number; sentinel?: { master: string; port: number } } = {},
): Promise<RedisProcess> {
  const port = o.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), "rotor-redis-"));
  let child: ChildProcess | undefined;
  const spawnServer = async () => {
    let args = [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--dir",
      dir,
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    if (o.sentinel) {
      const file = join(dir, "sentinel.conf");
      const { master, port: masterPort } = o.sentinel;
      writeFileSync(
        file,
        [
          `sentinel monitor ${master} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${master} 1000`,
          `sentinel failover-timeout ${master} 5000`,
          "",
        ].join("\n"),
      );
      args = [file, "--port", String(port), "--bind", "127.0.0.1", "--dir", dir];
    }
    child = spawn(o.sentinel ? "redis-sentinel" : "redis-server", [...args, ...(o.args ?? [])], {
      stdio: "ignore",
    });
    // Not holding the test process open: it is killed when the process exits.
    child.unref();
    started.add(child);
    const current = child;
    child.once("exit", () => started.delete(current));
    await waitUntil(`redis on port ${port}`, () => answers(port));
  };
  const halt = async (signal: NodeJS.Signals) => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = once(current, "exit");
    current.ref();
    current.kill(signal);
    await exited;
  };
  await spawnServer();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async cli(...args) {
      const { stdout } = await run("redis-cli", ["-p", String(port), ...args]);
      return stdout.trim();
    },
    kill: () => halt("SIGKILL"),
    restart: spawnServer,
    async stop() {
      await halt("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Three masters joined with `redis-cli --cluster create`, ready once every slot is served. */
export async function startRedisCluster(
  masters = 3,
): Promise<{ nodes: RedisProcess[]; stop(): Promise<void> }> {
  const nodes = await Promise.all(
    Array.from({ length: masters }, () =>
      startRedis({ args: ["--cluster-enabled", "yes", "--cluster-node-timeout", "2000"] }),
    ),
  );
  await run("redis-cli", [
    "--cluster",
    "create",
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    "--cluster-yes",
  ]);
  await waitUntil("cluster state ok", async () =>
    (await Promise.all(nodes.map((n) => n.cli("cluster", "info")))).every((info) =>
      info.includes("cluster_state:ok"),
    ),
  );
  return {
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** A master, one replica and three Sentinels watching them as `master`. */
export async function startSentinelSetup(master = "mymaster") {
  const primary = await startRedis();
  const replica = await startRedis({ args: ["--replicaof", "127.0.0.1", String(primary.port)] });
  await waitUntil("replica in sync", async () =>
    (await replica.cli("info", "replication")).includes("master_link_status:up"),
  );
  const sentinels = await Promise.all(
    [1, 2, 3].map(() => startRedis({ sentinel: { master, port: primary.port } })),
  );
  const masterPort = async (sentinel = sentinels[0]!) =>
    Number((await sentinel.cli("sentinel", "get-master-addr-by-name", master)).split("\n")[1]);
  await waitUntil("sentinels know each other and the replica", async () => {
    const info = await sentinels[0]!.cli("sentinel", "master", master);
    const field = (name: string) => info.split("\n")[info.split("\n").indexOf(name) + 1];
    return field("num-other-sentinels") === "2" && field("num-slaves") === "1";
  });
  return {
    primary,
    replica,
    sentinels,
    masterPort,
    /** Forces a failover and resolves once every Sentinel names the replica as master. */
    async failover() {
      await sentinels[0]!.cli("sentinel", "failover", master);
      await waitUntil(
        "failover to the replica",
        async () => (await Promise.all(sentinels.map((s) => masterPort(s)))).every((p) => p === replica.port),
        30_000,
      );
    },
    async stop() {
      await Promise.all([primary, replica, ...sentinels].map((r) => r.stop()));
    },
  };
}
