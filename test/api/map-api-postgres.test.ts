import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer } from "../helpers/server.js";
import { mapPostgres, postgresMapBroker, stopMapBrokers } from "../maps/map-brokers.js";
import { call } from "./http-json-fixtures.js";
import { mapApiCases } from "./map-api-cases.js";
import { mapNamespaces } from "./map-api-fixtures.js";

after(stopMapBrokers);

// The BYTEA tables keep values byte for byte, as the suite compares them.
mapApiCases(
  "PostgreSQL map broker",
  async () => ({ map_broker: await postgresMapBroker({ binary_data: true }) }),
  {
    exactTrim: true,
  },
);

describe("map API while the map broker's PostgreSQL is away", () => {
  test("every method answers 100 while PostgreSQL is down and works again once it is back", async () => {
    const srv = await startTestServer({
      map_broker: await postgresMapBroker(),
      channel: { namespaces: mapNamespaces },
    });
    const pg = (await mapPostgres())!;
    try {
      const channel = "board:outage";
      assert.equal((await call(srv, "map_publish", { channel, key: "k", data: { n: 1 } })).status, 200);
      await pg.kill();
      const internal = { error: { code: 100, message: "internal server error" } };
      const requests: [string, unknown][] = [
        ["map_publish", { channel, key: "k", data: { n: 2 } }],
        ["map_remove", { channel, key: "k" }],
        ["map_read_state", { channel, limit: -1 }],
        ["map_read_stream", { channel, limit: -1 }],
        ["map_stats", { channel }],
        ["map_clear", { channel }],
      ];
      for (const [method, request] of requests) {
        assert.deepEqual((await call(srv, method, request)).json, internal, method);
      }
      await pg.restart();
      const rewrite = () => call(srv, "map_publish", { channel, key: "k", data: { n: 3 } });
      await waitUntil(
        "a map write to reach PostgreSQL again",
        async () => "result" in ((await rewrite()).json as object),
        20_000,
      );
      assert.deepEqual((await call(srv, "map_stats", { channel })).json, { result: { num_keys: 1 } });
    } finally {
      await srv.close();
    }
  });
});
