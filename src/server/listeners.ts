import type { Config } from "../config/schema.js";

/** Where the server API and the admin UI are served: the main listener or the internal one. */
export interface Placement {
  /** `http_server.internal_port` / `internal_address` name a listener other than the main one. */
  readonly internal: { readonly address: string; readonly port: number } | undefined;
  readonly apiOnMain: boolean;
  readonly adminOnMain: boolean;
}

/**
 * Centrifugo's split: with an internal listener, the server API, `/metrics`,
 * `/health` and the admin UI move to it, and clients stay on the main port;
 * `http_api.external` and `admin.external` keep the API or the admin UI on
 * the main port. Without one, everything shares the main port.
 */
export function placeSurfaces(config: Config): Placement {
  const server = config.http_server;
  const address = server.internal_address || server.address;
  const port = server.internal_port ?? server.port;
  const separate =
    (server.internal_port !== undefined || server.internal_address !== "") &&
    (address !== server.address || port !== server.port || port === 0);
  return {
    internal: separate ? { address, port } : undefined,
    apiOnMain: !separate || config.http_api.external,
    adminOnMain: !separate || config.admin.external,
  };
}
