import type { ChannelOptions } from "./namespace-schema.js";
import type { Config } from "./schema.js";

const mapTypes = new Set(["map", "map_clients", "map_users"]);

/** Whether a namespace's subscriptions are maps (`map`, `map_clients` or `map_users`). */
export function isMapNamespace(options: ChannelOptions): boolean {
  return mapTypes.has(options.subscription_type);
}

/** The `map{}` rules of one namespace (Centrifugo's validation), one message per violation naming the key. */
function checkMapBlock(where: string, options: ChannelOptions): string[] {
  const out: string[] = [];
  const m = options.map;
  const at = `${where}.map`;
  if (!isMapNamespace(options)) {
    if (m.remove_client_on_unsubscribe) {
      out.push(`${at}.remove_client_on_unsubscribe: needs subscription_type map, map_clients or map_users`);
    }
    return out;
  }
  if (m.mode === "") {
    out.push(
      `${at}.mode: required for subscription_type ${options.subscription_type} (ephemeral, recoverable or persistent)`,
    );
    return out;
  }
  if (m.mode === "persistent") {
    if (m.key_ttl !== 0) out.push(`${at}.key_ttl: must be 0 in persistent mode (keys never expire)`);
    if (options.subscription_type !== "map") {
      out.push(`${at}.mode: persistent is not allowed for subscription_type ${options.subscription_type}`);
    }
  } else if (m.key_ttl <= 0) {
    out.push(`${at}.key_ttl: required in ${m.mode} mode`);
  }
  if (m.mode === "ephemeral") {
    for (const key of ["stream_size", "stream_ttl", "meta_ttl"] as const) {
      if (m[key] !== 0) out.push(`${at}.${key}: must be 0 in ephemeral mode (no stream)`);
    }
  } else if (m.meta_ttl > 0) {
    if (m.stream_ttl > 0 && m.meta_ttl < m.stream_ttl)
      out.push(`${at}.meta_ttl: must not be less than stream_ttl`);
    if (m.meta_ttl < m.key_ttl) out.push(`${at}.meta_ttl: must not be less than key_ttl`);
  }
  const sizes = [m.min_page_size, m.default_page_size, m.max_page_size].filter((n) => n > 0);
  if (sizes.some((n, i) => i > 0 && n < sizes[i - 1]!)) {
    out.push(`${at}: page sizes must satisfy min_page_size <= default_page_size <= max_page_size`);
  }
  if (m.client_key !== "" && (m.publish_proxy_enabled || m.remove_proxy_enabled)) {
    out.push(`${at}.client_key: can not be used with publish_proxy_enabled or remove_proxy_enabled`);
  }
  return out;
}

/** The `shared_poll{}` rules of one namespace, and the signing key its track requests need. */
function checkSharedPollBlock(config: Config, where: string, options: ChannelOptions): string[] {
  if (options.subscription_type !== "shared_poll") return [];
  const out: string[] = [];
  const at = `${where}.shared_poll`;
  if (config.shared_poll.hmac_secret_key === "") {
    out.push(`shared_poll.hmac_secret_key: required when ${where} has subscription_type shared_poll`);
  }
  const sp = options.shared_poll;
  if (sp.publish_enabled && sp.mode !== "versioned") {
    out.push(`${at}.publish_enabled: needs ${at}.mode versioned`);
  }
  if (sp.refresh_interval <= 0) out.push(`${at}.refresh_interval: must be positive`);
  return out;
}

/** A presence prefix must name a namespace of the matching map kind. */
function checkPresencePrefix(
  config: Config,
  where: string,
  key: "map_clients_presence_channel_prefix" | "map_users_presence_channel_prefix",
  prefix: string,
): string[] {
  if (prefix === "") return [];
  const kind = key === "map_clients_presence_channel_prefix" ? "map_clients" : "map_users";
  const boundary = config.channel.namespace_boundary;
  const at = prefix.indexOf(boundary);
  const name = at < 0 ? "" : prefix.slice(0, at);
  const target =
    name === "" ? config.channel.without_namespace : config.channel.namespaces.find((ns) => ns.name === name);
  if (!target) return [`${where}.${key}: "${prefix}" is in namespace "${name}", which is not configured`];
  if (target.subscription_type !== kind) {
    return [`${where}.${key}: "${prefix}" is in a namespace whose subscription_type is not ${kind}`];
  }
  return [];
}

/** Every map rule of the config: each namespace's `map{}` block, presence prefixes and the map broker. */
export function checkMaps(config: Config): string[] {
  const out: string[] = [];
  const namespaces: [string, ChannelOptions][] = [
    ["channel.without_namespace", config.channel.without_namespace],
    ...config.channel.namespaces.map((ns, i): [string, ChannelOptions] => [`channel.namespaces[${i}]`, ns]),
  ];
  for (const [where, options] of namespaces) {
    out.push(...checkMapBlock(where, options), ...checkSharedPollBlock(config, where, options));
    for (const key of ["map_clients_presence_channel_prefix", "map_users_presence_channel_prefix"] as const) {
      out.push(...checkPresencePrefix(config, where, key, options[key]));
    }
  }
  const redis = config.map_broker.redis;
  if (config.map_broker.type === "redis" && redis.cluster_address.length > 0) {
    out.push(
      "map_broker.redis.cluster_address: Redis Cluster can not hold maps (they need sharded PUB/SUB); use client-side sharding (several address values) or Sentinel",
    );
  }
  return out;
}
