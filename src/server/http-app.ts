import { readFileSync } from "node:fs";
import fastify, { type FastifyInstance, LogController } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { createOnePortServers } from "./one-port.js";

type Tls = Config["http_server"]["tls"];

function pem(text: string, file: string): string {
  return file ? readFileSync(file, "utf8") : text.includes("-----BEGIN") ? text : readFileSync(text, "utf8");
}

/**
 * A Fastify instance that answers HTTP/1.1 and HTTP/2 on one port: cleartext
 * h1 + h2c by sniffing the connection preface, or with TLS, ALPN h2 + http/1.1.
 */
export function createHttpApp(logger: Logger, tls: Tls, bodyLimit: number): FastifyInstance {
  const common = {
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit,
    return503OnClosing: false,
  } as const;
  if (tls.enabled) {
    return fastify({
      ...common,
      http2: true,
      https: {
        allowHTTP1: true,
        cert: pem(tls.cert_pem, tls.cert_pem_file),
        key: pem(tls.key_pem, tls.key_pem_file),
      },
    }) as unknown as FastifyInstance;
  }
  let closeSessions = () => {};
  const app = fastify({
    ...common,
    serverFactory: (handler) => {
      const servers = createOnePortServers(handler, { keepAliveMs: 72_000 });
      closeSessions = servers.closeSessions;
      return servers.h1;
    },
  });
  app.addHook("preClose", (done) => {
    closeSessions();
    done();
  });
  return app as unknown as FastifyInstance;
}
