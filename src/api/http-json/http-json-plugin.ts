import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { type ApiTracer, requestAttributes } from "../../tracing/api-tracer.js";
import { apiErrors } from "../api-errors.js";
import { type ApiKeyPolicy, unauthorizedHttpMessage } from "../api-key.js";
import type { ApiService } from "../api-service.js";
import { type ErrorMode, requestErrorMode } from "../connect-api.js";
import { httpErrors, sendError, sendJson } from "./http-replies.js";
import { runLegacyStream } from "./legacy-stream.js";
import { answerMethod, bodyProblem, reflectiveCodec, type Seen } from "./method-answer.js";
import { type HttpApiMethod, httpApiMethods } from "./method-table.js";
import { admitsKey, firstHeader } from "./request-key.js";

export interface HttpJsonApiOptions {
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  /** `http_api.error_mode`; the `X-Centrifugo-Error-Mode` header overrides it per request. */
  readonly errorMode: ErrorMode;
  /** `http_api.handler_prefix`: a trailing `/` is trimmed, empty means the root. */
  readonly handlerPrefix: string;
  /** Traces each request (`opentelemetry.api`). */
  readonly tracer?: ApiTracer | undefined;
}

const otherMethods = ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

const header = (request: FastifyRequest, name: string) => firstHeader(request.headers, name);

/** `http_api.handler_prefix` as a route base: a trailing `/` trimmed, a leading one added, empty for the root. */
export function basePath(prefix: string): string {
  const trimmed = prefix.replace(/\/+$/, "");
  return trimmed === "" || trimmed.startsWith("/") ? trimmed : `/${trimmed}`;
}

/**
 * Centrifugo's HTTP JSON server API on a Fastify scope of its own:
 * `POST <prefix>/<method>` for every method of `CentrifugoApi` (404 for those
 * rotor does not implement), and the legacy command stream on `POST <prefix>`.
 * The body is read raw, whatever its Content-Type, and decoded and encoded
 * with Centrifugo's JSON rules (raw-JSON payloads, snake_case keys). Errors
 * come back in the shape `sendError` documents; 401 is plain text saying how
 * to pass the key.
 */
export async function httpJsonApiPlugin(app: FastifyInstance, o: HttpJsonApiOptions): Promise<void> {
  const base = basePath(o.handlerPrefix);
  const modeOf = (request: FastifyRequest) =>
    requestErrorMode(o.errorMode, header(request, "x-centrifugo-error-mode"));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  app.addHook("onRequest", async (request, reply) => {
    if (request.method !== "POST") return;
    // Centrifugo ignores Content-Type: normalise it so even a malformed one reaches the raw-body parser, and
    // supply it when missing: without a type or a length (HTTP/2 needs none) Fastify would not read the body.
    request.headers["content-type"] = "application/octet-stream";
    if (!admitsKey(o.policy, request.headers, request.url)) {
      request.log.debug({ path: request.url.split("?", 1)[0] }, "api call refused: no valid API key");
      return reply
        .code(401)
        .header("content-type", "text/plain; charset=utf-8")
        .send(unauthorizedHttpMessage);
    }
  });

  app.setErrorHandler((err: { code?: string; statusCode?: number; message?: string }, request, reply) => {
    const mode = modeOf(request);
    if (err.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return sendError(reply, 413, httpErrors.tooLarge(app.initialConfig.bodyLimit ?? 0), mode);
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, err.statusCode, httpErrors.badBody(err.message ?? "unreadable body"), mode);
    }
    request.log.error({ err }, "http api request failed");
    return sendError(reply, 500, apiErrors.internal(), mode);
  });

  async function respond(method: HttpApiMethod, request: FastifyRequest, reply: FastifyReply, seen: Seen) {
    const warn = (problem: string) =>
      request.log.warn({ method: method.name, problem }, "http api result is not JSON");
    const body = request.body as Buffer | undefined;
    const answer = await answerMethod(o.service, method, body, modeOf(request), reflectiveCodec, seen, warn);
    return sendJson(reply, answer.status, answer.body);
  }

  /** Answers one method's request; with tracing on, inside a span named by its route, as HTTP tracing names it. */
  async function handle(method: HttpApiMethod, request: FastifyRequest, reply: FastifyReply) {
    const seen: Seen = {};
    if (!o.tracer) return respond(method, request, reply, seen);
    const route = `${base}/${method.name}`;
    const span = o.tracer.start(route, (name) => header(request, name), {
      "http.request.method": "POST",
      "http.route": route,
      "url.path": request.url.split("?", 1)[0]!,
    });
    try {
      return await respond(method, request, reply, seen);
    } finally {
      span.end(seen.error, {
        "http.response.status_code": reply.statusCode,
        ...requestAttributes(method.name, seen.request),
      });
    }
  }

  for (const method of httpApiMethods.values()) {
    app.post(`${base}/${method.name}`, (request, reply) => handle(method, request, reply));
  }
  app.post(`${base}/:method`, async (request, reply) => {
    const name = (request.params as { method: string }).method;
    return sendError(reply, 404, httpErrors.unknownMethod(name), modeOf(request));
  });

  app.post(base || "/", async (request, reply) => {
    const span = o.tracer?.start(base || "/", (name) => header(request, name), {
      "http.request.method": "POST",
      "http.route": base || "/",
    });
    try {
      return await legacy(request, reply);
    } finally {
      span?.end(reply.statusCode === 200 ? undefined : reply.statusCode, {
        "http.response.status_code": reply.statusCode,
      });
    }
  });

  async function legacy(request: FastifyRequest, reply: FastifyReply) {
    const problem = bodyProblem(request.body as Buffer | undefined);
    if (problem) return sendError(reply, 400, problem, "");
    const result = await runLegacyStream(o.service, request.body as Buffer);
    if ("value" in result) return sendJson(reply, 200, result.value);
    const error = result.status === 400 ? httpErrors.badBody(result.error) : httpErrors.payloadNotJson();
    if (result.status === 500) request.log.warn({ problem: result.error }, "http api result is not JSON");
    return sendError(reply, result.status, error, "");
  }

  for (const url of [`${base}/:method`, base || "/"]) {
    app.route({
      method: [...otherMethods],
      url,
      handler: async (_request, reply) =>
        reply
          .code(405)
          .header("allow", "POST")
          .header("content-type", "text/plain; charset=utf-8")
          .send("method not allowed: the server API takes POST"),
    });
  }
}
