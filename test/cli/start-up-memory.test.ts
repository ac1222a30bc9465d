import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { freePort, startCli } from "../helpers/cli-process.js";

/** The debug line the server logs once it has released start-up's memory, parsed. */
async function releasedLine(output: () => string, deadlineMs: number): Promise<{ rssMb: number[] }> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const line = output()
      .split("\n")
      .find((l) => l.includes('"start-up memory released"'));
    if (line) return JSON.parse(line) as { rssMb: number[] };
    if (Date.now() > deadline) throw new Error(`no "start-up memory released" line:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("an idle server gives back start-up's memory once, keeps serving, and still stops on SIGTERM", {
  timeout: 60_000,
}, async () => {
  const port = await freePort();
  const cli = await startCli(
    ["--port", String(port), "--address", "127.0.0.1", "--client.insecure", "--log_level", "debug"],
    [port],
  );
  try {
    const { rssMb } = await releasedLine(cli.output, 30_000);
    const [before, after] = rssMb as [number, number];
    assert.ok(after < before, `RSS went from ${before} to ${after} MB`);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
    const exited = once(cli.child, "exit");
    cli.child.kill("SIGTERM");
    const [code] = await exited;
    assert.equal(code, 0, cli.output());
  } finally {
    await cli.stop();
  }
});
