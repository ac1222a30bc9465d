import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { centrifugeClient, collectPublications, nextEvent } from "../helpers/centrifuge-clients.js";
import { freePort, startCli } from "../helpers/cli-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

function rotor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "src/cli.ts", ...args],
      { cwd: root },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code) : 0, stdout, stderr }),
    );
  });
}

test("genconfig writes a config that serves a gentoken client end to end, and never overwrites", async () => {
  const file = join(await mkdtemp(join(tmpdir(), "rotor-genconfig-")), "config.json");
  const written = await rotor(["genconfig", "--config", file]);
  assert.equal(written.code, 0, written.stderr);
  const config = JSON.parse(await readFile(file, "utf8"));
  assert.ok(config.http_api.key.length >= 32);
  assert.ok(config.client.token.hmac_secret_key.length >= 32);

  const again = await rotor(["genconfig", "--config", file]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /already exists; not overwriting it/);
  assert.deepEqual(JSON.parse(await readFile(file, "utf8")), config);

  const token = await rotor(["gentoken", "--config", file, "--user", "alice"]);
  assert.equal(token.code, 0, token.stderr);
  const port = await freePort();
  const server = await startCli(["--config", file, "--port", String(port), "--log_level", "warn"], [port]);
  const base = `http://127.0.0.1:${port}`;
  const client = centrifugeClient(base, "json", { token: token.stdout.trim() });
  try {
    const connected = nextEvent<{ client: string }>(client, "connected");
    client.connect();
    await connected;
    const sub = client.newSubscription("news");
    const pubs = collectPublications(sub);
    const subscribed = nextEvent(sub, "subscribed");
    sub.subscribe();
    await subscribed;
    const reply = await fetch(`${base}/api/publish`, {
      method: "POST",
      headers: { "X-API-Key": config.http_api.key, "content-type": "application/json" },
      body: JSON.stringify({ channel: "news", data: { text: "hello" } }),
    });
    assert.equal(reply.status, 200);
    assert.deepEqual(await pubs.take(1), [{ data: { text: "hello" }, offset: 1, channel: "news" }]);
  } finally {
    client.disconnect();
    await server.stop();
  }
});
