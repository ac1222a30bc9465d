/** Messages for the request side of a stream, taken by the transport as it writes them. */
export interface RequestQueue<T> extends AsyncIterable<T> {
  /** Queues a message; false when the queue is full or ended. */
  push(item: T): boolean;
  /** Ends the request side once what is queued has been taken. */
  end(): void;
}

/**
 * A bounded queue feeding a bidirectional stream: the transport pulls as
 * HTTP/2 flow control lets it, so a backend that stops reading fills the
 * queue and further pushes are refused instead of piling up in memory.
 */
export function createRequestQueue<T>(limit: number): RequestQueue<T> {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(item) {
      if (ended || items.length >= limit) return false;
      items.push(item);
      notify();
      return true;
    },
    end() {
      ended = true;
      notify();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length > 0) {
          yield items.shift() as T;
          continue;
        }
        if (ended) return;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    },
  };
}
