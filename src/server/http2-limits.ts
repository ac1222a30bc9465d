import type http2 from "node:http2";
import type { Logger } from "pino";
import type { StreamAnswer } from "../api/direct-unary/direct-unary-answer.js";
import type { Config } from "../config/schema.js";
import { watchSessions } from "./http2-sessions.js";
import { createStreamAdmission } from "./stream-admission.js";

type HttpServerConfig = Config["http_server"];
type Listener = (this: unknown, ...args: unknown[]) => void;

/** What `applyHttp2Limits` leaves to its caller. */
export interface Http2Limits {
  /** Closes every HTTP/2 session (shutdown). */
  closeAll(): void;
  /**
   * Offers every stream, once it is followed and admitted like any request,
   * to `answer` before Node's compatibility layer turns it into a request for
   * Fastify: a stream `answer` takes never becomes one.
   */
  answerFirst(answer: StreamAnswer): void;
  /** Advertises SETTINGS_ENABLE_CONNECT_PROTOCOL to every later connection: RFC 8441's extended CONNECT. */
  enableConnectProtocol(): void;
}

function ignore(): void {}

/**
 * Streams a connection may have refused, and other invalid frames it may send,
 * before it is closed. Before the client acknowledges rotor's SETTINGS, nghttp2
 * answers streams over the advertised limit with RST_STREAM (REFUSED_STREAM)
 * and reports each as an invalid frame; after it, the first such stream is a
 * connection error. Counting them closes a pre-acknowledgement burst the way a
 * post-acknowledgement one is closed, as Go's net/http2 and nginx do.
 */
const maxInvalidFrames = 32;

/**
 * New streams one connection may open in one turn of the event loop, as a
 * multiple of the advertised concurrent-stream limit (nginx's rule). Within
 * one read a client can have seen none of its streams answered, so a well-
 * behaved one opens at most the limit (plus the few it cancelled itself); more
 * is a flood — typically streams reset as soon as they are opened, each of
 * which Node would set up and tear down — and the connection is closed within
 * the read.
 */
const newStreamsPerTurn = 2;

/** The options Node's HTTP/2 servers take for `http_server.http2`: what the SETTINGS frame advertises and enforces. */
export function http2ServerOptions(config: HttpServerConfig): http2.ServerOptions {
  const limits = config.http2;
  return {
    settings: {
      maxConcurrentStreams: limits.max_concurrent_streams,
      maxHeaderListSize: limits.max_header_list_size,
    },
    maxSessionMemory: limits.max_session_memory_mb,
    maxSessionInvalidFrames: maxInvalidFrames,
    maxSessionRejectedStreams: maxInvalidFrames,
  };
}

/**
 * Puts an HTTP/2 server (the hidden h2c one, or the TLS one) under rotor's
 * limits: every session watched (SETTINGS in time, PINGs answered, idle and
 * slow-body timeouts, rapid resets), and every stream admitted under the
 * server-wide in-flight bound before the application sees it. Streams the peer
 * reset, or whose session failed, before they were served never reach the
 * application. Returns how to close every session on shutdown, and how to
 * let some streams be answered directly (see `Http2Limits`).
 */
export function applyHttp2Limits(
  server: http2.Http2Server | http2.Http2SecureServer,
  config: HttpServerConfig,
  log: Logger,
): Http2Limits {
  const sessions = watchSessions(
    server,
    {
      headerTimeout: config.header_timeout,
      requestTimeout: config.request_timeout,
      idleTimeout: config.idle_timeout,
      pingInterval: config.http2.ping_interval,
      pingTimeout: config.http2.ping_timeout,
    },
    log,
  );
  const admission = createStreamAdmission(config.http2.max_requests_in_flight);
  // Node's compatibility layer turns streams into the request/response pairs Fastify handles. Node announces
  // each stream before it acts on the rest of what it read (resets, a protocol violation that ends the
  // session): streams are served a moment later, in batches, so that those never cost any more.
  const compat = server.listeners("stream") as Listener[];
  server.removeAllListeners("stream");
  let waiting: [http2.ServerHttp2Stream, http2.Http2Session | undefined, unknown[]][] = [];
  /** Streams each connection opened since the waiting ones were last served, i.e. in this turn's reads. */
  let opened = new Map<http2.Http2Session, number>();
  const openedMax = newStreamsPerTurn * config.http2.max_concurrent_streams;
  const answers: StreamAnswer[] = [];
  const serve = (stream: http2.ServerHttp2Stream, rest: unknown[]) => {
    const headers = rest[0] as http2.IncomingHttpHeaders;
    for (const answer of answers) if (answer(stream, headers)) return;
    for (const listener of compat) listener.call(server, stream, ...rest);
  };
  const serveWaiting = () => {
    const batch = waiting;
    waiting = [];
    opened = new Map();
    for (const [stream, session, rest] of batch) {
      if (!sessions.follow(stream, session, rest[0] as http2.IncomingHttpHeaders)) continue;
      admission.admit(stream, () => serve(stream, rest));
    }
  };
  server.on("stream", (stream: http2.ServerHttp2Stream, ...rest: unknown[]) => {
    // Until it is served a stream has no other listener; its errors are its session's, handled there.
    stream.on("error", ignore);
    const session = stream.session;
    if (session) {
      const count = (opened.get(session) ?? 0) + 1;
      opened.set(session, count);
      if (count > openedMax) {
        sessions.flooded(session);
        return;
      }
    }
    if (waiting.length === 0) setImmediate(serveWaiting);
    waiting.push([stream, session, rest]);
  });
  const handlers = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  server.on("request", (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    // An empty HTTP/2 body whose end arrived while its stream waited: the stream told no one, so the request
    // must. (The TLS server also hands over HTTP/1.1 requests, which never waited.)
    if (req.httpVersionMajor === 2 && req.stream.readableEnded) req.push(null);
    for (const handler of handlers) handler.call(server, req, res);
  });
  return {
    closeAll: sessions.closeAll,
    answerFirst: (answer) => answers.push(answer),
    enableConnectProtocol: () => server.updateSettings({ enableConnectProtocol: true }),
  };
}
