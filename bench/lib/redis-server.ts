import { execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sleep } from "./clock.js";
import { freePort, pin } from "./processes.js";

const run = promisify(execFile);

/** A redis-server the bench started, and how to talk to it. */
export interface RedisServer {
  readonly url: string;
  cli(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

/** A redis-server without persistence on a free port, pinned to `cpus`. */
export async function startRedisServer(cpus: string): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "rotor-bench-redis-"));
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""],
    {
      stdio: "ignore",
    },
  );
  if (child.pid) pin(child.pid, cpus);
  const cli = async (...args: string[]) =>
    (await run("redis-cli", ["-p", String(port), ...args], { maxBuffer: 1 << 24 })).stdout.trim();
  for (let i = 0; (await cli("ping").catch(() => "")) !== "PONG"; i++) {
    if (i > 100) throw new Error("redis-server did not start");
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    cli,
    async stop() {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
