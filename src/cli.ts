#!/usr/bin/env node
import { runCli } from "./cli/run-cli.js";
import { StartupError } from "./errors/startup-error.js";

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    const text = err instanceof StartupError ? err.message : ((err as Error).stack ?? err);
    process.stderr.write(`rotor: ${text}\n`);
    process.exit(1);
  },
);
