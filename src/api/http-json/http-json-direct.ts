import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { apiErrors } from "../api-errors.js";
import type { ApiKeyPolicy } from "../api-key.js";
import type { ApiService } from "../api-service.js";
import { type ErrorMode, requestErrorMode } from "../connect-api.js";
import { basePath } from "./http-json-plugin.js";
import { errorBody } from "./http-replies.js";
import { answerMethod, type MethodAnswer } from "./method-answer.js";
import { type HttpApiMethod, httpApiMethods } from "./method-table.js";
import { publishCodec } from "./publish-codec.js";
import { admitsKey, firstHeader } from "./request-key.js";

/** Answers an HTTP/1.1 request itself and says true, or says false and leaves it to Fastify. */
export type RequestAnswer = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface HttpJsonDirectOptions {
  /** The same counted service as the HTTP JSON API's routes, so the API metrics count both alike. */
  readonly service: ApiService;
  readonly policy: ApiKeyPolicy;
  readonly errorMode: ErrorMode;
  readonly handlerPrefix: string;
  /** Fastify's `bodyLimit`: larger bodies are left to it (and its 413). */
  readonly bodyLimit: number;
  readonly log: Logger;
  /** Counts each answer by route and status, for `prometheus.instrument_http_handlers` (Fastify does not see them). */
  readonly http?: { httpRequest(path: string, method: string, status: number): void } | undefined;
}

/** The methods answered here: what publishers call in a loop. */
const directMethods = ["publish", "broadcast", "batch"];

/**
 * `POST <prefix>/publish`, `/broadcast` and `/batch` over HTTP/1.1, answered
 * on Node's request before Fastify's routing, hooks, body parser and reply
 * (which cost more than the publication itself), through the same
 * `answerMethod` as the Fastify routes with the publish codec. Only the
 * common shape is taken: exact path (no query), a Content-Length within the
 * body limit, no Transfer-Encoding, a valid key in the headers. Everything
 * else — a missing or wrong key (401), a body too large (413), chunked or
 * empty bodies, HTTP/2 — goes on to the Fastify routes, which answer it as
 * they always have.
 */
export function createHttpJsonDirect(o: HttpJsonDirectOptions): RequestAnswer {
  const base = basePath(o.handlerPrefix);
  const routes = new Map<string, HttpApiMethod>();
  for (const name of directMethods) routes.set(`${base}/${name}`, httpApiMethods.get(name)!);
  return (req, res) => {
    const url = req.url ?? "";
    const method = routes.get(url);
    if (method === undefined || req.method !== "POST" || req.httpVersionMajor !== 1) return false;
    const headers = req.headers;
    const length = headers["content-length"];
    if (length === undefined || headers["transfer-encoding"] !== undefined) return false;
    const size = Number(length);
    if (!(size > 0 && size <= o.bodyLimit) || !admitsKey(o.policy, headers, url)) return false;
    const mode = requestErrorMode(o.errorMode, firstHeader(headers, "x-centrifugo-error-mode"));
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", () => {});
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const warn = (problem: string) =>
        o.log.warn({ method: method.name, problem }, "http api result is not JSON");
      answerMethod(o.service, method, body, mode, publishCodec, {}, warn).then(
        (answer) => send(res, url, answer),
        (err: unknown) => {
          o.log.error({ err }, "http api request failed");
          send(res, url, { status: 500, body: errorBody(apiErrors.internal(), mode) });
        },
      );
    });
    return true;
  };

  function send(res: ServerResponse, route: string, answer: MethodAnswer): void {
    res.writeHead(answer.status, ["content-type", "application/json", "content-length", answer.body.length]);
    // As latin1 text (byte for byte the same) Node writes the head and the body in one string, one write.
    res.end(answer.body.toString("latin1"), "latin1");
    o.http?.httpRequest(route, "POST", answer.status);
  }
}
