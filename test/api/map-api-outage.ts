import assert from "node:assert/strict";
import { test } from "node:test";
import { waitUntil } from "../helpers/redis-servers.js";
import { startTestServer } from "../helpers/server.js";
import { call } from "./http-json-fixtures.js";
import { mapNamespaces } from "./map-api-fixtures.js";

/** A map broker's backing server the test can stop and start again. */
export interface Outage {
  /** The `map_broker` section pointing at it. */
  readonly mapBroker: Record<string, unknown>;
  kill(): Promise<void>;
  restart(): Promise<void>;
}

/**
 * The test that every map method answers 100 while the map broker's server
 * is away, and works again once it is back.
 */
export function mapApiOutageCase(what: string, setUp: () => Promise<Outage>): void {
  test(`every method answers 100 while ${what} is down and works again once it is back`, async () => {
    const backing = await setUp();
    const srv = await startTestServer({
      map_broker: backing.mapBroker,
      channel: { namespaces: mapNamespaces },
    });
    try {
      const channel = "board:outage";
      assert.equal((await call(srv, "map_publish", { channel, key: "k", data: { n: 1 } })).status, 200);
      await backing.kill();
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
      await backing.restart();
      const rewrite = () => call(srv, "map_publish", { channel, key: "k", data: { n: 3 } });
      await waitUntil(
        `a map write to reach ${what} again`,
        async () => "result" in ((await rewrite()).json as object),
        20_000,
      );
      assert.deepEqual((await call(srv, "map_stats", { channel })).json, { result: { num_keys: 1 } });
    } finally {
      await srv.close();
    }
  });
}
