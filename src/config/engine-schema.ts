import { z } from "zod";
import { enginesWithRole } from "../core/engines.js";
import { clientTlsSchema } from "./client-tls.js";
import { countOrDefault as count, duration, periodOrDefault as period } from "./schema-types.js";

/** One address or several (client-side sharding); from the environment, space-separated. */
export const addressList = (defaultValue: string[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .default(defaultValue)
    .transform((value) => (typeof value === "string" ? value.split(/\s+/).filter((a) => a !== "") : value));

/** How to reach Redis: Centrifugo v6's `redis` options shared by engine, broker and presence manager. */
export const redisConnectionShape = () => ({
  address: addressList(["redis://127.0.0.1:6379"]),
  prefix: z.string().default("centrifugo"),
  connect_timeout: duration("1s"),
  io_timeout: duration("4s"),
  db: z.number().int().min(0).default(0),
  user: z.string().default(""),
  password: z.string().default(""),
  client_name: z.string().default(""),
  force_resp2: z.boolean().default(false),
  tls: clientTlsSchema(),
  cluster_address: addressList([]),
  sentinel_address: addressList([]),
  sentinel_master_name: z.string().default(""),
  sentinel_user: z.string().default(""),
  sentinel_password: z.string().default(""),
  sentinel_client_name: z.string().default(""),
  sentinel_tls: clientTlsSchema(),
});

const presenceShape = () => ({
  presence_ttl: duration("60s"),
  presence_user_mapping: z.boolean().default(false),
});

const brokerRedisSchema = () => z.strictObject(redisConnectionShape()).prefault({});

/** How to reach NATS and name subjects: Centrifugo v6's `broker.nats`. */
const brokerNatsSchema = () =>
  z
    .strictObject({
      /** One server or several, comma-separated; credentials may sit in the URL. */
      url: z.string().default("nats://localhost:4222"),
      prefix: z.string().default("centrifugo"),
      dial_timeout: duration("1s"),
      write_timeout: duration("1s"),
      tls: clientTlsSchema(),
      allow_wildcards: z.boolean().default(false),
      raw_mode: z
        .strictObject({
          enabled: z.boolean().default(false),
          channel_replacements: z.record(z.string(), z.string()).default({}),
          prefix: z.string().default(""),
        })
        .prefault({}),
    })
    .prefault({});
/**
 * The prefix of PostgreSQL table and function names, without trailing `_`.
 * It is spliced into SQL unquoted, so it must be a plain identifier;
 * PostgreSQL folds it to lower case, and rotor does too.
 */
const tablePrefix = () =>
  z
    .string()
    .default("cf")
    .transform((p) => p.replace(/_+$/, "") || "cf")
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier (letters, digits, _)")
        .transform((p) => p.toLowerCase()),
    );

/** A shard count PostgreSQL's SMALLINT `shard_id` can hold; 0 means the default. */
const shardCount = (defaultValue: number) => count(defaultValue).pipe(z.number().int().min(1).max(32767));

/**
 * How a PostgreSQL broker (stream or map) reaches its database and keeps its
 * outbox: Centrifugo v6.8's `broker.postgres` / `map_broker.postgres` keys.
 */
export const postgresOutboxShape = () => ({
  dsn: z.string().default(""),
  tls: clientTlsSchema(),
  pool_size: count(16),
  query_timeout: period("10s"),
  num_shards: shardCount(8),
  cleanup_interval: period("1m"),
  idempotent_result_ttl: period("5m"),
  binary_data: z.boolean().default(false),
  table_prefix: tablePrefix(),
  stream_retention: period("24h"),
  use_notify: z.boolean().default(false),
  notify_dsn: z.string().default(""),
  skip_schema_init: z.boolean().default(false),
  outbox: z.strictObject({ poll_interval: period("100ms"), batch_size: count(1000) }).prefault({}),
  partition_lookahead_days: count(2),
  /** Negative: never drop (0 is the default, as in Centrifugo). */
  partition_retention_days: z
    .number()
    .int()
    .default(7)
    .transform((n) => n || 7),
});

/** The PostgreSQL stream broker (`broker.postgres`). */
const brokerPostgresSchema = () => z.strictObject(postgresOutboxShape()).prefault({});
/**
 * The PostgreSQL controller: Centrifugo v6.8's `controller.postgres`, an
 * outbox table of node-to-node messages every node polls. A retention below
 * one day is one day (the table must not keep messages forever).
 */
const controllerPostgresSchema = () =>
  z
    .strictObject({
      dsn: z.string().default(""),
      tls: clientTlsSchema(),
      pool_size: count(8),
      query_timeout: period("10s"),
      num_shards: shardCount(1),
      table_prefix: tablePrefix(),
      poll_interval: period("50ms"),
      use_notify: z.boolean().default(false),
      notify_dsn: z.string().default(""),
      partition_retention_days: z
        .number()
        .int()
        .default(1)
        .transform((n) => Math.max(n, 1)),
      partition_lookahead_days: count(2),
      partition_cleanup_interval: period("1m"),
      batch_size: count(1000),
      skip_schema_init: z.boolean().default(false),
    })
    .prefault({});
const presenceRedisSchema = () =>
  z.strictObject({ ...redisConnectionShape(), ...presenceShape() }).prefault({});

/**
 * Which engine carries publications, history, presence and node-to-node
 * control, in Centrifugo v6's shape: `engine` picks both halves, and
 * `broker` / `presence_manager` (when enabled) replace one half each.
 */
export const engineConfigShape = () => ({
  engine: z
    .strictObject({
      type: z.enum(enginesWithRole("engine")).default("memory"),
      redis: presenceRedisSchema(),
    })
    .prefault({}),
  broker: z
    .strictObject({
      enabled: z.boolean().default(false),
      type: z.enum(enginesWithRole("broker")).default("memory"),
      redis: brokerRedisSchema(),
      nats: brokerNatsSchema(),
      postgres: brokerPostgresSchema(),
    })
    .prefault({}),
  presence_manager: z
    .strictObject({
      enabled: z.boolean().default(false),
      type: z.enum(enginesWithRole("presence")).default("memory"),
      redis: presenceRedisSchema(),
    })
    .prefault({}),
  /**
   * Node-to-node control apart from the broker (Centrifugo OSS knows only
   * `postgres`); off, the broker carries it when it can. The type is checked
   * only when enabled, as Centrifugo does.
   */
  controller: z
    .strictObject({
      enabled: z.boolean().default(false),
      type: z.string().default(""),
      postgres: controllerPostgresSchema(),
    })
    .prefault({}),
});

/** Connection options of one Redis setup (one or several shards). */
export type RedisConnectionConfig = z.output<ReturnType<typeof brokerRedisSchema>>;
/** The NATS broker's connection and subjects. */
export type NatsConfig = z.output<ReturnType<typeof brokerNatsSchema>>;
/** The PostgreSQL stream broker's connection, tables and polling. */
export type BrokerPostgresConfig = z.output<ReturnType<typeof brokerPostgresSchema>>;
/** The PostgreSQL controller's connection, tables and polling. */
export type ControllerPostgresConfig = z.output<ReturnType<typeof controllerPostgresSchema>>;
/** A Redis setup that also holds presence. */
export type RedisPresenceConfig = z.output<ReturnType<typeof presenceRedisSchema>>;
