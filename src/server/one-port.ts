import http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { http1Limits } from "./http1-timeouts.js";
import { applyHttp2Limits, type Http2Limits, http2ServerOptions } from "./http2-limits.js";

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The server Fastify owns on one cleartext port, and the limits of the HTTP/2 server behind it. */
export interface OnePortServers {
  readonly h1: http.Server;
  /** The hidden HTTP/2 server's limits: closing its sessions, answering streams first. */
  readonly h2: Http2Limits;
}

/**
 * HTTP/1.1 and cleartext HTTP/2 (h2c) on one port. Node cannot serve both from
 * one cleartext server, so each new connection is sniffed: the HTTP/2 preface
 * hands it to a hidden h2 server, anything else goes to the HTTP/1.1 server that
 * Fastify owns (WebSocket upgrades included). A connection that says nothing
 * recognisable within `http_server.header_timeout` is closed: the servers'
 * own timeouts only start once they have it.
 */
export function createOnePortServers(
  handler: Handler,
  config: Config["http_server"],
  log: Logger,
): OnePortServers {
  const h1 = http.createServer({}, handler);
  http1Limits(h1, config);
  const h2 = http2.createServer(
    http2ServerOptions(config),
    handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const limits = applyHttp2Limits(h2, config, log);

  const toH2 = pacedHandoff((socket) => h2.emit("connection", socket));
  // Node's HTTP/1.1 header timeout misses a first request whose start was read here and handed back: until
  // that request's head is complete, the connection stays on the clock started at accept.
  const firstHead = new WeakMap<Socket, NodeJS.Timeout>();
  const headArrived = (req: http.IncomingMessage) => clearTimeout(firstHead.get(req.socket as Socket));
  h1.on("request", headArrived);
  h1.on("upgrade", headArrived);
  const h1ConnectionListeners = h1.listeners("connection") as ((socket: Socket) => void)[];
  h1.removeAllListeners("connection");
  h1.on("connection", (socket: Socket) => {
    let head = Buffer.alloc(0);
    const silent = setTimeout(() => socket.destroy(), config.header_timeout);
    const decide = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk) head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, preface.length);
      const isH2 = head.subarray(0, n).equals(preface.subarray(0, n));
      if (isH2 && head.length < preface.length && chunk) return;
      socket.off("readable", decide);
      socket.off("end", decide);
      if (head.length > 0) socket.unshift(head);
      if (isH2 && head.length >= preface.length) {
        clearTimeout(silent);
        // The HTTP/1.1 server accepts half-open sockets; HTTP/2 never ends them itself, so a peer's FIN must.
        socket.allowHalfOpen = false;
        toH2(socket);
      } else {
        firstHead.set(socket, silent);
        for (const listener of h1ConnectionListeners) listener.call(h1, socket);
      }
    };
    socket.on("readable", decide);
    socket.on("end", decide);
    socket.on("error", () => socket.destroy());
    socket.once("close", () => clearTimeout(silent));
  });

  return { h1, h2: limits };
}

/** HTTP/2 connections started at once, and per 10 ms after that: 400/s, a fourth of what Node can set up. */
const handoffBurst = 4;
const handoffIntervalMs = 10;

/**
 * Starts new HTTP/2 connections at a bounded rate. Node parses all a new
 * connection has sent (up to 64 KB: a thousand streams) the moment it starts
 * it, and a flood of connections that each open with such a burst would
 * otherwise be parsed in one go, holding every other client for seconds.
 */
function pacedHandoff(start: (socket: Socket) => void): (socket: Socket) => void {
  const waiting: Socket[] = [];
  let tokens = handoffBurst;
  let refilledAt = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const run = () => {
    timer = undefined;
    const now = Date.now();
    tokens = Math.min(handoffBurst, tokens + ((now - refilledAt) / handoffIntervalMs) * handoffBurst);
    refilledAt = now;
    while (tokens >= 1 && waiting.length > 0) {
      const socket = waiting.shift()!;
      if (socket.destroyed) continue;
      tokens--;
      start(socket);
    }
    if (waiting.length > 0) timer = setTimeout(run, handoffIntervalMs);
  };
  return (socket) => {
    waiting.push(socket);
    if (!timer) run();
  };
}
