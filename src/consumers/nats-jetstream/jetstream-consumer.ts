import { readFileSync } from "node:fs";
import {
  AckPolicy,
  type ConsumerMessages,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from "@nats-io/jetstream";
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions,
  nanos,
} from "@nats-io/transport-node";
import { clientTlsOptions } from "../../config/client-tls.js";
import type { NatsJetStreamConsumerConfig } from "../../config/consumers-schema.js";
import { parseNatsUrl } from "../../nats/nats-url.js";
import { consumerBackoff } from "../backoff.js";
import type { Consumer, ConsumerContext } from "../consumer.js";
import { Wakeup } from "../wakeup.js";

/** How long the durable may stay unacknowledged before JetStream delivers it again (Centrifugo's). */
const ackWaitMs = 30_000;
/** How long setting up the durable at start may take (Centrifugo's). */
const setupTimeoutMs = 10_000;

/** The message's headers by name, the first value of each. */
function headerMap(msg: JsMsg): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of msg.headers?.keys() ?? []) out.set(name, msg.headers!.get(name));
  return out;
}

/**
 * The `nats_jetstream` consumer: a durable pull consumer on an existing
 * stream (created or updated at start unless `use_existing_consumer`),
 * shared by every node that names it. A message is acknowledged (and the
 * acknowledgement confirmed) only once handled; one that asks for a retry is
 * NAKed with Centrifugo's backoff by delivery count, and one whose node dies
 * first is delivered again when its ack wait ends. When consuming stops
 * (the server restarts, the consumer or stream is deleted) it starts again
 * with a backoff, recreating the durable.
 */
export function createJetStreamConsumer(
  options: NatsJetStreamConsumerConfig,
  ctx: ConsumerContext,
): Consumer {
  const servers = parseNatsUrl(options.url);
  if ("error" in servers) throw new Error(`${ctx.where}.url: ${servers.error}`);
  const mode = options.publication_data_mode;
  const pause = new Wakeup();
  let nc: NatsConnection | undefined;
  let messages: ConsumerMessages | undefined;
  let loop: Promise<void> | undefined;
  let closed = false;

  async function ensureConsumer(connection: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(connection, { timeout: setupTimeoutMs });
    if (options.use_existing_consumer) {
      await jsm.consumers.info(options.stream_name, options.durable_consumer_name);
      return;
    }
    const subjects = options.subjects;
    await jsm.consumers.add(options.stream_name, {
      name: options.durable_consumer_name,
      durable_name: options.durable_consumer_name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(ackWaitMs),
      deliver_policy: options.deliver_policy === "all" ? DeliverPolicy.All : DeliverPolicy.New,
      max_ack_pending: options.max_ack_pending,
      ...(subjects.length === 1 ? { filter_subject: subjects[0] } : {}),
      ...(subjects.length > 1 ? { filter_subjects: subjects } : {}),
    });
  }

  async function handle(msg: JsMsg): Promise<void> {
    const outcome = mode.enabled
      ? await ctx.dispatcher.publication(msg.data, headerMap(msg), mode)
      : await ctx.dispatcher.command(msg.headers?.get(options.method_header) ?? "", msg.data);
    if (outcome === "retry") {
      msg.nak(consumerBackoff(msg.info.deliveryCount - 1));
      return;
    }
    try {
      await msg.ackAck();
      ctx.metrics.processed();
    } catch (err) {
      ctx.metrics.error();
      ctx.log.warn({ err }, "JetStream ack failed (the message will be delivered again)");
    }
  }

  async function consume(connection: NatsConnection): Promise<void> {
    let failures = 0;
    while (!closed) {
      const startedAt = Date.now();
      try {
        await ensureConsumer(connection);
        const consumer = await jetstream(connection).consumers.get(
          options.stream_name,
          options.durable_consumer_name,
        );
        messages = await consumer.consume({ max_messages: options.max_ack_pending, idle_heartbeat: 5000 });
        if (closed) messages.stop();
        for await (const msg of messages) await handle(msg);
        if (closed) return;
        throw new Error("consuming stopped");
      } catch (err) {
        if (closed) return;
        if (Date.now() - startedAt > 30_000) failures = 0;
        ctx.log.warn({ err: (err as Error).message }, "JetStream consumer stopped, starting it again");
        await pause.wait(consumerBackoff(failures++));
      }
    }
  }

  return {
    async start() {
      try {
        nc = await connect({
          servers: servers.servers,
          name: `rotor consumer ${ctx.name}`,
          timeout: setupTimeoutMs,
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
          ignoreAuthErrorAbort: true,
          tls: clientTlsOptions(options.tls, servers.tls) as NodeConnectionOptions["tls"],
          ...(options.credentials_file
            ? { authenticator: credsAuthenticator(readFileSync(options.credentials_file)) }
            : options.username
              ? { user: options.username, pass: options.password }
              : options.token
                ? { token: options.token }
                : { user: servers.user, pass: servers.pass, token: servers.token }),
        });
        await ensureConsumer(nc);
      } catch (err) {
        await nc?.close();
        throw new Error(`${ctx.where}: ${(err as Error).message}`);
      }
      loop = consume(nc);
      ctx.log.info(
        { stream: options.stream_name, durable: options.durable_consumer_name },
        "JetStream consumer started",
      );
    },
    async close() {
      closed = true;
      pause.wake();
      messages?.stop();
      await loop;
      await nc?.close();
    },
  };
}
