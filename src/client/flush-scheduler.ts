/** Something with queued output to write in the next flush. */
export interface Flushable {
  flush(): void;
}

let pending: Flushable[] = [];
let scheduled = false;

function flushAll(): void {
  const batch = pending;
  pending = [];
  scheduled = false;
  for (const item of batch) item.flush();
}

/**
 * Queues an item for the shared flush that runs once per event-loop turn, so
 * every message a connection receives within one turn leaves as one frame and a
 * broadcast to many connections costs one scheduled callback, not one each.
 */
export function scheduleFlush(item: Flushable): void {
  pending.push(item);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flushAll);
  }
}
