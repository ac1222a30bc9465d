import type { Logger } from "pino";
import { reportSecrets } from "../log/report-secrets.js";
import type { LogTable } from "../log.js";

/**
 * Tells a first run's user its generated secrets and the commands that use
 * them, kept out of a log that is not a terminal as every generated secret is.
 */
export function reportFirstRun(log: Logger, notes: LogTable, terminal: boolean): void {
  reportSecrets(
    log,
    "no configuration given: running with secrets generated for this run only",
    notes,
    terminal,
    "rotor-first-run",
  );
}
