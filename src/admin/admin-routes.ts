import { existsSync } from "node:fs";
import { join } from "node:path";
import { fastifyConnectPlugin } from "@connectrpc/connect-fastify";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import type { ApiService } from "../api/api-service.js";
import { runLegacyStream } from "../api/http-json/legacy-stream.js";
import type { Config } from "../config/schema.js";
import { limitedLog } from "../log/log-limiter.js";
import type { AdminAccess } from "./admin-access.js";
import type { LiveView } from "./live-view.js";
import { createLoginThrottle } from "./login-throttle.js";

export interface AdminOptions {
  readonly config: Config["admin"];
  readonly access: AdminAccess;
  readonly service: ApiService;
  readonly live: LiveView;
  /** Where failed logins are reported (rate-limited). */
  readonly log: Logger;
  /** The built UI (dist/admin), used unless `admin.web_path` names another directory. */
  readonly assets: string;
}

const bodyLimit = 1024 * 1024;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The `password` field of a login form, URL-encoded or multipart (as
 * Centrifugo's own UI posts it), or of a JSON body; undefined when the body
 * cannot be read.
 */
async function formPassword(request: FastifyRequest): Promise<string | undefined> {
  const body = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  const type = header(request, "content-type") ?? "application/x-www-form-urlencoded";
  try {
    if (type.startsWith("application/json"))
      return (JSON.parse(body.toString()) as { password?: string }).password;
    const form = await new Response(new Uint8Array(body), { headers: { "content-type": type } }).formData();
    const password = form.get("password");
    return typeof password === "string" ? password : undefined;
  } catch {
    return undefined;
  }
}

/** 401 with an empty body, as Centrifugo answers an admin call without a valid token. */
function guard(access: AdminAccess) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (!access.allows((name) => header(request, name))) await reply.code(401).send();
  };
}

/**
 * Centrifugo's admin endpoints under `<admin.handler_prefix>/admin/`: `init`
 * (is login needed), `auth` (password → token), `api` (the legacy
 * `{"method", "params"}` server API, for tools written against Centrifugo's
 * UI) — plus rotor's live view: `live/token`, the uni stream under
 * `live/`, and `live/watchers` (how much of this node's Info counts are
 * live-view watchers). The web UI itself is served at `<prefix>/`.
 */
export async function adminPlugin(app: FastifyInstance, o: AdminOptions): Promise<void> {
  const base = `${o.config.handler_prefix}/admin`;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit }, (_request, body, done) => done(null, body));
  const protectedRoute = { preHandler: guard(o.access) };
  // The admin UI is never framed: no clickjacking of its buttons from another page.
  app.addHook("onSend", async (_request, reply) => {
    reply.header("x-frame-options", "DENY");
    reply.header("content-security-policy", "frame-ancestors 'none'");
  });

  app.all(`${base}/init`, async (request) => ({
    insecure: o.access.insecure,
    edition: "oss",
    authenticated: o.access.allows((name) => header(request, name)),
  }));

  const throttle = createLoginThrottle();
  app.post(`${base}/auth`, async (request, reply) => {
    const address = request.ip;
    const waitMs = throttle.waitFor(address);
    if (waitMs > 0) {
      return reply
        .code(429)
        .header("retry-after", String(Math.ceil(waitMs / 1000)))
        .type("text/plain; charset=utf-8")
        .send("Too Many Requests");
    }
    const token = o.access.login((await formPassword(request)) ?? "");
    if (token === undefined) {
      const failures = throttle.failed(address);
      limitedLog(o.log).warn(`admin login ${address}`, { remote: address, failures }, "admin login failed");
      return reply.code(400).type("text/plain; charset=utf-8").send("Bad Request");
    }
    throttle.succeeded(address);
    return { token };
  });

  app.post(`${base}/api`, protectedRoute, async (request, reply) => {
    const body = request.body as Buffer | undefined;
    if (!body || body.length === 0)
      return reply.code(400).type("text/plain; charset=utf-8").send("empty body");
    const result = await runLegacyStream(o.service, body);
    if ("value" in result) return reply.type("application/json").send(result.value);
    return reply.code(result.status).type("text/plain; charset=utf-8").send(result.error);
  });

  app.post(`${base}/live/token`, protectedRoute, async (request, reply) => {
    let channel: unknown;
    try {
      channel = (
        JSON.parse((request.body as Buffer | undefined)?.toString() || "{}") as { channel?: unknown }
      ).channel;
    } catch {
      channel = undefined;
    }
    if (typeof channel !== "string" || channel === "") {
      return reply.code(400).type("text/plain; charset=utf-8").send('send {"channel": "<name>"}');
    }
    const refusal = o.live.refusal(channel);
    if (refusal) return reply.code(400).type("text/plain; charset=utf-8").send(refusal);
    return { token: await o.live.token(channel) };
  });

  app.get(`${base}/live/watchers`, protectedRoute, async () => o.live.watchers());

  await app.register(
    async (scope) => {
      await scope.register(fastifyConnectPlugin, { routes: o.live.routes, shutdownTimeoutMs: 1000 });
    },
    { prefix: `${base}/live` },
  );

  const root = o.config.web_path || o.assets;
  if (existsSync(join(root, "index.html"))) {
    await app.register(fastifyStatic, {
      root,
      prefix: `${o.config.handler_prefix}/`,
      wildcard: false,
      // `<prefix>` without its slash leads to the page; the root has no such form.
      redirect: o.config.handler_prefix !== "",
    });
  } else {
    app.log.warn(
      { root },
      "admin UI files not found: run `npm run build` (the admin endpoints still answer)",
    );
  }
}
