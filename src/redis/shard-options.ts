import type { ConnectionOptions } from "node:tls";
import { clientTlsOptions } from "../config/client-tls.js";
import type { RedisConnectionConfig } from "../config/engine-schema.js";
import {
  type AddressOverrides,
  parseHostPortList,
  parseRedisAddress,
  type RedisTarget,
} from "./redis-address.js";

/** Everything needed to connect to one shard, config-level options and address overrides merged. */
export interface ShardOptions {
  readonly target: RedisTarget;
  /** The address as configured, without credentials: what logs name. */
  readonly label: string;
  readonly db: number;
  readonly user: string;
  readonly password: string;
  readonly clientName: string;
  readonly connectTimeout: number;
  readonly ioTimeout: number;
  readonly resp2: boolean;
  readonly tls: ConnectionOptions | undefined;
  readonly sentinelUser: string;
  readonly sentinelPassword: string;
  readonly sentinelClientName: string;
  readonly sentinelTls: ConnectionOptions | undefined;
}

const withoutCredentials = (address: string) => address.replace(/\/\/[^@/]*@/, "//");

/**
 * The shards a Redis config describes: `cluster_address` entries, else
 * `sentinel_address` entries, else `address` entries, each one shard.
 * Errors name the offending entry, in the words Centrifugo uses.
 */
export function shardOptions(config: RedisConnectionConfig): { shards: ShardOptions[] } | { error: string } {
  const shards: ShardOptions[] = [];
  const legacy =
    config.cluster_address.length > 0 ? "cluster" : config.sentinel_address.length > 0 ? "sentinel" : "";
  const entries =
    legacy === "cluster"
      ? config.cluster_address
      : legacy === "sentinel"
        ? config.sentinel_address
        : config.address;
  if (entries.length === 0) return { error: "no Redis address configured" };
  for (const entry of entries) {
    let target: RedisTarget;
    let overrides: AddressOverrides = {};
    if (legacy !== "") {
      const list = parseHostPortList(entry, legacy === "cluster" ? "Redis Cluster" : "Redis Sentinel");
      if ("error" in list) return list;
      if (legacy === "cluster") target = { kind: "cluster", seeds: list };
      else {
        if (!config.sentinel_master_name)
          return { error: "master name must be set when using Redis Sentinel" };
        target = { kind: "sentinel", sentinels: list, masterName: config.sentinel_master_name };
      }
    } else {
      const parsed = parseRedisAddress(entry);
      if ("error" in parsed) return parsed;
      target = parsed.target;
      overrides = parsed.overrides;
    }
    const o = overrides;
    shards.push({
      target,
      label: withoutCredentials(entry),
      db: o.db ?? config.db,
      user: o.user ?? config.user,
      password: o.password ?? config.password,
      clientName: config.client_name,
      connectTimeout: o.connectTimeout ?? config.connect_timeout,
      ioTimeout: o.ioTimeout ?? config.io_timeout,
      resp2: o.forceResp2 ?? config.force_resp2,
      tls: clientTlsOptions(config.tls, o.tls),
      sentinelUser: o.sentinelUser ?? config.sentinel_user,
      sentinelPassword: o.sentinelPassword ?? config.sentinel_password,
      sentinelClientName: config.sentinel_client_name,
      sentinelTls: clientTlsOptions(config.sentinel_tls, o.sentinelTls),
    });
  }
  return { shards };
}
