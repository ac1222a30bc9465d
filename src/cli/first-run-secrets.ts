import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "pino";
import type { LogTable } from "../log.js";

/**
 * Tells a first run's user its generated secrets without writing them into a
 * log that is not a terminal (a file, a collector, a CI job's output): on a
 * terminal the notes print as they are; otherwise they go to a file only
 * this user can read, and the log says where it is.
 */
export function reportFirstRun(log: Logger, notes: LogTable, terminal: boolean): void {
  const msg = "no configuration given: running with secrets generated for this run only";
  if (terminal) {
    log.warn({ use: notes }, msg);
    return;
  }
  const file = join(tmpdir(), `rotor-first-run-${process.pid}.json`);
  writeFileSync(file, `${JSON.stringify(notes, null, 2)}\n`, { mode: 0o600 });
  log.warn({ secrets: file }, `${msg}; they and the commands that use them are in ${file}, not in this log`);
}
