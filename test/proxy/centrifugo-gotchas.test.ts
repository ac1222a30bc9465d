import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { rawClient } from "../client/raw-websocket.js";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { uniClients } from "../helpers/transport-clients.js";
import { startHttpBackend } from "./backends/http-backend.js";
import { caseHeader, type ProxyMethod, Script } from "./backends/script.js";
import type { TestBackend } from "./backends/test-backend.js";
import { connected, eventWhere, nextEvent } from "./events.js";
import { sessionOf, tokenSecret, unixNow, waitUntil } from "./proxy-fixture.js";

/** Centrifugo's proxy behaviours that surprise, one test each (HTTP JSON backend). */
describe("proxy behaviours kept from Centrifugo", { concurrency: true }, () => {
  const script = new Script();
  let backend: TestBackend;
  let server: TestServer;
  let anonymous: TestServer;
  before(async () => {
    backend = await startHttpBackend(script);
    const p = (m: ProxyMethod) => ({
      ...backend.proxy(m),
      emulated_headers: [caseHeader],
      http_headers: [caseHeader],
      http: {
        status_to_code_transforms: [
          { status_code: 404, to_error: { code: 1010, message: "no such user" } },
          { status_code: 403, to_disconnect: { code: 4503, reason: "forbidden" } },
        ],
      },
    });
    const channel = {
      proxy: { subscribe: p("Subscribe"), publish: p("Publish"), sub_refresh: p("SubRefresh") },
      namespaces: [
        {
          name: "px",
          subscribe_proxy_enabled: true,
          publish_proxy_enabled: true,
          sub_refresh_proxy_enabled: true,
          history_size: 10,
          history_ttl: "60s",
          allow_recovery: true,
          allow_positioning: true,
        },
      ],
    };
    const rpc = { proxy: p("RPC"), without_namespace: { proxy_enabled: true } };
    server = await startTestServer({
      uni_http_stream: { enabled: true },
      client: {
        token: { hmac_secret_key: tokenSecret },
        proxy: { connect: { enabled: true, ...p("Connect") }, refresh: { enabled: true, ...p("Refresh") } },
      },
      channel,
      rpc,
    });
    anonymous = await startTestServer({
      client: {
        allow_anonymous_connect_without_token: true,
        proxy: { connect: { enabled: true, ...p("Connect") } },
      },
      channel,
      rpc,
    });
  });
  after(async () => {
    await Promise.all([server.close(), anonymous.close()]);
    await backend.close();
  });

  const client = (name: string, target = server, token?: string) =>
    centrifugeClient(target.url, "json", { headers: { [caseHeader]: name }, ...(token ? { token } : {}) });
  const calls = (name: string, method: ProxyMethod) =>
    script.calls.filter((c) => c.caseName === name && c.method === method);

  test("a token, even an expired one, skips the connect proxy", async () => {
    const valid = client(
      "token-valid",
      server,
      await mintConnectionToken({ secret: tokenSecret, user: "u", ttl: 60_000 }),
    );
    const expired = client(
      "token-expired",
      server,
      await mintConnectionToken({ secret: tokenSecret, user: "u", ttl: 1000 }),
    );
    try {
      await connected(valid);
      // Its expiry (a whole second) passes: wait on the clock, the thing under test.
      const exp = unixNow() + 1;
      await waitUntil(() => Date.now() / 1000 > exp, "the token has expired", 3000);
      const error = eventWhere<{ type: string; error: { code: number } }>(
        expired,
        "error",
        (e) => e.type === "connect",
      );
      expired.connect();
      assert.equal((await error).error.code, 109);
      assert.equal(calls("token-valid", "Connect").length + calls("token-expired", "Connect").length, 0);
    } finally {
      valid.disconnect();
      expired.disconnect();
    }
  });

  test("user is always sent to refresh, subscribe, publish, rpc and sub_refresh (empty when anonymous), never to connect", async () => {
    const name = "anonymous-user";
    script.define(name, {
      Connect: { answer: {} },
      Subscribe: () => ({ answer: { result: { expire_at: unixNow() + 2 } } }),
      SubRefresh: { answer: { result: {} } },
    });
    const c = client(name, anonymous);
    try {
      await connected(c);
      const sub = c.newSubscription("px:anonymous");
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      await sub.publish({ text: "hi" });
      await c.rpc("m", {});
      await script.waitForCall((x) => x.caseName === name && x.method === "SubRefresh");
      for (const method of ["Subscribe", "Publish", "RPC", "SubRefresh"] as const) {
        const [call] = calls(name, method);
        assert.ok(call && "user" in call.request && call.request.user === "", method);
      }
      assert.ok(!("user" in (calls(name, "Connect")[0]?.request ?? { user: 1 })));
    } finally {
      c.disconnect();
    }
  });

  test("{} from connect is no credentials: 3501, or an anonymous connection where allowed", async () => {
    const name = "empty-connect";
    script.define(name, { Connect: { answer: {} } });
    const refused = client(name);
    const admitted = client(name, anonymous);
    try {
      const closed = nextEvent<{ code: number; reason: string }>(refused, "disconnected");
      refused.connect();
      assert.deepEqual(await closed, { code: 3501, reason: "bad request" });
      const ctx = await connected(admitted);
      assert.equal(sessionOf(anonymous, ctx.client).user, "");
    } finally {
      refused.disconnect();
      admitted.disconnect();
    }
  });

  test("{} from subscribe, publish and rpc allows", async () => {
    const name = "empty-allows";
    script.define(name, { Subscribe: { answer: {} }, Publish: { answer: {} }, RPC: { answer: {} } });
    const c = client(name);
    try {
      await connected(c);
      const sub = c.newSubscription("px:empty");
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      const published = nextEvent<{ data: unknown }>(sub, "publication");
      await sub.publish({ text: "as sent" });
      assert.deepEqual((await published).data, { text: "as sent" });
      assert.equal((await c.rpc("m", {})).data, undefined);
    } finally {
      c.disconnect();
    }
  });

  test("{} from refresh expires the connection (3005); {} from sub_refresh makes the subscription never expire", async () => {
    const name = "empty-refresh";
    script.define(name, {
      Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 2 } } }),
      Refresh: { answer: { result: {} } },
    });
    const subName = "empty-sub-refresh";
    script.define(subName, {
      Subscribe: () => ({ answer: { result: { expire_at: unixNow() + 2 } } }),
      SubRefresh: { answer: { result: {} } },
    });
    const c = client(name);
    const s = client(subName);
    try {
      const expired = eventWhere<{ code: number }>(c, "connecting", (e) => e.code !== 0);
      await connected(c);
      assert.equal((await expired).code, 3005);
      const ctx = await connected(s);
      const sub = s.newSubscription("px:forever");
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      const subscription = sessionOf(server, ctx.client).subscriptions.get("px:forever");
      await script.waitForCall((x) => x.caseName === subName && x.method === "SubRefresh");
      await waitUntil(() => subscription?.expireAt === 0, "the subscription stops expiring");
      assert.equal(sub.state, "subscribed");
    } finally {
      c.disconnect();
      s.disconnect();
    }
  });

  test("status_to_code_transforms turn statuses into errors and disconnects; for refresh into expiry", async () => {
    script.define("status-error", { Connect: { status: 404 } });
    script.define("status-disconnect", { Connect: { status: 403 } });
    script.define("status-other", { Connect: { status: 500 } });
    script.define("status-refresh", {
      Connect: () => ({ answer: { result: { user: "r", expire_at: unixNow() + 2 } } }),
      Refresh: { status: 404 },
    });
    const [e, d, o, r] = ["status-error", "status-disconnect", "status-other", "status-refresh"].map((n) =>
      client(n),
    );
    try {
      const errorClosed = nextEvent<{ code: number; reason: string }>(e!, "disconnected");
      const disconnected = nextEvent<{ code: number; reason: string }>(d!, "disconnected");
      const otherError = eventWhere<{ type: string; error: { code: number } }>(
        o!,
        "error",
        (x) => x.type === "connect",
      );
      const expired = eventWhere<{ code: number }>(r!, "connecting", (x) => x.code !== 0);
      for (const x of [e, d, o, r]) x!.connect();
      assert.deepEqual(await errorClosed, { code: 1010, reason: "no such user" });
      assert.deepEqual(await disconnected, { code: 4503, reason: "forbidden" });
      assert.equal((await otherError).error.code, 100);
      assert.equal((await expired).code, 3005);
    } finally {
      for (const x of [e, d, o, r]) x!.disconnect();
    }
  });

  test("a subscribe-proxy subscription gets only forced recovery and positioning, not what the client asks", async () => {
    script.define("asks", { Subscribe: { answer: {} } });
    script.define("forced", {
      Subscribe: { answer: { result: { override: { force_recovery: { value: true } } } } },
    });
    const asks = client("asks");
    const forced = client("forced");
    try {
      await Promise.all([connected(asks), connected(forced)]);
      const results = await Promise.all(
        [asks, forced].map(async (c) => {
          const sub = c.newSubscription("px:recovery", { recoverable: true, positioned: true });
          const ready = nextEvent<{ recoverable: boolean; positioned: boolean }>(sub, "subscribed");
          sub.subscribe();
          const ctx = await ready;
          return { recoverable: ctx.recoverable, positioned: ctx.positioned };
        }),
      );
      assert.deepEqual(results, [
        { recoverable: false, positioned: false },
        { recoverable: true, positioned: true },
      ]);
    } finally {
      asks.disconnect();
      forced.disconnect();
    }
  });

  test("a client refresh command is a protocol violation when the server refreshes connections", async () => {
    const token = await mintConnectionToken({ secret: tokenSecret, user: "u", ttl: 60_000 });
    const raw = await rawClient(server.url, "json");
    try {
      raw.send({ id: 1, connect: { token } });
      assert.equal((await raw.reply(1)).connect !== undefined, true);
      // The connect reply said expires: false, so an SDK never sends this.
      raw.send({ id: 2, refresh: { token } });
      assert.equal((await raw.closed).code, 3501);
    } finally {
      raw.close();
    }
  });

  test("unidirectional clients connect through the proxy; a failing backend ends them with 3004", async () => {
    const down = await startTestServer({
      uni_http_stream: { enabled: true },
      client: { proxy: { connect: { enabled: true, endpoint: `http://127.0.0.1:${await freePort()}/` } } },
    });
    try {
      const ok = await uniClients.uni_http_stream(server.url, {});
      assert.ok("connect" in (await ok.take((m) => "connect" in m)));
      ok.close();
      const failed = await uniClients.uni_http_stream(down.url, {});
      const pushed = (await failed.take((m) => "disconnect" in m)) as { disconnect: { code: number } };
      assert.equal(pushed.disconnect.code, 3004);
      failed.close();
    } finally {
      await down.close();
    }
  });
});
