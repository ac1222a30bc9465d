import { createRequire } from "node:module";
import { type Logger, pino } from "pino";
import type pinoPretty from "pino-pretty";

/** pino-pretty (CommonJS), required only when a terminal reads the log: servers writing JSON never load it. */
const requirePretty = () => createRequire(import.meta.url)("pino-pretty") as typeof pinoPretty;

/** A block of named values logged as one field: aligned lines for people, an object for machines. */
export type LogTable = Readonly<Record<string, string>>;

function table(value: unknown): string {
  const rows = Object.entries(value as LogTable);
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  return rows.map(([name, text]) => `\n    ${name.padEnd(width)}${text}`).join("");
}

/**
 * rotor's logger: JSON lines on stdout, one per event, for log collectors;
 * human-readable lines (pino-pretty) when stdout is a terminal. The `surfaces`
 * and `use` fields (the start-up banner, first-run instructions) print as
 * aligned text there. With `log.file`, JSON lines are appended to that file
 * instead (no rotation: rotate with logrotate's copytruncate).
 */
export function createLogger(level: string, readable = process.stdout.isTTY === true, file = ""): Logger {
  const options = { level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime };
  if (file) return pino(options, pino.destination({ dest: file, append: true, mode: 0o644, sync: true }));
  if (!readable) return pino(options);
  const stream = requirePretty()({
    colorize: true,
    sync: true,
    translateTime: "SYS:HH:MM:ss.l",
    customPrettifiers: { surfaces: table, use: table },
  });
  return pino(options, stream);
}
