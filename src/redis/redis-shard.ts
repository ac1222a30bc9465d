import { Cluster, Redis, type RedisOptions } from "ioredis";
import type { Logger } from "pino";
import { OncePerCause } from "../lifecycle/log-limits.js";
import type { HostPort } from "./redis-address.js";
import type { ShardOptions } from "./shard-options.js";

/** A command connection to a shard: one server (plain or behind Sentinel) or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

const unreachable = "unreachable, retrying";

/** Pause before reconnecting (Centrifugo's 250 ms). */
export const reconnectDelayMs = 250;

/**
 * Connection options every connection to the shard shares. Commands fail
 * fast while the connection is down and are never replayed after a
 * reconnect: a publish that might have run must not run twice.
 */
function commonOptions(o: ShardOptions): RedisOptions {
  return {
    db: o.db,
    username: o.user || undefined,
    password: o.password || undefined,
    connectionName: o.clientName || undefined,
    tls: o.tls,
    connectTimeout: o.connectTimeout,
    commandTimeout: o.ioTimeout,
    // A connection that stops answering is dropped and made again, not waited on.
    socketTimeout: o.ioTimeout,
    protocol: o.resp2 ? 2 : 3,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    disableClientInfo: true,
  };
}

function serverOptions(o: ShardOptions, node: HostPort | undefined): RedisOptions {
  const t = o.target;
  switch (t.kind) {
    case "server":
      return { host: t.host, port: t.port };
    case "socket":
      return { path: t.path };
    case "sentinel":
      return {
        sentinels: t.sentinels,
        name: t.masterName,
        sentinelUsername: o.sentinelUser || undefined,
        sentinelPassword: o.sentinelPassword || undefined,
        sentinelTLS: o.sentinelTls,
        enableTLSForSentinelMode: o.sentinelTls !== undefined,
        sentinelCommandTimeout: o.ioTimeout,
        failoverDetector: true,
      };
    case "cluster":
      return { host: node?.host ?? t.seeds[0]!.host, port: node?.port ?? t.seeds[0]!.port };
  }
}

/**
 * Whether a plain server runs in cluster mode (then keys get hash tags and
 * commands follow slots); a server that refuses INFO (ACL) is taken as plain.
 */
async function clusterEnabled(client: Redis): Promise<boolean> {
  const info = await client.info("cluster").catch(() => "");
  return /cluster_enabled:1/.test(info);
}

/**
 * One Redis shard: an auto-pipelined command connection (Redis or Cluster)
 * and the options dedicated PUB/SUB connections are opened with. A plain
 * address is checked for cluster mode at connect time, as Centrifugo does.
 */
export class RedisShard {
  private client: RedisClient | undefined;
  /** The last problem logged per kind of connection, so an outage is one line per kind, not one per retry. */
  private readonly warnings = new OncePerCause();

  constructor(
    readonly options: ShardOptions,
    private readonly log: Logger,
  ) {}

  /** The command connection; only valid after connect(). */
  get command(): RedisClient {
    if (!this.client) throw new Error(`Redis shard ${this.options.label} is not connected`);
    return this.client;
  }

  get cluster(): boolean {
    return this.client instanceof Cluster;
  }

  /** Connects, retrying (and saying so once per reason in the log) until Redis answers. */
  async connect(): Promise<void> {
    const o = this.options;
    let client: RedisClient =
      o.target.kind === "cluster" ? this.newCluster(o.target.seeds) : this.newServer();
    await this.ready(client);
    if (client instanceof Redis && o.target.kind === "server" && (await clusterEnabled(client))) {
      client.disconnect();
      client = this.newCluster([o.target]);
      await this.ready(client);
    }
    this.client = client;
    this.log.info({ redis: o.label, cluster: this.cluster }, "connected to Redis");
  }

  /**
   * Options for a dedicated PUB/SUB connection that does not reconnect by
   * itself (its owner reconnects and resubscribes). In a cluster any node
   * will do: classic PUBLISH reaches every node.
   */
  pubSubOptions(): RedisOptions {
    let node: HostPort | undefined;
    if (this.client instanceof Cluster) {
      const nodes = this.client.nodes("all");
      const picked = nodes[Math.floor(Math.random() * nodes.length)];
      if (picked) node = { host: picked.options.host!, port: picked.options.port! };
    }
    return {
      ...commonOptions(this.options),
      ...serverOptions(this.options, node),
      db: this.options.target.kind === "cluster" || this.client instanceof Cluster ? 0 : this.options.db,
      autoResubscribe: false,
      retryStrategy: () => null,
      lazyConnect: true,
    };
  }

  /** Logs a connection problem, once per kind (`what`) and distinct message. */
  warn(err: Error, what: string): void {
    if (!this.warnings.first(what, err.message)) return;
    this.log.warn({ redis: this.options.label }, `Redis at ${this.options.label} ${what}: ${err.message}`);
  }

  /** A connection of that kind works again: its next problem is worth a line. */
  recovered(what: string): void {
    this.warnings.recovered(what);
  }

  close(): void {
    this.client?.disconnect();
    this.client = undefined;
  }

  private newServer(): Redis {
    return new Redis({
      ...commonOptions(this.options),
      ...serverOptions(this.options, undefined),
      enableAutoPipelining: true,
      retryStrategy: () => reconnectDelayMs,
      reconnectOnError: (err) => err.message.startsWith("READONLY"),
    });
  }

  private newCluster(seeds: HostPort[]): Cluster {
    const { db: _db, ...redisOptions } = commonOptions(this.options);
    return new Cluster(seeds, {
      redisOptions,
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      clusterRetryStrategy: () => reconnectDelayMs,
      slotsRefreshTimeout: this.options.ioTimeout,
    });
  }

  /** Waits for the connection to be usable, logging why it is not meanwhile. */
  private async ready(client: RedisClient): Promise<void> {
    client.on("error", (err: Error) => this.warn(err, unreachable));
    client.on("ready", () => {
      if (this.warnings.failing(unreachable))
        this.log.info({ redis: this.options.label }, "Redis connection is back");
      this.recovered(unreachable);
    });
    if (client.status !== "ready") await new Promise((resolve) => client.once("ready", resolve));
  }
}
