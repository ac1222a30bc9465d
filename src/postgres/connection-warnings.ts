import type { Logger } from "pino";

/**
 * Logs connection problems of one PostgreSQL setup once per kind and
 * distinct message, so an outage is a line per kind, not a line per retry.
 */
export class ConnectionWarnings {
  private readonly last = new Map<string, string>();

  constructor(
    private readonly log: Logger,
    private readonly label: string,
  ) {}

  warn(err: Error, what: string): void {
    if (this.last.get(what) === err.message) return;
    this.last.set(what, err.message);
    this.log.warn({ postgres: this.label }, `PostgreSQL at ${this.label}: ${what}: ${err.message}`);
  }

  /** That kind of problem is over: say so once, and log its next occurrence again. */
  recovered(what: string): void {
    if (!this.last.delete(what)) return;
    this.log.info({ postgres: this.label }, `PostgreSQL at ${this.label}: connection is back`);
  }
}
