/** Something with queued output to write in the next flush. */
export interface Flushable {
  flush(): void;
}

/**
 * Flushes written in one go before the event loop may read input again. One
 * flush is one socket write (5–20 µs), so a slice takes about a millisecond.
 */
export const flushSlice = 64;

/** The pass in progress: flushed in order, a slice per event-loop turn. */
let lap: Flushable[] = [];
let next = 0;
/** Queued since the pass began: flushed in the next one. */
let incoming: Flushable[] = [];
let scheduled = false;

function flushSome(): void {
  scheduled = false;
  if (next === lap.length) {
    lap = incoming;
    incoming = [];
    next = 0;
  }
  const end = Math.min(next + flushSlice, lap.length);
  while (next < end) lap[next++]!.flush();
  if (next < lap.length || incoming.length > 0) schedule();
}

function schedule(): void {
  scheduled = true;
  setImmediate(flushSome);
}

/**
 * Queues an item for the shared flush, which writes every queued connection
 * once per pass, so every message a connection receives before its turn
 * leaves as one frame, and a broadcast to many connections costs one
 * scheduled callback, not one each. A pass longer than one slice yields to
 * the event loop between slices (as a Go server's writer goroutines interleave
 * with its request handlers): a publication that arrives meanwhile joins the
 * queues not yet written, so under load each socket write carries several
 * messages instead of one, and input is never starved by a long pass. A short
 * pass is one slice: written in the same turn, with no added delay.
 */
export function scheduleFlush(item: Flushable): void {
  incoming.push(item);
  if (!scheduled) schedule();
}
