import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import {
  connect,
  type NatsConnection,
  type NodeConnectionOptions,
  type Subscription,
} from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { NatsConfig } from "../config/engine-schema.js";
import { OncePerCause } from "../lifecycle/log-limits.js";
import { type NatsServers, parseNatsUrl } from "./nats-url.js";

/** Pause between connection attempts, at start and after a loss (rotor's Redis pause too). */
const reconnectWaitMs = 250;
/** A connection that answers no PING for two rounds is replaced: a silent link is found within ~30 s. */
const pingIntervalMs = 10_000;

const pem = (text: string, file: string) => text || (file ? readFileSync(file, "utf8") : undefined);

function connectOptions(config: NatsConfig, servers: NatsServers): NodeConnectionOptions {
  const t = config.tls;
  const tls =
    t.enabled || servers.tls
      ? {
          cert: pem(t.cert_pem, t.cert_pem_file),
          key: pem(t.key_pem, t.key_pem_file),
          ca: pem(t.server_ca_pem, t.server_ca_pem_file),
          rejectUnauthorized: !t.insecure_skip_verify,
          ...(t.server_name ? { servername: t.server_name } : {}),
        }
      : undefined;
  return {
    servers: servers.servers,
    user: servers.user,
    pass: servers.pass,
    token: servers.token,
    tls,
    timeout: config.dial_timeout,
    // Reconnect forever, Centrifugo's MaxReconnects(-1); credentials that fail do not end it either.
    reconnect: true,
    maxReconnectAttempts: -1,
    ignoreAuthErrorAbort: true,
    reconnectTimeWait: reconnectWaitMs,
    pingInterval: pingIntervalMs,
    maxPingOut: 2,
  };
}

/**
 * The NATS connection of one `broker.nats` section, shared by the broker and
 * the controller. At start it waits for NATS as long as it takes (saying so
 * once per reason in the log), as rotor does for Redis; once connected it
 * reconnects forever and resubscribes by itself. Nothing is buffered while
 * the connection is down (Centrifugo's ReconnectBufSize(-1)): a publish then
 * fails at once instead of going out late or never.
 */
export class NatsClient {
  private readonly servers: NatsServers;
  private readonly options: NodeConnectionOptions;
  private connection: NatsConnection | undefined;
  private connecting: Promise<void> | undefined;
  private up = false;
  private closed = false;
  private users = 0;
  private readonly warnings = new OncePerCause();

  /** Throws when `url` or a TLS file cannot be read, naming the option. */
  constructor(
    readonly config: NatsConfig,
    private readonly log: Logger,
  ) {
    const parsed = parseNatsUrl(config.url);
    if ("error" in parsed) throw new Error(`NATS configuration: broker.nats.url: ${parsed.error}`);
    this.servers = parsed;
    this.options = connectOptions(config, parsed);
  }

  get prefix(): string {
    return this.config.prefix;
  }

  /** Connects (waiting for NATS as long as it takes); each user calls it once. */
  connect(): Promise<void> {
    this.users += 1;
    this.connecting ??= this.dial();
    return this.connecting;
  }

  /** Sends a message; throws at once while the connection is down. */
  publish(subject: string, data: Uint8Array): void {
    this.live().publish(subject, data);
  }

  /** Subscribes a subject (wildcards allowed); throws at once while the connection is down. */
  subscribe(subject: string, onMessage: (data: Uint8Array, subject: string) => void): Subscription {
    return this.live().subscribe(subject, {
      callback: (err, msg) => {
        if (!err) onMessage(msg.data, msg.subject);
      },
    });
  }

  /** Resolves once NATS has handled everything sent so far; fails after `write_timeout`. */
  async flush(): Promise<void> {
    const flushed = this.live().flush();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`NATS did not answer within ${this.config.write_timeout} ms`)),
        this.config.write_timeout,
      );
    });
    flushed.catch(() => {});
    try {
      await Promise.race([flushed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** One user is done; the connection closes with the last, after what was sent has gone out. */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    this.closed = true;
    const connection = this.connection;
    this.connection = undefined;
    if (!connection) return;
    if (this.up) await this.flush().catch(() => {});
    await connection.close();
  }

  private live(): NatsConnection {
    if (!this.connection || !this.up) throw new Error(`NATS at ${this.servers.label} is not connected`);
    return this.connection;
  }

  private async dial(): Promise<void> {
    while (!this.closed) {
      try {
        const connection = await connect(this.options);
        if (this.closed) {
          await connection.close();
          return;
        }
        this.connection = connection;
        this.up = true;
        this.warnings.reset();
        this.log.info({ nats: this.servers.label }, `connected to NATS at ${connection.getServer()}`);
        void this.watch(connection);
        return;
      } catch (err) {
        this.warn(`unreachable, retrying: ${(err as Error).message}`);
        await sleep(reconnectWaitMs);
      }
    }
  }

  /** Follows the connection's state: publishes fail fast while it is down; losses and returns are logged. */
  private async watch(connection: NatsConnection): Promise<void> {
    for await (const status of connection.status()) {
      if (status.type === "disconnect") {
        this.up = false;
        this.warn("connection lost, reconnecting");
      } else if (status.type === "reconnect") {
        this.up = true;
        this.warnings.reset();
        this.log.info({ nats: this.servers.label }, "NATS connection is back");
      } else if (status.type === "close") {
        this.up = false;
      }
    }
  }

  /** Logs a connection problem once per distinct message, so an outage is one line, not one per retry. */
  private warn(what: string): void {
    if (!this.warnings.first("connection", what)) return;
    this.log.warn({ nats: this.servers.label }, `NATS at ${this.servers.label} ${what}`);
  }
}
