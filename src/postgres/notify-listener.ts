import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import type { ConnectionWarnings } from "./connection-warnings.js";

/** What a LISTEN subscriber is told: each notification, and each time listening (re)starts. */
export interface NotifyHandler {
  /** A notification on the channel, with its payload (`""` when it had none). */
  notify(payload: string): void;
  /** Listening started or started again: notifications sent meanwhile were missed, so look for work now. */
  listening(): void;
}

/** Pauses between attempts to reconnect the LISTEN connection: 1 s, doubling up to 30 s (Centrifugo's). */
const firstRetryMs = 1000;
const lastRetryMs = 30_000;

/**
 * One dedicated connection that LISTENs on every channel subscribers ask
 * for, outside the pool (a pooled connection would lose its LISTENs when
 * handed to someone else). Channel names are quoted, so they keep their
 * case: `pg_notify('Outbox', …)` reaches a listener on `Outbox`. When the
 * connection drops it is made again, with growing pauses, and every
 * subscriber is told it listens again.
 */
export class NotifyListener {
  private readonly handlers = new Map<string, Set<NotifyHandler>>();
  private client: pg.Client | undefined;
  private closed = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly warnings: ConnectionWarnings,
  ) {}

  /** Starts listening on `channel` (connecting first if needed); returns how to stop. */
  add(channel: string, handler: NotifyHandler): () => void {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) this.command("LISTEN", channel, this.client);
    }
    set.add(handler);
    if (this.client) handler.listening();
    this.running ??= this.run();
    return () => {
      const current = this.handlers.get(channel);
      if (!current?.delete(handler) || current.size > 0) return;
      this.handlers.delete(channel);
      if (this.client) this.command("UNLISTEN", channel, this.client);
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => {});
    await this.running;
  }

  private command(verb: "LISTEN" | "UNLISTEN", channel: string, client: pg.Client): void {
    client.query(`${verb} ${pg.escapeIdentifier(channel)}`).catch((err: Error) => {
      // Closing ends the connection, and every LISTEN with it: a command it cut short failed at nothing.
      if (!this.closed) this.warnings.warn(err, `could not ${verb} ${channel}`);
    });
  }

  private async run(): Promise<void> {
    let pause = firstRetryMs;
    while (!this.closed) {
      const client = new pg.Client(this.config);
      const ended = new Promise<Error | undefined>((resolve) => {
        client.once("error", resolve);
        client.once("end", () => resolve(undefined));
      });
      client.on("error", () => {});
      client.on("notification", (n) => {
        for (const handler of this.handlers.get(n.channel) ?? []) handler.notify(n.payload ?? "");
      });
      try {
        await client.connect();
        for (const channel of this.handlers.keys()) {
          await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        }
      } catch (err) {
        await client.end().catch(() => {});
        if (this.closed) return;
        this.warnings.warn(err as Error, "LISTEN connection failed, retrying");
        await sleep(pause);
        pause = Math.min(pause * 2, lastRetryMs);
        continue;
      }
      if (this.closed) {
        await client.end().catch(() => {});
        return;
      }
      this.client = client;
      this.warnings.recovered("LISTEN connection failed, retrying");
      pause = firstRetryMs;
      for (const set of this.handlers.values()) for (const handler of set) handler.listening();
      const err = await ended;
      this.client = undefined;
      if (this.closed) return;
      this.warnings.warn(err ?? new Error("connection ended"), "LISTEN connection lost, reconnecting");
      await sleep(firstRetryMs);
    }
  }
}
