import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, startCli } from "../helpers/cli-process.js";
import { startRedis } from "../helpers/redis-servers.js";

/** The `secrets` file a non-terminal log names, read once it has been logged. */
async function secretsFile(output: () => string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const line = output()
      .split("\n")
      .find((l) => l.includes('"secrets"'));
    if (line) return (JSON.parse(line) as { secrets: string }).secrets;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no secrets file logged:\n${output()}`);
}

for (const workers of [1, 2]) {
  test(`a configured run without an API key (${workers} worker${workers > 1 ? "s" : ""}) keeps the key it generates out of a non-terminal log`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-key-"));
    const port = await freePort();
    const file = join(dir, "config.json");
    // Several workers share a broker: Redis, started for this test.
    const redis = workers > 1 ? await startRedis() : undefined;
    const engine = redis
      ? { engine: { type: "redis", redis: { address: redis.url, prefix: "keytest" } } }
      : {};
    writeFileSync(file, JSON.stringify({ http_server: { port }, server: { workers }, ...engine }));
    const cli = await startCli(["--config", file], [port]).catch(async (err) => {
      await redis?.stop();
      throw err;
    });
    try {
      const secrets = await secretsFile(cli.output);
      const key = (JSON.parse(readFileSync(secrets, "utf8")) as Record<string, string>)["API key"]!.split(
        " ",
      )[0]!;
      rmSync(secrets);
      assert.ok(key.length >= 20);
      assert.ok(!cli.output().includes(key), "the generated key is not in the log");
      const refused = await fetch(`http://127.0.0.1:${port}/api/info`, { method: "POST", body: "{}" });
      assert.equal(refused.status, 401);
      const allowed = await fetch(`http://127.0.0.1:${port}/api/info`, {
        method: "POST",
        headers: { "X-API-Key": key },
        body: "{}",
      });
      assert.equal(allowed.status, 200, "the key from the file opens the API");
    } finally {
      await cli.stop();
      await redis?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
