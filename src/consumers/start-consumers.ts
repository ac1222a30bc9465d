import type { Logger } from "pino";
import type { ApiService } from "../api/api-service.js";
import { countedApiService } from "../api/counted-api.js";
import type { ConsumerConfig } from "../config/consumers-schema.js";
import type { Metrics } from "../metrics/create-metrics.js";
import type { Consumer, ConsumerContext } from "./consumer.js";
import { createConsumerDispatcher } from "./consumer-dispatcher.js";

/** The consumers of one server, started together and stopped together. */
export interface RunningConsumers {
  close(): Promise<void>;
}

/** A consumer of `config`'s type; its client library (pg, ioredis, NATS) is loaded only when one is configured. */
async function create(config: ConsumerConfig, ctx: ConsumerContext): Promise<Consumer> {
  switch (config.type) {
    case "postgresql":
      return (await import("./postgresql/outbox-consumer.js")).createOutboxConsumer(config.postgresql, ctx);
    case "redis_stream":
      return (await import("./redis-stream/redis-stream-consumer.js")).createRedisStreamConsumer(
        config.redis_stream,
        ctx,
      );
    case "nats_jetstream":
      return (await import("./nats-jetstream/jetstream-consumer.js")).createJetStreamConsumer(
        config.nats_jetstream,
        ctx,
      );
    default:
      // Validation refuses an enabled consumer of any other type before a server starts.
      throw new Error(`${ctx.where}: rotor does not run ${config.type} consumers`);
  }
}

/**
 * Starts every enabled consumer of `consumers`, each dispatching through
 * the server API (counted under the `consuming` protocol). If one cannot
 * start, the ones already started are stopped and the error says which
 * consumer and why.
 */
export async function startConsumers(
  configs: readonly ConsumerConfig[],
  service: ApiService,
  metrics: Metrics,
  log: Logger,
): Promise<RunningConsumers> {
  const counted = countedApiService(service, metrics.api, "consuming");
  const running: Consumer[] = [];
  const stop = () => Promise.all(running.map((c) => c.close())).then(() => {});
  for (const [i, config] of configs.entries()) {
    if (!config.enabled) continue;
    const consumerLog = log.child({ consumer: config.name });
    const consumer = await create(config, {
      name: config.name,
      dispatcher: createConsumerDispatcher(counted, consumerLog),
      metrics: metrics.consumers.of(config.name),
      log: consumerLog,
      where: `consumers[${i}].${config.type}`,
    });
    try {
      await consumer.start();
    } catch (err) {
      await stop();
      throw new Error(`error initializing consumer ${config.name}: ${(err as Error).message}`);
    }
    running.push(consumer);
  }
  return { close: stop };
}
