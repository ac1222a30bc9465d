import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { SharedPollUpdateContext } from "centrifuge";
import { clientProtocols, decoded, eventWhere } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapTestClients } from "../maps/map-test-clients.js";
import { backendTransports, startBackend } from "../proxy/backends/backends.js";
import { Script } from "../proxy/backends/script.js";
import type { TestBackend } from "../proxy/backends/test-backend.js";
import { signKeys } from "./poll-backend.js";

const secret = "poll-proxy-secret";
const pollSecret = "poll-proxy-track-secret";

/** The backend answers each key with its name and the channel it was asked for; key "gone" is removed. */
function refreshAnswer(request: Record<string, unknown>) {
  const items = (request.items as { key: string }[]).map(({ key }) =>
    key === "gone" ? { key, removed: true } : { key, data: { key, channel: request.channel } },
  );
  return { answer: { result: { items } } };
}

for (const transport of backendTransports) {
  describe(`shared_poll_refresh proxy over ${transport}`, () => {
    const script = new Script();
    script.define("", { SharedPollRefresh: refreshAnswer });
    let backend: TestBackend;
    let srv: TestServer;
    const clients = mapTestClients(secret, () => srv.url);

    before(async () => {
      backend = await startBackend(transport, script);
      const poll = { refresh_interval: "5s" };
      srv = await startTestServer({
        client: { token: { hmac_secret_key: secret } },
        shared_poll: { hmac_secret_key: pollSecret },
        proxies: [{ name: "pollers", ...backend.proxy("SharedPollRefresh") }],
        channel: {
          proxy: { shared_poll_refresh: backend.proxy("SharedPollRefresh") },
          namespaces: [
            {
              name: "poll",
              subscription_type: "shared_poll",
              allow_subscribe_for_client: true,
              shared_poll: poll,
            },
            {
              name: "named",
              subscription_type: "shared_poll",
              allow_subscribe_for_client: true,
              shared_poll: { ...poll, proxy_name: "pollers" },
            },
          ],
        },
      });
    });

    after(async () => {
      clients.disconnectAll();
      await srv.close();
      await backend.close();
    });

    for (const protocol of clientProtocols) {
      for (const ns of ["poll", "named"]) {
        test(`${ns} namespace, ${protocol} SDK client: keys are polled at once and their data delivered`, async () => {
          const { client } = await clients.connect(protocol, "ann");
          const channel = `${ns}:${protocol}`;
          const sub = client.newSharedPollSubscription(channel, {
            getSignature: async ({ keys }) => ({
              keys,
              signature: signKeys(pollSecret, "ann", channel, keys),
            }),
          });
          const updates: SharedPollUpdateContext[] = [];
          sub.on("update", (ctx) => updates.push(ctx));
          const both = eventWhere(sub, "update", () => updates.length === 2);
          sub.subscribe();
          sub.track(["a", "b"]);
          await both;
          const call = await script.waitForCall(
            (c) => c.method === "SharedPollRefresh" && c.request.channel === channel,
          );
          assert.deepEqual(call.request, { channel, items: [{ key: "a" }, { key: "b" }] });
          assert.deepEqual(updates.map((u) => [u.key, decoded(u.data)]).sort(), [
            ["a", { key: "a", channel }],
            ["b", { key: "b", channel }],
          ]);
          const removed = eventWhere<SharedPollUpdateContext>(sub, "update", (u) => u.key === "gone");
          sub.track(["gone"]);
          assert.equal((await removed).removed, true);
          assert.ok(!sub.trackedKeys().has("gone"));
        });
      }
    }
  });
}
