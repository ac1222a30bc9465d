import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import type { LogTable } from "../log.js";

/**
 * Tells the user secrets rotor generated without writing them into a log
 * that is not a terminal (a file, a collector, a CI job's output): on a
 * terminal they print with `msg`; otherwise they go to a file only this user
 * can read (`<stem>-<pid>.json` in the temporary directory), and the log
 * says where it is, in its message and in the `secrets` field.
 */
export function reportSecrets(
  log: Logger,
  msg: string,
  secrets: LogTable,
  terminal: boolean,
  stem: string,
): void {
  if (terminal) {
    log.warn({ use: secrets }, msg);
    return;
  }
  const file = join(tmpdir(), `${stem}-${process.pid}.json`);
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  log.warn({ secrets: file }, `${msg}; they are in ${file}, not in this log`);
}

/** Whether the log is read on a terminal: no `log.file`, and stdout is one. */
export function logOnTerminal(logFile: string): boolean {
  return logFile === "" && process.stdout.isTTY === true;
}
