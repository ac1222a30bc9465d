import { randomUUID } from "node:crypto";

interface Pending {
  expected: number;
  results: unknown[];
  done: (results: unknown[]) => void;
  timer: NodeJS.Timeout;
}

/**
 * Requests answered by every node (channels, for example): the asker sends one
 * control message and collects one reply per known node, or what arrived
 * before the timeout.
 */
export class Surveys {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly timeoutMs: number) {}

  /** Registers a survey expecting `expected` replies; `send` publishes the request. */
  start(expected: number, send: (id: string) => Promise<void>): Promise<unknown[]> {
    const id = randomUUID();
    return new Promise((resolve, reject) => {
      const finish = (results: unknown[]) => {
        clearTimeout(this.pending.get(id)?.timer);
        this.pending.delete(id);
        resolve(results);
      };
      const timer = setTimeout(() => finish(this.pending.get(id)?.results ?? []), this.timeoutMs);
      this.pending.set(id, { expected, results: [], done: finish, timer });
      send(id).catch((err) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(err);
      });
    });
  }

  reply(id: string, result: unknown): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    entry.results.push(result);
    if (entry.results.length >= entry.expected) entry.done(entry.results);
  }
}
