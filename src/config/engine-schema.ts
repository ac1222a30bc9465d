import { z } from "zod";
import { duration } from "./schema-types.js";

/** TLS towards Redis or a Sentinel, in Centrifugo's shape: PEM text or files. */
const redisTlsSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    cert_pem: z.string().default(""),
    cert_pem_file: z.string().default(""),
    key_pem: z.string().default(""),
    key_pem_file: z.string().default(""),
    server_ca_pem: z.string().default(""),
    server_ca_pem_file: z.string().default(""),
    insecure_skip_verify: z.boolean().default(false),
    server_name: z.string().default(""),
  })
  .prefault({});

/** One address or several (client-side sharding); from the environment, space-separated. */
const addressList = (defaultValue: string[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .default(defaultValue)
    .transform((value) => (typeof value === "string" ? value.split(/\s+/).filter((a) => a !== "") : value));

/** How to reach Redis: Centrifugo v6's `redis` options shared by engine, broker and presence manager. */
const redisConnectionShape = {
  address: addressList(["redis://127.0.0.1:6379"]),
  prefix: z.string().default("centrifugo"),
  connect_timeout: duration("1s"),
  io_timeout: duration("4s"),
  db: z.number().int().min(0).default(0),
  user: z.string().default(""),
  password: z.string().default(""),
  client_name: z.string().default(""),
  force_resp2: z.boolean().default(false),
  tls: redisTlsSchema,
  cluster_address: addressList([]),
  sentinel_address: addressList([]),
  sentinel_master_name: z.string().default(""),
  sentinel_user: z.string().default(""),
  sentinel_password: z.string().default(""),
  sentinel_client_name: z.string().default(""),
  sentinel_tls: redisTlsSchema,
};

const presenceShape = {
  presence_ttl: duration("60s"),
  presence_user_mapping: z.boolean().default(false),
};

const brokerRedisSchema = z.strictObject(redisConnectionShape).prefault({});
const presenceRedisSchema = z.strictObject({ ...redisConnectionShape, ...presenceShape }).prefault({});
const engineRedisSchema = z.strictObject({ ...redisConnectionShape, ...presenceShape }).prefault({});

/**
 * Which engine carries publications, history, presence and node-to-node
 * control, in Centrifugo v6's shape: `engine` picks both halves, and
 * `broker` / `presence_manager` (when enabled) replace one half each.
 */
export const engineConfigShape = {
  engine: z
    .strictObject({
      type: z.enum(["memory", "redis"]).default("memory"),
      redis: engineRedisSchema,
    })
    .prefault({}),
  broker: z
    .strictObject({
      enabled: z.boolean().default(false),
      type: z.enum(["memory", "redis"]).default("memory"),
      redis: brokerRedisSchema,
    })
    .prefault({}),
  presence_manager: z
    .strictObject({
      enabled: z.boolean().default(false),
      type: z.enum(["memory", "redis"]).default("memory"),
      redis: presenceRedisSchema,
    })
    .prefault({}),
};

/** Connection options of one Redis setup (one or several shards). */
export type RedisConnectionConfig = z.output<typeof brokerRedisSchema>;
/** A Redis setup that also holds presence. */
export type RedisPresenceConfig = z.output<typeof presenceRedisSchema>;
