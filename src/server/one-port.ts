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

  const toH2 = handoffPerTurn((socket) => h2.emit("connection", socket));
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
      // Only as much as the preface is read; the rest stays buffered for the server that takes the connection.
      const chunk = socket.read(Math.min(preface.length - head.length, socket.readableLength) || undefined);
      if (chunk) head = Buffer.concat([head, chunk as Buffer]);
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

/**
 * Starts new HTTP/2 connections one per turn of the event loop. Node parses
 * all a new connection has sent (up to 64 KB: hundreds of streams) the moment
 * it starts it, and closing one that opened with a burst over its stream limit
 * costs milliseconds more. Connections that arrive together become readable in
 * the same poll: started as each is read, a flood of them would be parsed and
 * closed in one go, holding timers and every other client for seconds. One per
 * turn lets every other connection's I/O, and the timers, run in between; a
 * clock-based rate would not, since the parsing itself is what uses the clock.
 */
function handoffPerTurn(start: (socket: Socket) => void): (socket: Socket) => void {
  const waiting: Socket[] = [];
  let scheduled = false;
  const next = () => {
    let socket = waiting.shift();
    while (socket?.destroyed) socket = waiting.shift();
    if (socket) start(socket);
    scheduled = waiting.length > 0;
    if (scheduled) setImmediate(next);
  };
  return (socket) => {
    waiting.push(socket);
    if (!scheduled) {
      scheduled = true;
      setImmediate(next);
    }
  };
}
