import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { test } from "node:test";
import pino from "pino";
import { EngineError } from "../../src/errors/engine-error.js";
import { background } from "../../src/lifecycle/background.js";
import { unhandledRejectionExitCode } from "../../src/lifecycle/unhandled-rejections.js";

function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const log = pino({ level: "debug" }, { write: (line) => lines.push(JSON.parse(line)) });
  return { log, lines };
}

test("a rejected background task is logged and the process goes on", async () => {
  const { log, lines } = capturingLogger();
  background(log, "leave publish", Promise.reject(new Error("boom")));
  background(log, "join publish", Promise.reject(new EngineError("broker join publish", new Error("down"))));
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(
    lines.map((line) => [line.level, line.msg]),
    [
      [50, "leave publish failed"],
      [20, "join publish failed"],
    ],
  );
});

test("a rejection nothing handles is logged and ends the process with its own exit code", async () => {
  const script = [
    'import pino from "pino";',
    'import { exitOnUnhandledRejection } from "./src/lifecycle/unhandled-rejections.ts";',
    "exitOnUnhandledRejection(pino());",
    'Promise.reject(new Error("forgotten"));',
  ].join("\n");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
  });
  const code = await new Promise((resolve) => child.on("exit", resolve));
  assert.equal(code, unhandledRejectionExitCode);
  const line = JSON.parse(out.trim().split("\n").at(-1)!) as {
    level: number;
    msg: string;
    err: { message: string };
  };
  assert.deepEqual(
    [line.level, line.msg, line.err.message],
    [60, "unhandled promise rejection, exiting", "forgotten"],
  );
});
