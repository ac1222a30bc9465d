import type { ConsumerConfig, PublicationDataMode } from "./consumers-schema.js";

/** The consumer types rotor runs. */
export const runnableConsumerTypes = ["postgresql", "redis_stream", "nats_jetstream"] as const;
export type RunnableConsumerType = (typeof runnableConsumerTypes)[number];

/** Types Centrifugo knows and rotor validates but does not run: an enabled one stops the start. */
const refusedTypes = ["kafka", "google_pub_sub", "aws_sqs", "azure_service_bus"] as const;

const namePattern = /^[a-zA-Z0-9_]{2,}$/;

const kafkaMechanisms = ["", "plain", "scram-sha-256", "scram-sha-512", "aws-msk-iam"];

function dataMode(mode: PublicationDataMode, what: string): string[] {
  return mode.enabled && mode.channels === "" ? [`no ${what} provided for publication data mode`] : [];
}

/** What is wrong with an enabled consumer's own options, in Centrifugo's words where it has them. */
function typeProblems(c: ConsumerConfig): string[] {
  const out: string[] = [];
  const need = (value: string | readonly string[], message: string) => {
    if (value.length === 0) out.push(message);
  };
  switch (c.type) {
    case "postgresql":
      need(c.postgresql.dsn, "no Postgres DSN provided");
      need(c.postgresql.outbox_table_name, "no Postgres outbox table name provided");
      break;
    case "redis_stream":
      need(c.redis_stream.streams, "no Redis streams provided");
      need(c.redis_stream.consumer_group, "no Redis consumer_group provided");
      out.push(...dataMode(c.redis_stream.publication_data_mode, "Redis channels_value"));
      break;
    case "nats_jetstream": {
      const o = c.nats_jetstream;
      need(o.url, "no NATS url provided");
      need(o.stream_name, "no NATS stream_name provided");
      need(o.durable_consumer_name, "no NATS durable_consumer_name provided");
      if (o.deliver_policy !== "new" && o.deliver_policy !== "all") {
        out.push("deliver_policy must be either 'new' or 'all'");
      }
      out.push(...dataMode(o.publication_data_mode, "NATS channels_header"));
      break;
    }
    case "kafka": {
      const o = c.kafka;
      need(o.brokers, "no Kafka brokers provided");
      need(o.topics, "no Kafka topics provided");
      need(o.consumer_group, "no Kafka consumer group provided");
      if (!kafkaMechanisms.includes(o.sasl_mechanism))
        out.push(`unsupported SASL mechanism: ${o.sasl_mechanism}`);
      if (o.assume_role_arn && o.sasl_mechanism !== "aws-msk-iam") {
        out.push("assume_role_arn requires sasl_mechanism aws-msk-iam");
      }
      out.push(...dataMode(o.publication_data_mode, "Kafka channels_header_name"));
      break;
    }
    case "google_pub_sub": {
      const o = c.google_pub_sub;
      need(o.project_id, "no Google Pub/Sub project_id provided");
      need(o.subscriptions, "no Google Pub/Sub subscriptions provided");
      if (!["", "default", "service_account"].includes(o.auth_mechanism)) {
        out.push(`unsupported auth mechanism: ${o.auth_mechanism}`);
      } else if (o.auth_mechanism === "service_account") {
        need(o.credentials_file, "credentials_file is required for the service_account auth mechanism");
      }
      out.push(...dataMode(o.publication_data_mode, "Google Pub/Sub channels_attribute"));
      break;
    }
    case "aws_sqs":
      need(c.aws_sqs.queues, "no AWS SQS queues provided");
      out.push(...dataMode(c.aws_sqs.publication_data_mode, "AWS SQS channels_attribute"));
      break;
    case "azure_service_bus": {
      const o = c.azure_service_bus;
      if (o.use_azure_identity) {
        for (const key of ["fully_qualified_namespace", "tenant_id", "client_id", "client_secret"] as const) {
          need(o[key], `${key} is required with use_azure_identity`);
        }
      } else {
        need(o.connection_string, "no Azure Service Bus connection_string provided");
      }
      need(o.queues, "no Azure Service Bus queues provided");
      out.push(...dataMode(o.publication_data_mode, "Azure Service Bus channels_property"));
      break;
    }
  }
  return out;
}

/**
 * Centrifugo's rules for `consumers`: names match `^[a-zA-Z0-9_]{2,}$` and
 * are unique, every type is known (disabled ones too), and an enabled
 * consumer's own options are complete. An enabled consumer of a type rotor
 * does not run (Kafka, Google Pub/Sub, AWS SQS, Azure Service Bus) is
 * refused here, by name, so a start never silently drops it.
 */
export function checkConsumers(consumers: readonly ConsumerConfig[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  consumers.forEach((c, i) => {
    const at = `consumers[${i}]`;
    if (!namePattern.test(c.name)) {
      out.push(
        `${at}.name: invalid consumer name: ${c.name}, must match ${namePattern.source} regular expression`,
      );
    } else if (seen.has(c.name)) {
      out.push(`${at}.name: invalid consumer name: ${c.name}, must be unique`);
    }
    seen.add(c.name);
    const runnable = (runnableConsumerTypes as readonly string[]).includes(c.type);
    const refused = (refusedTypes as readonly string[]).includes(c.type);
    if (!runnable && !refused) {
      out.push(`${at}.type: unknown consumer type: ${c.type}`);
      return;
    }
    if (!c.enabled) return;
    for (const problem of typeProblems(c)) out.push(`${at}: in consumer ${c.name} (${c.type}): ${problem}`);
    if (refused) {
      out.push(
        `${at}: in consumer ${c.name} (${c.type}): rotor does not run ${c.type} consumers yet; ` +
          "run this consumer on Centrifugo, or set enabled: false",
      );
    }
  });
  return out;
}
