import type { Http2Session, ServerHttp2Stream } from "node:http2";

interface Waiting {
  readonly stream: ServerHttp2Stream;
  readonly dispatch: () => void;
}

interface SessionShare {
  inFlight: number;
  readonly waiting: Waiting[];
}

/**
 * Bounds the HTTP/2 requests in flight across all connections: a request is
 * in flight from the moment it is handed to the application until its
 * response starts (or it ends), so long-lived streams (SSE, the Connect
 * stream) count only while they are being set up. Past the bound a request
 * waits in its connection's queue, and queues are served round-robin, so a
 * connection flooding the server delays only itself. A connection with nothing
 * in flight is always served at once: one flood cannot starve other clients.
 */
export function createStreamAdmission(limit: number) {
  let inFlight = 0;
  let scheduled = false;
  const shares = new WeakMap<Http2Session, SessionShare>();
  /** Connections with waiting requests, in the order they are served next. */
  const queued = new Set<Http2Session>();

  function shareOf(session: Http2Session): SessionShare {
    let share = shares.get(session);
    if (!share) {
      share = { inFlight: 0, waiting: [] };
      shares.set(session, share);
      session.once("close", () => queued.delete(session));
    }
    return share;
  }

  function start(stream: ServerHttp2Stream, share: SessionShare, dispatch: () => void): void {
    inFlight++;
    share.inFlight++;
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      inFlight--;
      share.inFlight--;
      scheduleQueued();
    };
    // Node says nothing when response headers go out; every response starts here (the compatibility API included).
    const respond = stream.respond;
    stream.respond = (...args) => {
      release();
      respond.apply(stream, args);
    };
    stream.once("close", release);
    dispatch();
  }

  /**
   * Serves the queues on the next turn of the event loop, not in the call that
   * freed the room: a response started from a promise would otherwise start the
   * next request in the same microtask run, and a deep queue would be served to
   * its end before any socket is read again — an honest caller on another
   * connection would wait behind all of it.
   */
  function scheduleQueued(): void {
    if (scheduled || queued.size === 0) return;
    scheduled = true;
    setImmediate(serveQueued);
  }

  function serveQueued(): void {
    scheduled = false;
    while (inFlight < limit && queued.size > 0) {
      const session = queued.values().next().value!;
      queued.delete(session);
      const share = shareOf(session);
      const next = share.waiting.shift();
      if (share.waiting.length > 0) queued.add(session);
      if (next && !next.stream.destroyed && !session.destroyed) start(next.stream, share, next.dispatch);
    }
  }

  return {
    /** Hands the stream to `dispatch` now, or once the server has room for it. */
    admit(stream: ServerHttp2Stream, dispatch: () => void): void {
      const share = shareOf(stream.session!);
      if (inFlight < limit || share.inFlight === 0) {
        start(stream, share, dispatch);
        return;
      }
      share.waiting.push({ stream, dispatch });
      queued.add(stream.session!);
    },
  };
}
