import type { Logger } from "pino";

/** The exit code of a process that met a rejection nothing handled (EX_SOFTWARE: a bug). */
export const unhandledRejectionExitCode = 70;

/**
 * A rejection nothing handled is a bug (fire-and-forget work goes through
 * `background`, which handles its own): the process logs it with its stack
 * and exits on purpose, with a code that says why, instead of Node's default
 * crash with no line in the log.
 */
export function exitOnUnhandledRejection(log: Logger): void {
  process.on("unhandledRejection", (reason) => {
    log.fatal({ err: reason }, "unhandled promise rejection, exiting");
    log.flush?.();
    process.exit(unhandledRejectionExitCode);
  });
}
