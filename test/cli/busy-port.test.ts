import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { freePort, spawnCli } from "../helpers/cli-process.js";

/** Holds a port on loopback, as another program would. */
async function holdPort(): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer().listen(port, "127.0.0.1");
  await once(server, "listening");
  return { server, port };
}

/** Runs the real command line with a config file and returns its exit code and output. */
async function runWith(
  config: object,
  args: readonly string[] = [],
): Promise<{ code: number | null; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), "rotor-busy-port-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(config));
  const cli = spawnCli(["--config", file, ...args]);
  const [code] = (await once(cli.child, "exit")) as [number | null];
  rmSync(dir, { recursive: true, force: true });
  return { code, output: cli.output() };
}

describe("a port already in use", () => {
  let held: { server: Server; port: number };
  before(async () => {
    held = await holdPort();
  });
  after(() => held.server.close());

  test("the main port: one line naming --port and http_server.port, exit 1, no stack", async () => {
    const { code, output } = await runWith({ http_server: { address: "127.0.0.1" } }, [
      "--port",
      String(held.port),
    ]);
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `^rotor: 127\\.0\\.0\\.1:${held.port} is already in use \\(EADDRINUSE\\): choose another port with --port or http_server\\.port$`,
        "m",
      ),
    );
    assert.doesNotMatch(output, /^\s+at /m, "no stack trace");
  });

  test("the gRPC API port names grpc_api.port", async () => {
    const main = await freePort();
    const { code, output } = await runWith({
      http_server: { address: "127.0.0.1", port: main },
      grpc_api: { enabled: true, address: "127.0.0.1", port: held.port },
    });
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `^rotor: 127\\.0\\.0\\.1:${held.port} is already in use \\(EADDRINUSE\\): .*grpc_api\\.port$`,
        "m",
      ),
    );
    assert.doesNotMatch(output, /^\s+at /m, "no stack trace");
  });
});
