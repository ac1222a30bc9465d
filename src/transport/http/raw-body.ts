import type { FastifyInstance, FastifyRequest } from "fastify";

const binaryType = "application/octet-stream";

/**
 * Makes a Fastify scope hand request bodies over as raw bytes whatever their
 * Content-Type, as Centrifugo reads them. The only thing the type still says
 * is whether the body is protobuf (`application/octet-stream`) or JSON.
 */
export function acceptRawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  scope.addHook("onRequest", async (request) => {
    const type = request.headers["content-type"];
    if (type === undefined && request.method !== "POST") return;
    // A malformed type would fail in Fastify's parser lookup, and with neither a type nor a length (HTTP/2
    // needs none) Fastify would not read the body: keep only the one bit that matters.
    request.headers["content-type"] = type?.toLowerCase().startsWith(binaryType) ? binaryType : "text/plain";
  });
}

/** Whether the client sent protobuf. */
export function isBinaryBody(request: FastifyRequest): boolean {
  return request.headers["content-type"] === binaryType;
}

/** The request body as bytes; empty when there was none. */
export function bodyBytes(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}
