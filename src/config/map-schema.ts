import { z } from "zod";
import { postgresOutboxShape, redisConnectionShape } from "./engine-schema.js";
import { duration, periodOrDefault, signedDuration } from "./schema-types.js";

/**
 * A namespace's `map{}` block: how a map channel keeps its keys (mode, key
 * and stream lifetimes), who may write into it from a connection, and how
 * subscribers page through its state. Names and defaults are Centrifugo's;
 * `0` for a size or duration means "the mode's default" where it has one.
 */
export const namespaceMapSchema = () =>
  z
    .strictObject({
      mode: z.enum(["", "ephemeral", "recoverable", "persistent"]).default(""),
      key_ttl: duration("0"),
      stream_size: z.number().int().min(0).default(0),
      stream_ttl: duration("0"),
      meta_ttl: duration("0"),
      remove_client_on_unsubscribe: z.boolean().default(false),
      client_key: z.enum(["", "client_id", "user_id"]).default(""),
      allow_publish_for_client: z.boolean().default(false),
      allow_publish_for_subscriber: z.boolean().default(false),
      allow_publish_for_anonymous: z.boolean().default(false),
      allow_remove_for_client: z.boolean().default(false),
      allow_remove_for_subscriber: z.boolean().default(false),
      allow_remove_for_anonymous: z.boolean().default(false),
      publish_proxy_enabled: z.boolean().default(false),
      publish_proxy_name: z.string().default("default"),
      remove_proxy_enabled: z.boolean().default(false),
      remove_proxy_name: z.string().default("default"),
      default_page_size: z.number().int().min(0).default(0),
      min_page_size: z.number().int().min(0).default(0),
      max_page_size: z.number().int().min(0).default(0),
      live_transition_max_publication_limit: z.number().int().min(0).default(0),
      subscribe_catch_up_timeout: signedDuration("0"),
    })
    .prefault({});

/** The map proxies (`channel.proxy.<kind>`) and the `map{}` keys that turn each on and name it. */
export const mapProxySwitches = [
  ["map_publish", "publish_proxy_enabled", "publish_proxy_name"],
  ["map_remove", "remove_proxy_enabled", "remove_proxy_name"],
] as const;

/** A namespace's resolved `map{}` block. */
export type NamespaceMapConfig = z.output<ReturnType<typeof namespaceMapSchema>>;

/** The subscription kinds a namespace can hold (`subscription_type`; `""` is a stream). */
export const subscriptionTypes = ["", "stream", "map", "map_clients", "map_users", "shared_poll"] as const;

/** Where map channels keep their keys: `map_broker` (`{}` is the in-process memory broker). */
export const mapBrokerSchema = () =>
  z
    .strictObject({
      type: z.enum(["memory", "redis", "postgres"]).default("memory"),
      redis: z
        .strictObject({
          ...redisConnectionShape(),
          cleanup_interval: signedDuration("1s"),
          cleanup_batch_size: z.number().int().min(0).default(100),
          idempotent_result_ttl: duration("5m"),
          skip_pub_sub: z.boolean().default(false),
          replica_client: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
        })
        .prefault({}),
      /** The PostgreSQL map broker: the stream broker's keys plus how often expired keys are removed. */
      postgres: z
        .strictObject({ ...postgresOutboxShape(), ttl_check_interval: periodOrDefault("1s") })
        .prefault({}),
    })
    .prefault({});

/** The resolved `map_broker` section. */
export type MapBrokerConfig = z.output<ReturnType<typeof mapBrokerSchema>>;
/** The PostgreSQL map broker's connection, tables, polling and expiry. */
export type MapBrokerPostgresConfig = MapBrokerConfig["postgres"];

/** A namespace's `shared_poll{}` block: how the server polls the backend for the keys its subscribers track. */
export const namespaceSharedPollSchema = () =>
  z
    .strictObject({
      proxy_name: z.string().default(""),
      refresh_interval: duration("10s"),
      refresh_batch_size: z.number().int().min(0).default(1000),
      max_keys_per_connection: z.number().int().min(0).default(5000),
      mode: z.enum(["", "versionless", "versioned"]).default(""),
      channel_shutdown_delay: signedDuration("1s"),
      track_expired_extra_delay: duration("25s"),
      publish_enabled: z.boolean().default(false),
    })
    .prefault({});

/** A namespace's resolved `shared_poll{}` block. */
export type NamespaceSharedPollConfig = z.output<ReturnType<typeof namespaceSharedPollSchema>>;

/** The proxy a shared poll namespace refreshes its keys through: `""` is `channel.proxy.shared_poll_refresh`. */
export const sharedPollProxyName = (ns: { shared_poll: { proxy_name: string } }): string =>
  ns.shared_poll.proxy_name || "default";

/** The top-level `shared_poll{}` section: the key that signs track requests, and the backend call budget. */
export const sharedPollSchema = () =>
  z
    .strictObject({
      hmac_secret_key: z.string().default(""),
      hmac_previous_secret_key: z.string().default(""),
      hmac_previous_secret_key_valid_until: z.number().int().min(0).default(0),
      concurrency_limit: z.number().int().min(0).default(64),
    })
    .prefault({});
