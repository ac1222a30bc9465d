import { createRequire } from "node:module";
import { dirname } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";
import { openApiDocument } from "./openapi-document.js";

/** Points the UI at the document served beside it and keeps the API key across reloads of the page. */
const initializer = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "./swagger.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
};
`;

/**
 * `swagger.enabled`: the HTTP API described as an OpenAPI 2.0 document at
 * `<prefix>/swagger.json` and Swagger UI at `<prefix>/` to read it and send
 * requests with an API key, on the operations listener, as Centrifugo serves
 * it. The UI's files come from the swagger-ui-dist package as published.
 */
export async function mountSwagger(
  app: FastifyInstance,
  prefix: string,
  apiPrefix: string,
  version: string,
): Promise<void> {
  const document = JSON.stringify(openApiDocument(apiPrefix, version));
  const root = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  if (prefix !== "") app.get(prefix, async (_request, reply) => reply.redirect(`${prefix}/`));
  app.get(`${prefix}/swagger.json`, async (_request, reply) => reply.type("application/json").send(document));
  app.get(`${prefix}/swagger-initializer.js`, async (_request, reply) =>
    reply.type("text/javascript; charset=utf-8").send(initializer),
  );
  await app.register(fastifyStatic, {
    root,
    prefix: `${prefix}/`,
    decorateReply: false,
    allowedPath: (path) => !path.endsWith(".map") && path !== "/swagger-initializer.js",
  });
}
