#!/usr/bin/env node
import { runCli } from "./cli/run-cli.js";

runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`rotor: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
