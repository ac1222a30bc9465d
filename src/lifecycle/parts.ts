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
 * Once `abort` fires (a stop asked for during start-up), no further part
 * starts and the one starting is not waited for: `start` rejects with the
 * abort's reason at once, and the caller stops what started, that part included.
 */
export function createParts(log: Logger, abort?: AbortSignal) {
  const started: Part[] = [];
  return {
    async start(part: Part): Promise<void> {
      abort?.throwIfAborted();
      started.push(part);
      const starting = part.start?.();
      if (starting) await (abort ? untilAborted(starting, abort) : starting);
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

/** `work`, or the abort's reason as soon as `abort` fires; `work`'s own failure after that is of no interest. */
function untilAborted(work: Promise<void>, abort: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const aborted = () => reject(abort.reason);
    abort.addEventListener("abort", aborted, { once: true });
    work.then(resolve, reject).finally(() => abort.removeEventListener("abort", aborted));
  });
}
