import { readFileSync } from "node:fs";
import fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from "fastify";
import type { Logger } from "pino";
import type { StreamAnswer } from "../api/direct-unary/direct-unary-answer.js";
import type { RequestAnswer } from "../api/http-json/http-json-direct.js";
import type { Config } from "../config/schema.js";
import { clampDeadlines } from "./deadline-clamp.js";
import { http1Limits } from "./http1-timeouts.js";
import { applyHttp2Limits, type Http2Limits, http2ServerOptions } from "./http2-limits.js";
import { createOnePortServers } from "./one-port.js";

type Tls = Config["http_server"]["tls"];
type Limits = Config["http_server"];

function pem(text: string, file: string): string {
  return file ? readFileSync(file, "utf8") : text.includes("-----BEGIN") ? text : readFileSync(text, "utf8");
}

/** `/package.Service/Method`: the path shape of gRPC, gRPC-Web and Connect calls. */
const rpcPath = /^\/[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;

/**
 * Unknown paths, answered in the caller's protocol: a gRPC or gRPC-Web client
 * gets status 12 (Unimplemented) naming the method instead of a bare HTTP 404,
 * a Connect client the Connect error JSON; anything else a plain 404.
 */
function notFound(request: FastifyRequest, reply: FastifyReply) {
  const path = request.url.split("?")[0]!;
  const contentType = request.headers["content-type"] ?? "";
  const message = `unknown method: nothing is served at ${path}`;
  if (contentType.startsWith("application/grpc")) {
    return reply
      .code(200)
      .header("content-type", contentType)
      .header("grpc-status", "12")
      .header("grpc-message", encodeURIComponent(message))
      .send();
  }
  if (rpcPath.test(path) && /^application\/(json|proto)/.test(contentType)) {
    return reply.code(404).send({ code: "unimplemented", message });
  }
  return reply.code(404).header("content-type", "text/plain; charset=utf-8").send(`not found: ${path}`);
}

/** The limits of the HTTP/2 server under each app, where streams can be answered before Fastify sees them. */
const h2Limits = new WeakMap<FastifyInstance, Http2Limits>();

/** Where the app's cleartext HTTP/1.1 server looks first for a request's answer. */
const h1First = new WeakMap<FastifyInstance, { answer?: RequestAnswer }>();

/**
 * Has the app's cleartext HTTP/1.1 server offer every request to `answer`
 * before it becomes a Fastify request (one answer per app; TLS listeners
 * keep every request on Fastify).
 */
export function answerRequestsFirst(app: FastifyInstance, answer: RequestAnswer): void {
  const slot = h1First.get(app);
  if (slot) slot.answer = answer;
}

/** Has the app's HTTP/2 server offer every new stream to `answer` before it becomes a Fastify request. */
export function answerStreamsFirst(app: FastifyInstance, answer: StreamAnswer): void {
  h2Limits.get(app)?.answerFirst(answer);
}

/**
 * Has the app's HTTP/2 server advertise RFC 8441's extended CONNECT and offer
 * every new stream to `answer` first (see `answerStreamsFirst`).
 */
export function answerExtendedConnect(app: FastifyInstance, answer: StreamAnswer): void {
  const h2 = h2Limits.get(app);
  h2?.enableConnectProtocol();
  h2?.answerFirst(answer);
}

/**
 * A Fastify instance that answers HTTP/1.1 and HTTP/2 on one port: cleartext
 * h1 + h2c by sniffing the connection preface, or with TLS, ALPN h2 + http/1.1 —
 * both under the limits and timeouts of `http_server` (`limits`).
 */
export function createHttpApp(logger: Logger, tls: Tls, bodyLimit: number, limits: Limits): FastifyInstance {
  const app = createFastify(logger, tls, bodyLimit, limits);
  app.setNotFoundHandler(notFound);
  app.addHook("onRequest", clampDeadlines);
  return app;
}

function createFastify(logger: Logger, tls: Tls, bodyLimit: number, limits: Limits): FastifyInstance {
  const common = {
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: false,
  } as const;
  let h2: Http2Limits | undefined;
  let app: FastifyInstance;
  if (tls.enabled) {
    const secure = fastify({
      ...common,
      http2: true,
      http2SessionTimeout: limits.idle_timeout,
      https: {
        allowHTTP1: true,
        cert: pem(tls.cert_pem, tls.cert_pem_file),
        key: pem(tls.key_pem, tls.key_pem_file),
        ...(tls.client_ca_pem
          ? { ca: pem(tls.client_ca_pem, ""), requestCert: true, rejectUnauthorized: true }
          : {}),
        handshakeTimeout: limits.header_timeout,
        ...http2ServerOptions(limits),
      },
    });
    http1Limits(secure.server as unknown as Parameters<typeof http1Limits>[0], limits);
    h2 = applyHttp2Limits(secure.server, limits, logger);
    app = secure as unknown as FastifyInstance;
  } else {
    const first: { answer?: RequestAnswer } = {};
    app = fastify({
      ...common,
      serverFactory: (handler) => {
        const answerFirst: typeof handler = (req, res) => {
          if (!first.answer?.(req, res)) handler(req, res);
        };
        const servers = createOnePortServers(answerFirst, limits, logger);
        h2 = servers.h2;
        return servers.h1;
      },
    }) as unknown as FastifyInstance;
    h1First.set(app, first);
  }
  if (h2) h2Limits.set(app, h2);
  app.addHook("preClose", (done) => {
    h2?.closeAll();
    done();
  });
  return app;
}
