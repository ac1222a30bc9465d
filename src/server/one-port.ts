import http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { http1Limits } from "./http1-timeouts.js";
import { applyHttp2Limits, http2ServerOptions } from "./http2-limits.js";

const preface = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** The server Fastify owns on one cleartext port, and how to drop the HTTP/2 sessions behind it on close. */
export interface OnePortServers {
  readonly h1: http.Server;
  closeSessions(): void;
}

/**
 * HTTP/1.1 and cleartext HTTP/2 (h2c) on one port. Node cannot serve both from
 * one cleartext server, so each new connection is sniffed: the HTTP/2 preface
 * hands it to a hidden h2 server, anything else goes to the HTTP/1.1 server that
 * Fastify owns (WebSocket upgrades included).
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
  const closeSessions = applyHttp2Limits(h2, config, log);

  const h1ConnectionListeners = h1.listeners("connection") as ((socket: Socket) => void)[];
  h1.removeAllListeners("connection");
  h1.on("connection", (socket: Socket) => {
    let head = Buffer.alloc(0);
    const decide = () => {
      const chunk = socket.read() as Buffer | null;
      if (chunk) head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, preface.length);
      const isH2 = head.subarray(0, n).equals(preface.subarray(0, n));
      if (isH2 && head.length < preface.length && chunk) return;
      socket.off("readable", decide);
      socket.off("end", decide);
      if (head.length > 0) socket.unshift(head);
      if (isH2 && head.length >= preface.length) h2.emit("connection", socket);
      else for (const listener of h1ConnectionListeners) listener.call(h1, socket);
    };
    socket.on("readable", decide);
    socket.on("end", decide);
    socket.on("error", () => socket.destroy());
  });

  return { h1, closeSessions };
}
