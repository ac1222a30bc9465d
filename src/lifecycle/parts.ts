import type { Logger } from "pino";

/** A part of the server with something to stop: an engine, a listener, the connected clients. */
export interface Part {
  readonly name: string;
  /** Starts it; its `stop` runs also when this fails half-way, so it must cope with a part half started. */
  start?(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The server's parts in the order they started, stopped in reverse: the
 * listeners close before the engines they use, and a start-up that fails
 * after the engines connected stops them instead of leaving their
 * connections open. A part that fails to stop is logged and the rest still stop.
 */
export function createParts(log: Logger) {
  const started: Part[] = [];
  return {
    async start(part: Part): Promise<void> {
      started.push(part);
      await part.start?.();
    },
    async stop(): Promise<void> {
      for (const part of started.splice(0).reverse()) {
        try {
          await part.stop();
        } catch (err) {
          log.error({ err, part: part.name }, "stopping a part failed");
        }
      }
    },
  };
}
