import { z } from "zod";
import { namespaceMapSchema, namespaceSharedPollSchema, subscriptionTypes } from "./map-schema.js";
import { namespaceProxyShape } from "./proxy-schema.js";
import { duration } from "./schema-types.js";

/**
 * Options of a channel namespace (and of channels without namespace), named as
 * in Centrifugo v6. Defaults are Centrifugo's: everything off.
 */
const channelOptionsShape = () => ({
  presence: z.boolean().default(false),
  join_leave: z.boolean().default(false),
  force_push_join_leave: z.boolean().default(false),
  history_size: z.number().int().min(0).default(0),
  history_ttl: duration("0"),
  history_meta_ttl: duration("0"),
  force_recovery: z.boolean().default(false),
  allow_recovery: z.boolean().default(false),
  force_recovery_mode: z.enum(["", "stream", "cache"]).default(""),
  /** With cache recovery: every subscribe gets the latest publication, asked to recover or not. */
  auto_cache_recover: z.boolean().default(false),
  force_positioning: z.boolean().default(false),
  allow_positioning: z.boolean().default(false),
  allowed_delta_types: z.array(z.enum(["fossil"])).default([]),
  delta_publish: z.boolean().default(false),
  allow_subscribe_for_client: z.boolean().default(false),
  allow_subscribe_for_anonymous: z.boolean().default(false),
  allow_publish_for_client: z.boolean().default(false),
  allow_publish_for_subscriber: z.boolean().default(false),
  allow_publish_for_anonymous: z.boolean().default(false),
  allow_presence_for_client: z.boolean().default(false),
  allow_presence_for_subscriber: z.boolean().default(false),
  allow_presence_for_anonymous: z.boolean().default(false),
  allow_history_for_client: z.boolean().default(false),
  allow_history_for_subscriber: z.boolean().default(false),
  allow_history_for_anonymous: z.boolean().default(false),
  allow_user_limited_channels: z.boolean().default(false),
  allow_tags_filter: z.boolean().default(false),
  channel_regex: z.string().default(""),
  publication_data_format: z.enum(["", "json", "json_object", "binary"]).default(""),
  subscription_type: z.enum(subscriptionTypes).default(""),
  map: namespaceMapSchema(),
  shared_poll: namespaceSharedPollSchema(),
  /** Subscribers of a channel here are listed, by client, in the map channel this prefix names. */
  map_clients_presence_channel_prefix: z.string().default(""),
  /** Subscribers of a channel here are listed, by user, in the map channel this prefix names. */
  map_users_presence_channel_prefix: z.string().default(""),
  /** Centrifugo PRO's batching of client map publishes: accepted with a warning, as Centrifugo OSS does. */
  client_publish_debounce_interval: duration("0"),
  ...namespaceProxyShape(),
});

export const channelOptionsSchema = () => z.strictObject(channelOptionsShape());

export const namespaceSchema = () =>
  z.strictObject({
    name: z.string().regex(/^[-a-zA-Z0-9_.]{2,}$/, "namespace name must match ^[-a-zA-Z0-9_.]{2,}$"),
    ...channelOptionsShape(),
  });

/** Resolved options of one channel namespace. */
export type ChannelOptions = z.output<ReturnType<typeof channelOptionsSchema>>;
