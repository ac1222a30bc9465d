import { after, before, describe } from "node:test";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type ApiSurface, apiSurfaces } from "./api-surfaces.js";
import { mapDeliveryCases } from "./map-api-delivery.js";
import { type MapApiContext, mapNamespaces } from "./map-api-fixtures.js";
import { mapReadCases } from "./map-api-reads.js";
import { mapWriteCases } from "./map-api-writes.js";

/**
 * The map API suite, run over every surface of one server (grpc-js, gRPC,
 * gRPC-Web, Connect JSON and binary, HTTP JSON), each surface on channels of
 * its own. `config` chooses the map broker; `exactTrim` when it trims a
 * stream to exactly `stream_size` (Redis trims approximately, keeping more).
 */
export function mapApiCases(
  label: string,
  config: () => Promise<Record<string, unknown>>,
  o: { exactTrim: boolean },
): void {
  describe(`map API (${label})`, () => {
    let srv: TestServer;
    let surfaces: ApiSurface[];
    let closeSurfaces: () => void;

    before(async () => {
      srv = await startTestServer({
        ...(await config()),
        prometheus: { enabled: true },
        channel: { namespaces: mapNamespaces },
      });
      ({ surfaces, close: closeSurfaces } = apiSurfaces(srv));
    });
    after(async () => {
      closeSurfaces();
      await srv.close();
    });

    const ctx: MapApiContext = {
      srv: () => srv,
      surfaces: () => surfaces,
      async each(run) {
        for (const surface of surfaces)
          await run(surface, (method, request) => surface.call(method, request));
      },
    };
    mapWriteCases(ctx);
    mapReadCases(ctx, o.exactTrim);
    mapDeliveryCases(ctx);
  });
}
