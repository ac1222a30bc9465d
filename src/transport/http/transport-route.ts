import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Cors } from "./cors.js";
import { acceptRawBodies } from "./raw-body.js";

/** One HTTP endpoint of a client transport. */
export interface TransportRoute {
  readonly path: string;
  readonly methods: readonly ("GET" | "POST")[];
  /** Larger bodies are refused with 413 before the handler runs. */
  readonly bodyLimit: number;
  handle(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/**
 * Mounts transport endpoints on a Fastify scope of their own: raw bodies, the
 * shared origin rule and CORS, and a preflight answer on every path.
 */
export function mountTransportRoutes(
  scope: FastifyInstance,
  routes: readonly TransportRoute[],
  cors: Cors,
): void {
  acceptRawBodies(scope);
  scope.addHook("onRequest", cors.onRequest);
  for (const route of routes) {
    scope.route({
      method: [...route.methods],
      url: route.path,
      bodyLimit: route.bodyLimit,
      handler: (request, reply) => route.handle(request, reply),
    });
    scope.route({
      method: "OPTIONS",
      url: route.path,
      handler: cors.preflight([...route.methods, "OPTIONS"].join(", ")),
    });
  }
}

/** Refuses a request the transport cannot start a connection from, saying why. */
export async function refuse(reply: FastifyReply, status: number, reason: string): Promise<void> {
  await reply.code(status).type("text/plain; charset=utf-8").send(`${reason}\n`);
}
