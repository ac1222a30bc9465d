import type { FastifyReply } from "fastify";
import type { ClientContext } from "../../client/client-context.js";
import { ClientSession } from "../../client/session.js";
import type { SessionRegistry } from "../emulation/session-registry.js";
import { serverSentEvents } from "./framing.js";
import {
  ResponseTransport,
  type ResponseTransportOptions,
  type StreamResponse,
} from "./response-transport.js";

const noCacheHeaders = {
  "cache-control": "private, no-cache, no-store, must-revalidate, max-age=0",
  pragma: "no-cache",
  expire: "0",
  "x-accel-buffering": "no",
} as const;

export interface StreamSessionOptions extends ResponseTransportOptions {
  readonly contentType: string;
  /** Bytes written right after the headers (SSE starts with a line break). */
  readonly prelude?: Uint8Array;
}

/** How both SSE transports answer: `data:` events, after a line break that gets the stream going. */
export const eventStream = {
  framing: serverSentEvents,
  contentType: "text/event-stream; charset=utf-8",
  prelude: Buffer.from("\r\n"),
} as const;

/**
 * Takes the response over from Fastify, opens an endless 200 response that no
 * cache or proxy buffers, and runs a client session on it, tracked in
 * `sessions` while the response lasts. The session ends when the peer goes
 * away; the caller feeds it the connect frame.
 */
export function openStreamSession(
  ctx: ClientContext,
  sessions: SessionRegistry,
  reply: FastifyReply,
  options: StreamSessionOptions,
): ClientSession {
  reply.hijack();
  const res: StreamResponse = reply.raw;
  const headers: Record<string, string> = { ...noCacheHeaders, "content-type": options.contentType };
  // HTTP/2 forbids connection-specific headers.
  if (reply.request.raw.httpVersionMajor === 1) headers.connection = "keep-alive";
  const head = () => {
    res.writeHead(200, headers);
    if (options.prelude) res.write(options.prelude);
    else res.flushHeaders();
  };
  const deferred = options.connectResponses?.enabled === true;
  if (!deferred) head();
  const session = new ClientSession(ctx, new ResponseTransport(res, options, deferred ? head : undefined), {
    http: reply.request.raw.headers,
  });
  res.on("close", () => session.closedByTransport());
  res.on("error", (err: Error) => {
    ctx.log.debug({ err, client: session.id }, `${options.name} response error`);
    session.closedByTransport();
  });
  sessions.track(session, res);
  return session;
}
