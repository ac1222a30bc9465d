import type { FastifyInstance } from "fastify";
import { createAdminAccess } from "../admin/admin-access.js";
import { mountAdmin } from "../admin/mount-admin.js";
import type { ApiRoutesOptions } from "../api/connect-routes.js";
import type { ClientContext } from "../client/client-context.js";
import type { Config } from "../config/schema.js";
import { connectStreamHook } from "../transport/connect-stream/connect-stream-hook.js";
import { type ApiContext, mountApi } from "./api-routes.js";
import { mountClientTransports } from "./client-transports.js";
import { createHttpApp } from "./http-app.js";
import { placeSurfaces } from "./listeners.js";
import { instrumentHttp, mountOpsRoutes } from "./ops-routes.js";
import { rotorVersion } from "./package-info.js";

/** The HTTP listeners before they listen: the main one, and the internal one when configured. */
export interface Listeners {
  readonly main: FastifyInstance;
  readonly internal: FastifyInstance | undefined;
}

/**
 * The internal listener's TLS: `internal_tls` when enabled, none with
 * `tls_external` (main TLS is for the external listener only), else the main TLS.
 */
function internalTls(server: Config["http_server"]): Config["http_server"]["tls"] {
  if (server.internal_tls.enabled) return server.internal_tls;
  return server.tls_external ? { ...server.tls, enabled: false } : server.tls;
}

/**
 * Builds the main listener and, when configured, the internal one, and puts
 * every surface on the right one: client transports on the main listener;
 * the server API, health, metrics and the admin UI on the internal listener
 * unless `http_api.external` / `admin.external` keep them on the main one.
 */
export async function buildListeners(
  api: ApiContext,
  clientCtx: ClientContext,
  uniStream: ApiRoutesOptions["extraService"],
): Promise<Listeners> {
  const { config, metrics, log, readMaxBytes } = api;
  const placement = placeSurfaces(config);
  const main = createHttpApp(log, config.http_server.tls, readMaxBytes, config.http_server);
  const internal = placement.internal
    ? createHttpApp(log, internalTls(config.http_server), readMaxBytes, config.http_server)
    : undefined;
  for (const app of [main, internal]) {
    if (app && config.prometheus.instrument_http_handlers) instrumentHttp(app, metrics);
  }
  if (uniStream) main.addHook("onRequest", connectStreamHook(config.client.allowed_origins, log));

  const admin = config.admin.enabled ? createAdminAccess(config.admin) : undefined;
  const adminApp = placement.adminOnMain ? main : internal!;
  const adminAccess = (app: FastifyInstance) => (app === adminApp ? admin?.allows : undefined);
  await mountApi(main, api, {
    api: placement.apiOnMain,
    adminAccess: adminAccess(main),
    extraService: uniStream,
  });
  if (internal)
    await mountApi(internal, api, { api: !placement.apiOnMain, adminAccess: adminAccess(internal) });
  mountClientTransports(main, clientCtx);
  mountOpsRoutes(internal ?? main, config, metrics);
  if (config.swagger.enabled) {
    // Loaded only when asked for, with the static file serving it brings.
    const { mountSwagger } = await import("../swagger/swagger-routes.js");
    await mountSwagger(
      internal ?? main,
      config.swagger.handler_prefix,
      config.http_api.handler_prefix,
      rotorVersion,
    );
  }
  if (admin) await mountAdmin(adminApp, { access: admin, service: api.service, clientCtx });
  if (config.admin.enabled && config.admin.insecure) {
    log.warn("admin.insecure is set: the admin UI and the server API behind it need no login");
  }
  return { main, internal };
}
