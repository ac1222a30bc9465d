import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
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

/** Reads JSON log lines until one carries the first-run instructions. */
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
        const entry = JSON.parse(line) as { use?: Record<string, string> };
        if (entry.use) {
          clearTimeout(timer);
          resolve(entry.use);
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
