import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type BenchServer, startRotor } from "./bench-server.js";
import { sleep } from "./clock.js";
import { freePort, spawnPinned } from "./processes.js";

const run = promisify(execFile);

/** A redis-server the harness started, and a redis-cli bound to it. */
export interface RedisServer {
  readonly url: string;
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A redis-server without persistence on a free port, pinned to `cpus`. */
export async function startRedisServer(cpus: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-redis-"));
  const proc = spawnPinned(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    cpus,
    {},
  );
  const cli = async (...args: string[]) =>
    (await run("redis-cli", ["-p", String(port), ...args], { maxBuffer: 1 << 24 })).stdout.trim();
  for (let i = 0; (await cli("ping").catch(() => "")) !== "PONG"; i++) {
    if (i > 100) throw new Error(`redis-server did not start: ${proc.stderr()}`);
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    cli,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * rotor on the Redis engine with history on every channel (10 kept, 300 s),
 * from a config file. `nodeFlags` go to node itself (`--cpu-prof`…).
 */
export async function startRotorOnRedis(
  redis: RedisServer,
  prefix: string,
  cpus: string,
  nodeFlags: readonly string[] = [],
): Promise<BenchServer> {
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-config-"));
  const file = join(dir, "config.json");
  writeFileSync(
    file,
    JSON.stringify({
      engine: { type: "redis", redis: { address: redis.url, prefix } },
      channel: { without_namespace: { history_size: 10, history_ttl: "300s" } },
    }),
  );
  try {
    return await startRotor(await freePort(), cpus, ["--config", file], nodeFlags);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
