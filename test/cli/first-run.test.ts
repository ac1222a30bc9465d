import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync, rmSync } from "node:fs";
import { get } from "node:http";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const sh = (line: string, env: NodeJS.ProcessEnv) =>
  promisify(execFile)("sh", ["-c", line], { cwd: root, env });

/** The environment without any rotor or Centrifugo option: a first run. */
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([name]) => !/^(ROTOR|CENTRIFUGO)_/.test(name)),
);

/**
 * Reads JSON log lines until one says where the first-run instructions are:
 * stdout is a pipe here, not a terminal, so the secrets are in a file only.
 */
function firstRunNotes(stdout: NodeJS.ReadableStream, output: () => string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error(`no first-run notes in:\n${output()}`)), 90_000);
    stdout.on("data", (chunk: Buffer) => {
      buffer += chunk;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (!line.startsWith("{")) continue;
        const entry = JSON.parse(line) as { secrets?: string };
        if (entry.secrets) {
          clearTimeout(timer);
          const notes = JSON.parse(readFileSync(entry.secrets, "utf8")) as Record<string, string>;
          rmSync(entry.secrets);
          resolve(notes);
        }
      }
    });
  });
}

test("a zero-config npm start prints a gentoken line and an API key that work together; SIGTERM to npm stops it", async () => {
  const port = await freePort();
  const npm = spawn("npm", ["start", "--silent", "--", "--port", String(port)], {
    cwd: root,
    env: cleanEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npm.stdout.on("data", (chunk: Buffer) => (output += chunk));
  npm.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = once(npm, "exit");
  let centrifuge: ReturnType<typeof centrifugeClient> | undefined;
  try {
    const notes = await firstRunNotes(npm.stdout, () => output);
    assert.match(notes["admin UI"] ?? "", new RegExp(`^http://localhost:${port}/ {2}password \\S+$`));
    assert.match(notes.listening ?? "", /^on 127\.0\.0\.1 only, .* --address 0\.0\.0\.0 /);
    const outside = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal);
    if (outside) {
      const reached = await fetch(`http://${outside.address}:${port}/health`).then(
        () => true,
        () => false,
      );
      assert.equal(reached, false, `the generated-secret server is not reachable on ${outside.address}`);
    }
    const apiKey = notes["API key"]!.split(" ")[0]!;
    assert.ok(!output.includes(apiKey), "the generated API key is not in the log");
    assert.match(
      notes["keep them"] ?? "",
      new RegExp(` genconfig --admin --port ${port} writes config\\.json`),
    );

    const token = (await sh(notes["client token"]!, cleanEnv)).stdout.trim();
    centrifuge = centrifugeClient(`http://127.0.0.1:${port}`, "json", { token });
    const { sub } = await subscribed(centrifuge, "news");
    const received = collectPublications(sub);
    const published = await sh(notes.publish!, cleanEnv);
    assert.match(published.stdout, /^\{"result":\{/);
    assert.deepEqual((await received.take(1))[0]?.data, { text: "hello" });
  } finally {
    centrifuge?.disconnect();
    npm.kill("SIGTERM");
    await exited;
  }
  const stillOpen = await fetch(`http://127.0.0.1:${port}/health`).then(
    () => true,
    () => false,
  );
  assert.equal(stillOpen, false, "the server stopped with npm: nothing holds the port");
});

test("kill -TERM of an npx rotor process stops the server it started: nothing keeps the port", async () => {
  // npx runs the built dist/ of this checkout (its bin); build it if the sources changed.
  await promisify(execFile)(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: root });
  const port = await freePort();
  const npx = spawn("npx", ["rotor", "--port", String(port), "--log_level", "warn"], {
    cwd: root,
    env: cleanEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  npx.stdout.on("data", (chunk: Buffer) => (output += chunk));
  npx.stderr.on("data", (chunk: Buffer) => (output += chunk));
  const exited = once(npx, "exit");
  // A new connection each time: a closing server still answers on a kept-alive one.
  const health = () =>
    new Promise<number>((resolve) => {
      get({ host: "127.0.0.1", port, path: "/health", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on("error", () => resolve(0));
    });
  try {
    for (let i = 0; i < 1800 && (await health()) !== 200; i++) {
      assert.equal(npx.exitCode, null, `npx exited early:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await health(), 200, output);
  } finally {
    npx.kill("SIGTERM");
    await exited;
  }
  let open = true;
  for (let i = 0; i < 100 && open; i++) {
    open = (await health()) !== 0;
    if (open) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.equal(open, false, "the server stopped with npx");
});
