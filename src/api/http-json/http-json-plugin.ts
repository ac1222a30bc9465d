import { isUtf8 } from "node:buffer";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { RotorError } from "../../errors/rotor-error.js";
import { decodeJsonMessage } from "../../protocol/json/json-decode.js";
import { encodeJsonMessage } from "../../protocol/json/json-encode.js";
import { apiErrors, transportStatus } from "../api-errors.js";
import { type ApiKeyPolicy, hasValidKey, unauthorizedHttpMessage } from "../api-key.js";
import type { ApiService } from "../api-service.js";
import { type ErrorMode, requestErrorMode } from "../connect-api.js";
import { httpErrors, sendError, sendJson } from "./http-replies.js";
import { runLegacyStream } from "./legacy-stream.js";
import { type HttpApiMethod, httpApiMethods } from "./method-table.js";

export interface HttpJsonApiOptions {
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  /** `http_api.error_mode`; the `X-Centrifugo-Error-Mode` header overrides it per request. */
  readonly errorMode: ErrorMode;
  /** `http_api.handler_prefix`: a trailing `/` is trimmed, empty means the root. */
  readonly handlerPrefix: string;
}

const otherMethods = ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"] as const;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The raw body of a POST, or why no route can decode it: empty, or not UTF-8. */
function rawBody(request: FastifyRequest): { body: Buffer } | { error: RotorError } {
  const body = request.body as Buffer | undefined;
  if (!body || body.length === 0) return { error: httpErrors.emptyBody() };
  return isUtf8(body) ? { body } : { error: httpErrors.notUtf8() };
}

function basePath(prefix: string): string {
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
    const query = request.url.indexOf("?");
    const params = query >= 0 ? new URLSearchParams(request.url.slice(query + 1)) : undefined;
    if (!hasValidKey(o.policy, (name) => header(request, name), params)) {
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

  async function handle(method: HttpApiMethod, request: FastifyRequest, reply: FastifyReply) {
    const mode = modeOf(request);
    const run = method.run;
    if (run === undefined) return sendError(reply, 404, httpErrors.unavailable(method.name), mode);
    const raw = rawBody(request);
    if ("error" in raw) return sendError(reply, 400, raw.error, mode);
    const decoded = decodeJsonMessage(method.input, raw.body);
    if ("error" in decoded) return sendError(reply, 400, httpErrors.badBody(decoded.error), mode);
    let response: object;
    if (run === "batch") {
      response = await o.service.batch(decoded.value as never);
    } else {
      const outcome = await o.service.call(run, decoded.value as never);
      if ("error" in outcome && mode === "transport") {
        return sendError(reply, transportStatus(outcome.error.code).http, outcome.error, mode);
      }
      response = outcome;
    }
    const encoded = encodeJsonMessage(method.output, response);
    if ("error" in encoded) {
      request.log.warn({ method: method.name, problem: encoded.error }, "http api result is not JSON");
      return sendError(reply, 500, httpErrors.payloadNotJson(), mode);
    }
    return sendJson(reply, 200, encoded.value);
  }

  for (const method of httpApiMethods.values()) {
    app.post(`${base}/${method.name}`, (request, reply) => handle(method, request, reply));
  }
  app.post(`${base}/:method`, async (request, reply) => {
    const name = (request.params as { method: string }).method;
    return sendError(reply, 404, httpErrors.unknownMethod(name), modeOf(request));
  });

  app.post(base || "/", async (request, reply) => {
    const raw = rawBody(request);
    if ("error" in raw) return sendError(reply, 400, raw.error, "");
    const result = await runLegacyStream(o.service, raw.body);
    if ("value" in result) return sendJson(reply, 200, result.value);
    const error = result.status === 400 ? httpErrors.badBody(result.error) : httpErrors.payloadNotJson();
    if (result.status === 500) request.log.warn({ problem: result.error }, "http api result is not JSON");
    return sendError(reply, result.status, error, "");
  });

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
