import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ApiService } from "../api/api-service.js";
import type { ClientContext } from "../client/client-context.js";
import { packageRoot } from "../server/package-info.js";
import type { AdminAccess } from "./admin-access.js";

/** Where `npm run build` puts the admin UI. */
export const adminAssets = join(packageRoot, "dist", "admin");

/**
 * Serves the admin UI and its endpoints on a listener (the internal one unless `admin.external`).
 * Its routes, static serving and live view are loaded here, only when the admin UI is enabled.
 */
export async function mountAdmin(
  app: FastifyInstance,
  o: { access: AdminAccess; service: ApiService; clientCtx: ClientContext },
): Promise<void> {
  const config = o.clientCtx.config.admin;
  const [{ adminPlugin }, { createLiveView }] = await Promise.all([
    import("./admin-routes.js"),
    import("./live-view.js"),
  ]);
  const live = await createLiveView(o.clientCtx, config.secret);
  await app.register(adminPlugin, {
    config,
    access: o.access,
    service: o.service,
    live,
    log: o.clientCtx.log,
    assets: adminAssets,
  });
}
