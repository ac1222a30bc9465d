import type { Logger } from "pino";
import { EngineError } from "../errors/engine-error.js";
import { RotorError } from "../errors/rotor-error.js";

/**
 * Logs a failure of work that has no one to answer: an engine failure was
 * logged where it happened, once per cause, so it is only noted at debug
 * level here; a refusal (a RotorError) is a warning; anything else is a bug
 * and logged as an error.
 */
export function logFailure(log: Logger, what: string, err: unknown, context: object = {}): void {
  if (err instanceof EngineError) log.debug({ ...context, err: err.cause, call: err.call }, `${what} failed`);
  else if (err instanceof RotorError) log.warn({ ...context, err }, `${what} failed`);
  else log.error({ ...context, err }, `${what} failed`);
}

/**
 * Runs work nobody waits for (a join published, a presence refresh, a
 * backend stream) so that its failure is logged and goes no further: a
 * rejection left unhandled would end the process, and every connection with it.
 */
export function background(log: Logger, what: string, task: PromiseLike<unknown>, context?: object): void {
  Promise.resolve(task).catch((err: unknown) => logFailure(log, what, err, context));
}
