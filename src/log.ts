import { type Logger, pino } from "pino";

/** rotor's logger: JSON lines on stdout, one per event, at the configured level. */
export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}
