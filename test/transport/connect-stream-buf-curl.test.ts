import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { SignJWT } from "jose";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const buf = fileURLToPath(new URL("../../node_modules/.bin/buf", import.meta.url));
const consumeUrl = "centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume";
const secret = "buf-curl-stream-secret";

let srv: TestServer;
let bufHome: string;
before(async () => {
  bufHome = await mkdtemp(join(tmpdir(), "rotor-buf-"));
  srv = await startTestServer({
    uni_grpc: { enabled: true },
    client: { token: { hmac_secret_key: secret } },
  });
});
after(async () => {
  await srv.close();
  await rm(bufHome, { recursive: true, force: true });
});

/** buf curl prints each stream message as an indented JSON object starting at a line's first column. */
function messages(stdout: string): Record<string, Record<string, unknown>>[] {
  return stdout
    .split(/\n(?=\{)/)
    .filter((part) => part.trim() !== "")
    .map((part) => JSON.parse(part));
}

async function api(method: string, body: unknown): Promise<void> {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200, res.text);
}

test("buf curl, with only reflection to go on, streams the pushes over the Connect protocol", async () => {
  const token = await new SignJWT({ sub: "curl", channels: ["news"] })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
  const env = { ...process.env, HOME: bufHome, BUF_CACHE_DIR: join(bufHome, "cache") };
  const args = ["curl", "--protocol", "connect", "-d", JSON.stringify({ token }), `${srv.url}/${consumeUrl}`];
  const child = spawn(buf, args, { env });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = once(child, "exit");
  /** Resolves once a complete printed message has the field `key`. */
  const waitFor = (key: string) =>
    new Promise<void>((resolve, reject) => {
      const printed = () => messages(stdout.slice(0, stdout.lastIndexOf("\n}") + 2)).some((m) => key in m);
      const onData = () => {
        if (!printed()) return;
        clearTimeout(timer);
        child.stdout.off("data", onData);
        resolve();
      };
      const timer = setTimeout(() => {
        child.stdout.off("data", onData);
        reject(new Error(`no ${key} push; stdout=${stdout} stderr=${stderr}`));
      }, 15_000);
      child.stdout.on("data", onData);
      onData();
    });
  try {
    await waitFor("connect");
    await api("publish", { channel: "news", data: { n: 1 } });
    await waitFor("pub");
    await api("disconnect", { user: "curl" });
    const [code] = await exited;
    assert.equal(code, 0, stderr);
  } finally {
    child.kill();
  }
  const [connect, pub, disconnect] = messages(stdout);
  assert.deepEqual(Object.keys(connect!.connect!.subs as object), ["news"]);
  assert.deepEqual(pub, { channel: "news", pub: { data: Buffer.from('{"n":1}').toString("base64") } });
  assert.deepEqual(disconnect, { disconnect: { code: 3503, reason: "force disconnect" } });
});
