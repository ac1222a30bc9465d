import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type CliProcess, freePort, startCli } from "../helpers/cli-process.js";
import { readmeBlocks, shellCommands } from "../helpers/readme-blocks.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const run = promisify(execFile);

/** A README command line run as a reader would, from the repository, with the example ports moved to free ones. */
async function shell(line: string, ports: Record<string, number>, cwd = root): Promise<string> {
  let moved = line;
  for (const [from, to] of Object.entries(ports))
    moved = moved.replaceAll(`localhost:${from}`, `localhost:${to}`);
  const { stdout } = await run("sh", ["-c", moved], {
    cwd,
    env: { ...process.env, PATH: `${root}/node_modules/.bin:${process.env.PATH}` },
  });
  return stdout;
}

describe("README, Server API: the curl and buf curl examples work as written", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotor-readme-api-"));
  const ports: Record<string, number> = {};
  let cli: CliProcess;
  before(async () => {
    const blocks = readmeBlocks("## Server API");
    const config = blocks.find((b) => b.lang === "json");
    const start = blocks.find((b) => b.lang === "sh");
    assert.ok(config && start, "the section shows its config and start command");
    ports["8000"] = await freePort();
    ports["10000"] = await freePort();
    writeFileSync(
      join(dir, "config.json"),
      config.text.replace('"port": 10000', `"port": ${ports["10000"]}`),
    );
    const [command] = shellCommands(start);
    assert.equal(command, "npx rotor --config config.json --port 8000");
    cli = await startCli(
      ["--config", join(dir, "config.json"), "--port", String(ports["8000"])],
      [ports["8000"], ports["10000"]],
    );
  });
  after(async () => {
    await cli?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const heading of ["### buf curl (gRPC, gRPC-Web, Connect)", "### curl"]) {
    test(heading.slice(4), async () => {
      const commands = readmeBlocks(heading)
        .filter((b) => b.lang === "sh")
        .flatMap(shellCommands);
      assert.ok(commands.length >= 3, `${heading} has its examples`);
      for (const command of commands) {
        const out = await shell(command, ports);
        assert.doesNotMatch(out, /"error"|"code":\s*"/, `${command}\n${out}`);
        if (command.includes("--list-services"))
          assert.match(out, /centrifugal\.centrifugo\.api\.CentrifugoApi/);
        else assert.match(out, /"result"|\{/, `${command} answered:\n${out}`);
      }
    });
  }
});

describe("README, Clients: genconfig, gentoken, the Node subscriber and the curl publish", () => {
  // Under the repository's node_modules, so the script's `import "centrifuge"` resolves as in a reader's project.
  const cache = join(root, "node_modules", ".cache");
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, "readme-clients-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the subscriber prints the publication the backend sends", async () => {
    const setup = shellCommands(readmeBlocks("### 1. A server and a token")[0]!);
    assert.equal(setup[0], "npx rotor genconfig --config config.json");
    await shell(setup[0]!.replace("npx rotor", `node --import tsx ${root}src/cli.ts`), {}, dir);
    const port = await freePort();
    const cli = await startCli(["--config", join(dir, "config.json"), "--port", String(port)], [port]);
    try {
      const token = (
        await shell(setup[2]!.replace("npx rotor", `node --import tsx ${root}src/cli.ts`), {}, dir)
      ).trim();
      const script = readmeBlocks("### 2. Subscribe — Node").find((b) => b.lang === "js");
      assert.ok(script);
      writeFileSync(join(dir, "subscribe.mjs"), script.text.replace("localhost:8000", `localhost:${port}`));
      const subscriber = spawn(process.execPath, ["subscribe.mjs", token], { cwd: dir });
      let printed = "";
      subscriber.stdout.on("data", (chunk: Buffer) => (printed += chunk));
      subscriber.stderr.on("data", (chunk: Buffer) => (printed += chunk));
      try {
        await until(
          () => printed.includes("subscribed; recoverable:"),
          () => printed,
        );
        const key = (
          JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { http_api: { key: string } }
        ).http_api.key;
        const [publish] = shellCommands(readmeBlocks("### 4. Publish from your backend")[0]!);
        const answer = await shell(
          publish!.replace("<http_api.key from config.json>", key),
          { "8000": port },
          dir,
        );
        assert.match(answer, /^\{"result":\{"offset":1,"epoch":"[^"]+"\}\}/);
        await until(
          () => printed.includes("publication { text: 'hello' }"),
          () => printed,
        );
        assert.match(printed, /connected as /);
      } finally {
        subscriber.kill();
      }
    } finally {
      await cli.stop();
    }
  });
});

/** Waits for a condition on a child's output, failing with that output after 20 s. */
async function until(done: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out; output so far:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
