import assert from "node:assert/strict";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  connected,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";

/**
 * What every Redis topology must keep working, checked through real
 * clients and the HTTP API: delivery, history, recovery after a reconnect,
 * presence. Shared by the sharding, Cluster and Sentinel suites.
 */

export const secret = "engine-checks-secret";

/** Channel options the checks need: a recoverable namespace with presence. */
export function topologyConfig(redis: Record<string, unknown>): Record<string, unknown> {
  return {
    engine: { type: "redis", redis },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [
        {
          name: "room",
          presence: true,
          history_size: 100,
          history_ttl: "300s",
          force_recovery: true,
          allow_subscribe_for_client: true,
        },
      ],
    },
  };
}

export async function api(srv: TestServer, method: string, body: unknown) {
  const res = await httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
  assert.equal(res.status, 200);
  const reply = res.body as { result?: Record<string, unknown>; error?: unknown };
  assert.equal(reply.error, undefined, `${method}: ${JSON.stringify(reply.error)}`);
  return reply.result!;
}

/**
 * Publishes through `publisher`, receives on `subscriber` (another node or
 * the same), reads history, recovers after a reconnect and sees presence.
 */
export async function checkChannel(
  publisher: TestServer,
  subscriber: TestServer,
  channel: string,
): Promise<void> {
  const token = await mintConnectionToken({ secret, user: "checker", ttl: 3_600_000 });
  const client = centrifugeClient(subscriber.url, "json", { token });
  try {
    const ctx = await connected(client);
    const { sub } = await subscribed(client, channel);
    const pubs = collectPublications(sub);
    const first = await api(publisher, "publish", { channel, data: { n: 1 } });
    assert.deepEqual(
      (await pubs.take(1)).map((p) => p.data),
      [{ n: 1 }],
    );

    const presence = (await api(publisher, "presence", { channel })).presence as Record<string, unknown>;
    assert.deepEqual(Object.keys(presence), [ctx.client]);

    const disconnected = nextEvent(client, "disconnected");
    client.disconnect();
    await disconnected;
    for (const n of [2, 3]) await api(publisher, "publish", { channel, data: { n } });
    const resubscribed = nextEvent<{ recovered: boolean }>(sub, "subscribed");
    client.connect();
    assert.equal((await resubscribed).recovered, true);
    const all = await pubs.take(3);
    assert.deepEqual(
      all.map((p) => [p.offset, p.data]),
      [
        [first.offset, { n: 1 }],
        [(first.offset as number) + 1, { n: 2 }],
        [(first.offset as number) + 2, { n: 3 }],
      ],
    );

    const history = await api(subscriber, "history", { channel, limit: -1 });
    assert.equal((history.publications as unknown[]).length, (first.offset as number) + 2);
    assert.equal(history.epoch, first.epoch);
  } finally {
    client.disconnect();
  }
}
