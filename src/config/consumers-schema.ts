import { z } from "zod";
import { clientTlsSchema } from "./client-tls.js";
import { redisConnectionShape } from "./engine-schema.js";
import { countOrDefault as count, periodOrDefault as period } from "./schema-types.js";

const list = () => z.array(z.string()).default([]);

/**
 * Publication data mode: the message body is the data to publish, and the
 * message's metadata names the channels and options. The metadata names
 * are the same six in every consumer, their keys suffixed by what carries
 * them (`channels_header`, `channels_value`, `channels_attribute`…); once
 * parsed, one shape for all.
 */
export interface PublicationDataMode {
  readonly enabled: boolean;
  readonly channels: string;
  readonly idempotencyKey: string;
  readonly delta: string;
  readonly version: string;
  readonly versionEpoch: string;
  readonly tagsPrefix: string;
}

function publicationDataMode(kind: "header" | "value" | "attribute" | "property") {
  return z
    .strictObject({
      enabled: z.boolean().default(false),
      [`channels_${kind}`]: z.string().default("centrifugo-channels"),
      [`idempotency_key_${kind}`]: z.string().default("centrifugo-idempotency-key"),
      [`delta_${kind}`]: z.string().default("centrifugo-delta"),
      [`version_${kind}`]: z.string().default("centrifugo-version"),
      [`version_epoch_${kind}`]: z.string().default("centrifugo-version-epoch"),
      [`tags_${kind}_prefix`]: z.string().default("centrifugo-tag-"),
    })
    .prefault({})
    .transform((o): PublicationDataMode => {
      const name = (key: string) => o[key] as string;
      return {
        enabled: o.enabled as boolean,
        channels: name(`channels_${kind}`),
        idempotencyKey: name(`idempotency_key_${kind}`),
        delta: name(`delta_${kind}`),
        version: name(`version_${kind}`),
        versionEpoch: name(`version_epoch_${kind}`),
        tagsPrefix: name(`tags_${kind}_prefix`),
      };
    });
}

const postgresqlSchema = () =>
  z
    .strictObject({
      dsn: z.string().default(""),
      outbox_table_name: z.string().default(""),
      num_partitions: count(1),
      partition_select_limit: count(100),
      partition_poll_interval: period("300ms"),
      partition_notification_channel: z.string().default(""),
      partition_notification_dsn: z.string().default(""),
      tls: clientTlsSchema(),
      use_try_lock: z.boolean().default(false),
    })
    .prefault({});

function redisConnectionWithoutPrefix() {
  const { prefix: _prefix, ...connection } = redisConnectionShape();
  return connection;
}

const redisStreamSchema = () =>
  z
    .strictObject({
      ...redisConnectionWithoutPrefix(),
      replica_client: z.strictObject({ enabled: z.boolean().default(false) }).prefault({}),
      streams: list(),
      consumer_group: z.string().default(""),
      visibility_timeout: period("30s"),
      num_workers: count(1),
      payload_value: z.string().default("payload"),
      method_value: z.string().default("method"),
      publication_data_mode: publicationDataMode("value"),
    })
    .prefault({});

const natsJetStreamSchema = () =>
  z
    .strictObject({
      url: z.string().default("nats://127.0.0.1:4222"),
      credentials_file: z.string().default(""),
      username: z.string().default(""),
      password: z.string().default(""),
      token: z.string().default(""),
      stream_name: z.string().default(""),
      durable_consumer_name: z.string().default(""),
      use_existing_consumer: z.boolean().default(false),
      subjects: list(),
      deliver_policy: z.string().default("new"),
      max_ack_pending: count(100),
      method_header: z.string().default("centrifugo-method"),
      publication_data_mode: publicationDataMode("header"),
      tls: clientTlsSchema(),
    })
    .prefault({});

const kafkaSchema = () =>
  z
    .strictObject({
      brokers: list(),
      topics: list(),
      consumer_group: z.string().default(""),
      max_poll_records: count(100),
      fetch_max_bytes: z.number().int().min(0).default(0),
      fetch_max_wait: period("500ms"),
      fetch_read_uncommitted: z.boolean().default(false),
      partition_queue_max_size: z.number().int().min(-1).default(1000),
      dial_timeout: period("3s"),
      tls: clientTlsSchema(),
      sasl_mechanism: z.string().default(""),
      sasl_user: z.string().default(""),
      sasl_password: z.string().default(""),
      assume_role_arn: z.string().default(""),
      instance_id: z.string().default(""),
      method_header: z.string().default("centrifugo-method"),
      publication_data_mode: publicationDataMode("header"),
    })
    .prefault({});

const googlePubSubSchema = () =>
  z
    .strictObject({
      project_id: z.string().default(""),
      subscriptions: list(),
      max_outstanding_messages: count(100),
      max_outstanding_bytes: count(1_000_000),
      auth_mechanism: z.string().default(""),
      credentials_file: z.string().default(""),
      method_attribute: z.string().default("centrifugo-method"),
      publication_data_mode: publicationDataMode("attribute"),
    })
    .prefault({});

const awsSqsSchema = () =>
  z
    .strictObject({
      queues: list(),
      sns_envelope: z.boolean().default(false),
      region: z.string().default(""),
      max_number_of_messages: count(10),
      wait_time_time: period("20s"),
      visibility_timeout: period("30s"),
      max_concurrency: count(1),
      credentials_profile: z.string().default(""),
      assume_role_arn: z.string().default(""),
      localstack_endpoint: z.string().default(""),
      method_attribute: z.string().default("centrifugo-method"),
      publication_data_mode: publicationDataMode("attribute"),
    })
    .prefault({});

const azureServiceBusSchema = () =>
  z
    .strictObject({
      connection_string: z.string().default(""),
      use_azure_identity: z.boolean().default(false),
      fully_qualified_namespace: z.string().default(""),
      tenant_id: z.string().default(""),
      client_id: z.string().default(""),
      client_secret: z.string().default(""),
      queues: list(),
      use_sessions: z.boolean().default(false),
      max_concurrent_calls: count(1),
      max_receive_messages: count(1),
      method_property: z.string().default("centrifugo-method"),
      publication_data_mode: publicationDataMode("property"),
    })
    .prefault({});

/**
 * One entry of `consumers`, in Centrifugo's shape: a name, a switch, a type,
 * and the options of each type under the type's own key. The type is a
 * plain string here so that an unknown one gets Centrifugo's message.
 */
export const consumerSchema = () =>
  z.strictObject({
    name: z.string().default(""),
    enabled: z.boolean().default(false),
    type: z.string().default(""),
    postgresql: postgresqlSchema(),
    redis_stream: redisStreamSchema(),
    nats_jetstream: natsJetStreamSchema(),
    kafka: kafkaSchema(),
    google_pub_sub: googlePubSubSchema(),
    aws_sqs: awsSqsSchema(),
    azure_service_bus: azureServiceBusSchema(),
  });

/** `consumers`: where rotor reads publications and commands from besides the server API. */
export const consumersConfigShape = () => ({
  consumers: z.array(consumerSchema()).default([]),
});

/** One consumer entry after defaults. */
export type ConsumerConfig = z.output<ReturnType<typeof consumerSchema>>;
export type PostgresqlConsumerConfig = ConsumerConfig["postgresql"];
export type RedisStreamConsumerConfig = ConsumerConfig["redis_stream"];
export type NatsJetStreamConsumerConfig = ConsumerConfig["nats_jetstream"];
