import type { Subscription } from "@nats-io/transport-node";
import type { Logger } from "pino";
import type { Broker, BrokerEventHandler, PublishResult } from "../../core/broker.js";
import type { StreamPosition } from "../../core/publication.js";
import { errors } from "../../errors/rotor-error.js";
import { malformedMessages } from "../../lifecycle/log-limits.js";
import type { NatsClient } from "../../nats/nats-client.js";
import { isWildcard, natsKeys } from "./keys.js";
import { decodePush, encodeJoinLeavePush, encodePublicationPush } from "./pubsub-payload.js";

const noHistory: PublishResult = Object.freeze({ offset: 0, epoch: "", suppressed: false });
const noPosition: StreamPosition = Object.freeze({ offset: 0, epoch: "" });

/**
 * The NATS broker, on Centrifugo's subjects and payloads: at-most-once
 * PUB/SUB and nothing else. A publication is a protocol Push on
 * `<prefix>.client.<channel>`; every node subscribes the subject of each
 * channel it has subscribers for (one NATS subscription per channel). NATS
 * keeps no history: history calls answer 108 and publishes have no offset,
 * so recovery and positioning are not available. Channels with `*` or `>`
 * are NATS patterns: subscribing needs `allow_wildcards`, publishing to them
 * is refused (107). In raw mode the data goes out as is, on the raw subject,
 * and joins and leaves are not sent.
 */
export function createNatsBroker(client: NatsClient, log: Logger): Broker {
  const { allow_wildcards: wildcards, raw_mode: raw } = client.config;
  const keys = natsKeys(client.config);
  const subscriptions = new Map<string, Subscription>();
  let handler: BrokerEventHandler | undefined;
  const malformed = malformedMessages(log, "NATS message");

  function receive(subscribed: string, data: Uint8Array, subject: string): void {
    if (raw.enabled) {
      const pub = { offset: 0, data, time: 0, channel: keys.channelOf(subject) };
      handler?.onPublication(subscribed, pub, noPosition, false);
      return;
    }
    const push = decodePush(data);
    if (!push) {
      malformed({ subject });
      return;
    }
    if (push.kind === "publication") {
      // With wildcards the node delivers to the subscribed pattern and the publication names its channel.
      const [channel, pub] = wildcards
        ? [subscribed, { ...push.pub, channel: push.channel }]
        : [push.channel, push.pub];
      handler?.onPublication(channel, pub, noPosition, push.delta);
    } else if (push.kind === "join") handler?.onJoin(push.channel, push.info);
    else handler?.onLeave(push.channel, push.info);
  }

  function drop(channels: readonly string[]): void {
    for (const channel of channels) {
      subscriptions.get(channel)?.unsubscribe();
      subscriptions.delete(channel);
    }
  }

  return {
    async start(h) {
      handler = h;
      await client.connect();
    },

    async publish(channel, data, o) {
      if (isWildcard(channel)) throw errors.badRequest();
      const payload = raw.enabled
        ? data
        : encodePublicationPush(channel, data, o.info, o.tags, Date.now(), o.delta === true, o.version);
      client.publish(keys.subject(channel), payload);
      return noHistory;
    },

    async publishJoin(channel, info) {
      if (!raw.enabled) client.publish(keys.subject(channel), encodeJoinLeavePush("join", channel, info));
    },

    async publishLeave(channel, info) {
      if (!raw.enabled) client.publish(keys.subject(channel), encodeJoinLeavePush("leave", channel, info));
    },

    /** Subscribes each new channel's subject, then waits for NATS to confirm them all. */
    async subscribe(channels) {
      if (!wildcards && channels.some(isWildcard)) throw errors.badRequest();
      const added: string[] = [];
      try {
        for (const channel of channels) {
          if (subscriptions.has(channel)) continue;
          const subscription = client.subscribe(keys.subject(channel), (data, subject) =>
            receive(channel, data, subject),
          );
          subscriptions.set(channel, subscription);
          added.push(channel);
        }
        await client.flush();
      } catch (err) {
        drop(added);
        throw err;
      }
    },

    async unsubscribe(channels) {
      drop(channels);
    },

    async history() {
      throw errors.notAvailable();
    },

    async removeHistory() {
      throw errors.notAvailable();
    },

    async close() {
      drop([...subscriptions.keys()]);
      handler = undefined;
      await client.release();
    },
  };
}
