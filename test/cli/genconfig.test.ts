import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
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

test("the first run's keep-them step: genconfig --admin --port writes config.json, which a plain rotor reads by default", async () => {
  const dir = await mkdtemp(join(tmpdir(), "rotor-keep-"));
  const port = await freePort();
  const tsx = pathToFileURL(join(root, "node_modules/tsx/dist/loader.mjs")).href;
  const cli = join(root, "src/cli.ts");
  const run = (args: string[]) =>
    new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ["--import", tsx, cli, ...args], { cwd: dir }, (err, _out, stderr) =>
        resolve({ code: err ? Number(err.code) : 0, stderr }),
      );
    });
  const written = await run(["genconfig", "--admin", "--port", String(port)]);
  assert.equal(written.code, 0, written.stderr);
  const config = JSON.parse(await readFile(join(dir, "config.json"), "utf8"));
  assert.equal(config.http_server.port, port);
  assert.equal(config.admin.enabled, true);
  assert.deepEqual(config.client.allowed_origins, [`http://localhost:${port}`]);
  assert.match((await run(["genconfig", "--port", "http"])).stderr, /--port http: not a port number/);

  const server = spawn(process.execPath, ["--import", tsx, cli, "--log_level", "warn"], { cwd: dir });
  const exited = once(server, "exit");
  try {
    let admin: Response | undefined;
    for (let i = 0; i < 400 && !admin; i++) {
      admin = await fetch(`http://127.0.0.1:${port}/`).catch(() => undefined);
      if (!admin) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(admin?.status, 200, "the admin UI answers on the port config.json names");
    assert.match(await admin!.text(), /<html/i);
  } finally {
    server.kill("SIGTERM");
    await exited;
  }
});
