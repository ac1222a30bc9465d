/** Runs at most `limit` calls at once (0: no limit); the others wait their turn in order. */
export interface CallLimit {
  run<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * `shared_poll.concurrency_limit`: one budget of backend refresh calls for
 * every shared poll channel of the node, so many channels refreshing in the
 * same instant queue instead of flooding the backend.
 */
export function createCallLimit(limit: number): CallLimit {
  let running = 0;
  const waiting: (() => void)[] = [];
  return {
    async run(call) {
      // A finishing call hands its slot straight to the next waiter, so none is taken meanwhile.
      if (limit > 0 && running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
      else running++;
      try {
        return await call();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else running--;
      }
    },
  };
}
