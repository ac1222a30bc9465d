import type { Logger } from "pino";
import type { ConsumerMetrics } from "../metrics/consumer-metrics.js";
import type { ConsumerDispatcher } from "./consumer-dispatcher.js";

/** One running consumer of `consumers`: an outbox table, a Redis stream group, a JetStream durable. */
export interface Consumer {
  /**
   * Connects and begins consuming; rejects, saying why, when the source
   * cannot be reached or is not as configured (the server then does not start).
   */
  start(): Promise<void>;
  /** Stops taking messages, lets the ones in hand finish (or be redelivered), and disconnects. */
  close(): Promise<void>;
}

/** What every consumer gets besides its own options. */
export interface ConsumerContext {
  readonly name: string;
  readonly dispatcher: ConsumerDispatcher;
  readonly metrics: ConsumerMetrics;
  readonly log: Logger;
  /** The option path of its settings, for messages: `consumers[0].postgresql`. */
  readonly where: string;
}
