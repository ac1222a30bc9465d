import http from "node:http";
import http2 from "node:http2";
import type { Socket } from "node:net";

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
export function createOnePortServers(handler: Handler, timeouts: { keepAliveMs: number }): OnePortServers {
  const h1 = http.createServer({ keepAliveTimeout: timeouts.keepAliveMs }, handler);
  const h2 = http2.createServer(
    {},
    handler as unknown as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void,
  );
  const closeSessions = trackSessions(h2);

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

/** How long open streams may take to finish once the server closes, before their sessions are destroyed. */
const sessionCloseGraceMs = 1000;

/**
 * Follows the HTTP/2 sessions of a server and returns how to close them all:
 * closing the server alone waits for every idle client session to time out,
 * and a graceful session close waits for its streams, which a peer that reset
 * a stream mid-shutdown may never let finish.
 */
export function trackSessions(server: http2.Http2Server | http2.Http2SecureServer): () => void {
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });
  return () => {
    for (const session of sessions) {
      session.close();
      setTimeout(() => session.destroyed || session.destroy(), sessionCloseGraceMs).unref();
    }
  };
}
