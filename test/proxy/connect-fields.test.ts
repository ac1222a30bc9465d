import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { clientProtocols, decoded, payloadFor } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { backendTransports, startBackend } from "./backends/backends.js";
import { caseHeader, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected, eventWhere, nextEvent } from "./events.js";
import { Clients, sessionOf, unixNow } from "./proxy-fixture.js";

type Presence = { clients: Record<string, { user: string; connInfo?: unknown; chanInfo?: unknown }> };

for (const transport of backendTransports) {
  describe(`connect proxy results over ${transport}`, { concurrency: true }, () => {
    const script = new Script();
    let backend: TestBackend;
    let server: TestServer;
    before(async () => {
      backend = await startBackend(transport, script);
      const p = (m: "Connect" | "RPC") => ({ ...backend.proxy(m), emulated_headers: [caseHeader] });
      server = await startTestServer({
        client: { proxy: { connect: { enabled: true, ...p("Connect") } } },
        channel: {
          namespaces: [
            { name: "news", presence: true, allow_presence_for_subscriber: true },
            { name: "chat", presence: true, allow_presence_for_subscriber: true },
          ],
        },
        rpc: {
          proxy: { ...p("RPC"), include_connection_meta: true },
          without_namespace: { proxy_enabled: true },
        },
      });
    });
    after(async () => {
      await server.close();
      await backend.close();
    });

    for (const protocol of clientProtocols) {
      test(`user, info, data, channels, subs, meta and expire_at reach the connection (${protocol})`, async () => {
        const name = `fields-${protocol}`;
        const expireAt = unixNow() + 600;
        script.define(name, {
          Connect: {
            answer: {
              result: {
                user: "56",
                expire_at: expireAt,
                info: { name: "Alice" },
                data: { motd: "hello" },
                channels: [`news:${protocol}`],
                subs: {
                  [`chat:lobby-${protocol}`]: { info: { role: "mod" }, data: { unread: 3 } },
                  [`chat:quiet-${protocol}`]: { override: { presence: { value: false } } },
                },
                meta: { tenant: "acme" },
              },
            },
          },
        });
        const clients = new Clients(protocol, name);
        try {
          const client = clients.open(server, {
            data: payloadFor(protocol, { locale: "en" }),
            name: "tester",
            version: "1.2.3",
          });
          const news = eventWhere<{ channel: string }>(
            client,
            "subscribed",
            (c) => c.channel === `news:${protocol}`,
          );
          const quiet = eventWhere<{ channel: string }>(
            client,
            "subscribed",
            (c) => c.channel === `chat:quiet-${protocol}`,
          );
          const lobby = eventWhere<{ channel: string; data?: unknown }>(
            client,
            "subscribed",
            (c) => c.channel === `chat:lobby-${protocol}`,
          );
          const ctx = await connected(client);
          assert.deepEqual(decoded((ctx as { data?: unknown }).data), { motd: "hello" });
          await Promise.all([news, quiet]);
          assert.deepEqual(decoded((await lobby).data), { unread: 3 });

          const presence = (await client.presence(`chat:lobby-${protocol}`)) as unknown as Presence;
          const me = presence.clients[ctx.client];
          assert.equal(me?.user, "56");
          assert.deepEqual(decoded(me?.connInfo), { name: "Alice" });
          assert.deepEqual(decoded(me?.chanInfo), { role: "mod" });
          assert.equal(
            Object.keys(((await client.presence(`news:${protocol}`)) as unknown as Presence).clients).length,
            1,
          );

          const session = sessionOf(server, ctx.client);
          assert.equal(session.identity.expireAt, expireAt);

          const request = (await script.waitForCall((c) => c.caseName === name && c.method === "Connect"))
            .request;
          assert.equal(request.client, ctx.client);
          assert.equal(request.transport, "websocket");
          assert.equal(request.protocol, protocol);
          assert.equal(request.encoding, "json");
          assert.equal(request.name, "tester");
          assert.equal(request.version, "1.2.3");
          assert.deepEqual(request.data, { locale: "en" });

          await client.rpc("whoami", payloadFor(protocol, {}));
          const rpc = await script.waitForCall((c) => c.caseName === name && c.method === "RPC");
          assert.equal(rpc.request.user, "56");
          assert.deepEqual(rpc.request.meta, { tenant: "acme" });
        } finally {
          clients.close();
        }
      });

      test(`an expire_at in the past is error 110 (${protocol})`, async () => {
        const name = `past-${protocol}`;
        script.define(name, {
          Connect: () => ({ answer: { result: { user: "56", expire_at: unixNow() - 10 } } }),
        });
        const clients = new Clients(protocol, name);
        try {
          const client = clients.open(server);
          const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
          client.connect();
          assert.deepEqual(await closed, { code: 110, reason: "expired" });
        } finally {
          clients.close();
        }
      });

      test(`a channel of an unknown namespace in the result is error 102 (${protocol})`, async () => {
        const name = `unknown-ns-${protocol}`;
        script.define(name, { Connect: { answer: { result: { user: "56", channels: ["nowhere:1"] } } } });
        const clients = new Clients(protocol, name);
        try {
          const client = clients.open(server);
          const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
          client.connect();
          assert.deepEqual(await closed, { code: 102, reason: "unknown channel" });
        } finally {
          clients.close();
        }
      });
    }
  });
}
