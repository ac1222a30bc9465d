import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { mintConnectionToken, mintSubscriptionToken } from "../../src/auth/mint.js";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapView, putKey } from "./map-view.js";

const secret = "map-tokens-secret";
const ttl = 3600;
let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [{ name: "vault", subscription_type: "map", map: { mode: "ephemeral", key_ttl: "60s" } }],
    },
  });
});
after(() => srv.close());

test("a map channel closed to clients admits a subscriber with a subscription token, refuses one without (103)", async () => {
  const ch = "vault:keys";
  await putKey(srv, ch, "a", { v: 1 });
  const c = centrifugeClient(srv.url, "json", {
    token: await mintConnectionToken({ secret, user: "ann", ttl }),
  });
  try {
    const refused = mapView(c, ch);
    const gone = nextEvent<{ code: number }>(refused.sub, "unsubscribed");
    refused.sub.subscribe();
    c.connect();
    assert.equal((await gone).code, 103);
    c.removeMapSubscription(refused.sub);
    const admitted = mapView(c, ch, {
      token: await mintSubscriptionToken({ secret, user: "ann", channel: ch, ttl }),
    });
    admitted.sub.subscribe();
    await admitted.until("the state", (v) => v.syncs === 1);
    assert.deepEqual([...admitted.entries], [["a", { v: 1 }]]);
  } finally {
    c.disconnect();
  }
});
