import type { Logger } from "pino";

/**
 * Remembers which problems were logged, by kind and message, so that an
 * outage is one line per cause rather than one per retry or per command;
 * once a kind works again (`recovered`), its next problem is worth a line.
 * At most `maxCauses` are remembered, so varied messages cannot grow it
 * without bound.
 */
export class OncePerCause {
  private readonly logged = new Map<string, Set<string>>();
  private count = 0;

  constructor(private readonly maxCauses = 100) {}

  /** True the first time this kind fails with this message (the caller logs it then). */
  first(kind: string, message: string): boolean {
    let messages = this.logged.get(kind);
    if (messages?.has(message)) return false;
    if (this.count >= this.maxCauses) this.reset();
    messages = this.logged.get(kind) ?? new Set();
    this.logged.set(kind, messages);
    messages.add(message);
    this.count += 1;
    return true;
  }

  /** Whether this kind has a problem logged and not yet recovered. */
  failing(kind: string): boolean {
    return this.logged.has(kind);
  }

  recovered(kind: string): void {
    this.count -= this.logged.get(kind)?.size ?? 0;
    this.logged.delete(kind);
  }

  /** Every kind works again. */
  reset(): void {
    this.logged.clear();
    this.count = 0;
  }
}

/**
 * Counts the messages an engine received but could not read (another
 * application's, a foreign format) and logs the first and every thousandth
 * after it: a stream of garbage is visible without flooding the log.
 */
export function malformedMessages(log: Logger, what: string): (context: object) => void {
  let count = 0;
  return (context) => {
    if (count++ % 1000 === 0) log.warn({ ...context, count }, `ignoring a malformed ${what}`);
  };
}
