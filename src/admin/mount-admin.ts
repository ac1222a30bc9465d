import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { ApiService } from "../api/api-service.js";
import type { ClientContext } from "../client/client-context.js";
import { packageRoot } from "../server/package-info.js";
import type { AdminAccess } from "./admin-access.js";
import { adminPlugin } from "./admin-routes.js";
import { createLiveView } from "./live-view.js";

/** Where `npm run build` puts the admin UI. */
export const adminAssets = join(packageRoot, "dist", "admin");

/** Serves the admin UI and its endpoints on a listener (the internal one unless `admin.external`). */
export async function mountAdmin(
  app: FastifyInstance,
  o: { access: AdminAccess; service: ApiService; clientCtx: ClientContext },
): Promise<void> {
  const config = o.clientCtx.config.admin;
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
