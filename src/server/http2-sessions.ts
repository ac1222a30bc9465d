import http2, { type Http2Session, type ServerHttp2Stream } from "node:http2";
import type { Logger } from "pino";

const { NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_NO_ERROR } = http2.constants;

/** How long a connection may stay silent, idle or unanswering (milliseconds; 0 turns pings off). */
export interface SessionRules {
  /** From connection to the client's SETTINGS. */
  readonly headerTimeout: number;
  /** From a request's headers to the end of its body. */
  readonly requestTimeout: number;
  /** With no stream open. */
  readonly idleTimeout: number;
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

/**
 * Resets a client may send in a burst, and how fast the allowance refills:
 * nghttp2's own rapid-reset limit (1000, 33/s), a little tighter so that rotor
 * acts first — after nghttp2's GOAWAY, Node leaves the socket open.
 */
const resetBurst = 800;
const resetsPerSecond = 33;

/** How long open streams may take to finish once the server closes, before their sessions are destroyed. */
const sessionCloseGraceMs = 1000;

class Watched {
  openStreams = 0;
  idleSince = Date.now();
  lastPingAt = Date.now();
  /** When the unanswered ping was sent; 0 when none is. */
  pingSentAt = 0;
  resetTokens = resetBurst;
  refilledAt = Date.now();
  /** Streams whose request body is still arriving, with the time their headers came. */
  readonly receiving = new Map<ServerHttp2Stream, number>();

  constructor(readonly session: Http2Session) {}

  /** Takes one reset from the allowance; false when it is used up. */
  takeReset(now: number): boolean {
    this.resetTokens = Math.min(
      resetBurst,
      this.resetTokens + ((now - this.refilledAt) / 1000) * resetsPerSecond,
    );
    this.refilledAt = now;
    this.resetTokens -= 1;
    return this.resetTokens >= 0;
  }
}

/**
 * Watches the HTTP/2 sessions of a server so that none outlives its use: a
 * peer that never sends SETTINGS, stops answering PINGs, stays idle, trickles a
 * request body or resets streams faster than nghttp2 allows is closed — with a
 * GOAWAY — and the socket goes with it. Returns the per-stream hook and how to
 * close every session on shutdown.
 */
export function watchSessions(
  server: http2.Http2Server | http2.Http2SecureServer,
  rules: SessionRules,
  log: Logger,
) {
  const watched = new Map<Http2Session, Watched>();
  /** Streams rotor itself cancelled: their reset is not the peer's. */
  const cancelled = new WeakSet<ServerHttp2Stream>();
  let timer: NodeJS.Timeout | undefined;

  /** Closes the session (a GOAWAY with `code`, then the socket): at debug level when it went quiet, warn when it misbehaved. */
  function abandon(w: Watched, why: string, code = NGHTTP2_NO_ERROR): void {
    const context = { remote: w.session.socket?.remoteAddress, why };
    if (code === NGHTTP2_NO_ERROR) log.debug(context, "closing an HTTP/2 connection");
    else log.warn(context, "closing a misbehaving HTTP/2 connection");
    w.session.destroy(code === NGHTTP2_NO_ERROR ? undefined : new Error(why), code);
  }

  function check(w: Watched, now: number): void {
    const { session } = w;
    if (session.destroyed || session.closed) return;
    const why =
      w.pingSentAt > 0 && now - w.pingSentAt > rules.pingTimeout
        ? "no PING answer"
        : w.openStreams === 0 && now - w.idleSince > rules.idleTimeout
          ? "idle"
          : undefined;
    if (why) {
      abandon(w, why);
      return;
    }
    for (const [stream, since] of w.receiving) {
      if (stream.destroyed || stream.state.remoteClose) w.receiving.delete(stream);
      else if (now - since > rules.requestTimeout) {
        w.receiving.delete(stream);
        cancelled.add(stream);
        stream.close(NGHTTP2_CANCEL);
      }
    }
    if (rules.pingInterval > 0 && w.pingSentAt === 0 && now - w.lastPingAt >= rules.pingInterval) {
      w.lastPingAt = now;
      w.pingSentAt = now;
      session.ping((err) => {
        if (!err) w.pingSentAt = 0;
      });
    }
  }

  function tick(): void {
    const now = Date.now();
    for (const w of watched.values()) check(w, now);
  }

  server.on("session", (session: Http2Session) => {
    const w = new Watched(session);
    watched.set(session, w);
    timer ??= setInterval(tick, 1000).unref();
    const handshake = setTimeout(() => abandon(w, "no SETTINGS"), rules.headerTimeout);
    session.once("remoteSettings", () => clearTimeout(handshake));
    session.once("close", () => {
      clearTimeout(handshake);
      watched.delete(session);
      if (watched.size === 0 && timer) {
        clearInterval(timer);
        timer = undefined;
      }
    });
  });

  return {
    /**
     * Follows a stream about to be served (its session's open streams, its
     * request body's deadline, its reset); false when it was closed before it
     * could be — reset by the peer, or gone with its session — and must not be.
     * An extended CONNECT (RFC 8441) has no body to wait for: once answered,
     * what follows its headers is the tunnelled protocol, for as long as it lasts.
     */
    follow(
      stream: ServerHttp2Stream,
      session: Http2Session | undefined,
      headers: http2.IncomingHttpHeaders,
    ): boolean {
      const w = session ? watched.get(session) : undefined;
      const now = Date.now();
      if (stream.closed || stream.destroyed) {
        if (w && !w.session.destroyed && !w.takeReset(now)) {
          abandon(w, "too many stream resets", NGHTTP2_ENHANCE_YOUR_CALM);
        }
        return false;
      }
      if (!w) return true;
      w.openStreams++;
      if (!stream.endAfterHeaders && headers[":protocol"] === undefined) w.receiving.set(stream, now);
      stream.once("close", () => {
        w.receiving.delete(stream);
        if (--w.openStreams === 0) w.idleSince = Date.now();
        const reset = stream.rstCode !== NGHTTP2_NO_ERROR && !cancelled.has(stream);
        if (reset && !w.session.destroyed && !w.takeReset(Date.now())) {
          abandon(w, "too many stream resets", NGHTTP2_ENHANCE_YOUR_CALM);
        }
      });
      return true;
    },

    /**
     * Closes a session that opened more streams in one read than a client
     * could have in flight: at once, from within the read, so that nghttp2
     * parses nothing more of it and Node sets up no further stream.
     */
    flooded(session: Http2Session): void {
      const w = watched.get(session);
      if (w && !session.destroyed) abandon(w, "too many new streams at once", NGHTTP2_ENHANCE_YOUR_CALM);
    },

    /**
     * Closes every session: closing the server alone waits for every idle
     * client session to time out, and a graceful session close waits for its
     * streams, which a peer that reset a stream mid-shutdown may never let finish.
     */
    closeAll(): void {
      for (const session of watched.keys()) {
        session.close();
        setTimeout(() => session.destroyed || session.destroy(), sessionCloseGraceMs).unref();
      }
    },
  };
}
