import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { connectClient, httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { signKeys, startPollBackend } from "./poll-backend.js";
import { rawClient } from "./raw-client.js";

const secret = "poll-connect-secret";
const pollSecret = "poll-track-secret";
const keyFor = (n: number) => `k${n}`;

describe("shared poll track, untrack and publish over the JSON protocol", () => {
  let backend: Awaited<ReturnType<typeof startPollBackend>>;
  let srv: TestServer;
  const clients: Awaited<ReturnType<typeof rawClient>>[] = [];

  before(async () => {
    backend = await startPollBackend("epoch-1");
    const poll = { refresh_interval: "200ms", max_keys_per_connection: 3 };
    srv = await startTestServer({
      client: { token: { hmac_secret_key: secret } },
      shared_poll: { hmac_secret_key: pollSecret },
      grpc_api: true,
      channel: {
        proxy: { shared_poll_refresh: backend.proxy },
        namespaces: [
          {
            name: "live",
            subscription_type: "shared_poll",
            allow_subscribe_for_client: true,
            shared_poll: { ...poll, mode: "versioned", publish_enabled: true },
          },
          {
            name: "quiet",
            subscription_type: "shared_poll",
            allow_subscribe_for_client: true,
            shared_poll: poll,
          },
          {
            name: "brief",
            subscription_type: "shared_poll",
            allow_subscribe_for_client: true,
            shared_poll: { ...poll, track_expired_extra_delay: "300ms" },
          },
          { name: "news", allow_subscribe_for_client: true },
        ],
      },
    });
  });

  after(async () => {
    for (const c of clients) c.close();
    await srv.close();
    await backend.close();
  });

  async function connect(user: string) {
    const token = await mintConnectionToken({ secret, user, ttl: 3_600_000 });
    const client = await rawClient(srv.url, token);
    clients.push(client);
    return client;
  }

  const track = (channel: string, batches: { signature: string; items: object[] }[], untrack?: string[]) => ({
    sub_refresh: { channel, type: 1, track: batches, ...(untrack ? { untrack } : {}) },
  });
  const signed = (user: string, channel: string, keys: string[], o = {}) => ({
    signature: signKeys(pollSecret, user, channel, keys, o),
    items: keys.map((key) => ({ key })),
  });

  test("type 4 subscribes a shared poll namespace only; other types there are 107, type 4 elsewhere 108", async () => {
    const c = await connect("alice");
    const ok = await c.call({ subscribe: { channel: "quiet:a", type: 4 } });
    assert.equal(ok.subscribe.type, 4);
    assert.match(ok.subscribe.epoch, /^[a-zA-Z]{8}$/);
    assert.equal((await c.call({ subscribe: { channel: "quiet:b" } })).error.code, 107);
    assert.equal((await c.call({ subscribe: { channel: "news:a", type: 4 } })).error.code, 108);
    assert.equal((await c.call({ subscribe: { channel: "quiet:a", type: 4 } })).error.code, 105);
  });

  test("track signatures: another user's, another channel's, tampered keys and uppercase hex are 103; expired 109", async () => {
    const c = await connect("bob");
    const channel = "quiet:sig";
    await c.call({ subscribe: { channel, type: 4 } });
    const code = async (batch: { signature: string; items: object[] }) =>
      (await c.call(track(channel, [batch]))).error?.code;
    assert.equal(await code(signed("alice", channel, ["k1"])), 103);
    assert.equal(await code(signed("bob", "quiet:other", ["k1"])), 103);
    assert.equal(await code({ ...signed("bob", channel, ["k1"]), items: [{ key: "k2" }] }), 103);
    const good = signed("bob", channel, ["k1"]);
    assert.equal(await code({ ...good, signature: good.signature.toUpperCase() }), 103);
    assert.equal(await code({ ...good, signature: "garbage" }), 103);
    const past = Math.floor(Date.now() / 1000) - 60;
    assert.equal(await code(signed("bob", channel, ["k1"], { iat: past - 60, exp: past })), 109);
    // One bad batch refuses the whole request: nothing of the good batch is tracked.
    const mixed = await c.call(track(channel, [good, signed("alice", channel, ["k2"])]));
    assert.equal(mixed.error.code, 103);
    assert.equal(
      (await c.call({ sub_refresh: { channel, type: 2, untrack: ["k1"] } })).sub_refresh !== undefined,
      true,
    );
    assert.equal(backend.requests.filter((r) => r.channel === channel).length, 0);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const reply = await c.call(track(channel, [signed("bob", channel, ["k1"], { exp })]));
    assert.equal(reply.sub_refresh.expires, true);
    assert.ok(reply.sub_refresh.ttl > 590 && reply.sub_refresh.ttl <= 600);
  });

  test("track needs a subscribed shared poll channel (103) and some keys (107); untrack needs keys (107)", async () => {
    const c = await connect("carol");
    assert.equal(
      (await c.call(track("quiet:none", [signed("carol", "quiet:none", ["k1"])]))).error.code,
      103,
    );
    await c.call({ subscribe: { channel: "quiet:c", type: 4 } });
    assert.equal((await c.call(track("quiet:c", []))).error.code, 107);
    assert.equal((await c.call(track("quiet:c", [{ signature: "1:0:ab", items: [] }]))).error.code, 107);
    assert.equal(
      (await c.call({ sub_refresh: { channel: "quiet:c", type: 2, untrack: [] } })).error.code,
      107,
    );
  });

  test("more keys than max_keys_per_connection is 106; an inline untrack makes room", async () => {
    const c = await connect("dave");
    const channel = "quiet:limit";
    await c.call({ subscribe: { channel, type: 4 } });
    assert.deepEqual((await c.call(track(channel, [signed("dave", channel, ["a", "b"])]))).sub_refresh, {});
    assert.equal((await c.call(track(channel, [signed("dave", channel, ["c", "d"])]))).error.code, 106);
    const swap = await c.call(track(channel, [signed("dave", channel, ["c", "d"])], ["a"]));
    assert.deepEqual(swap.sub_refresh, {});
    assert.equal((await c.call(track(channel, [signed("dave", channel, ["e"])]))).error.code, 106);
  });

  test("versionless: changes are detected by content, numbered per channel, pushed once; untrack stops them", async () => {
    const channel = "quiet:board";
    backend.keys.set("q1", { data: { score: 1 } });
    backend.keys.set("q2", { data: { score: 10 } });
    const c = await connect("erin");
    await c.call({ subscribe: { channel, type: 4 } });
    await c.call(track(channel, [signed("erin", channel, ["q1", "q2"])]));
    await c.until(() => c.pubs(channel).length === 2);
    const first = c.pubs(channel).map((p) => [p.key, p.data, p.version]);
    assert.deepEqual(first.sort(), [
      ["q1", { score: 1 }, first.find((f) => f[0] === "q1")![2]],
      ["q2", { score: 10 }, first.find((f) => f[0] === "q2")![2]],
    ]);
    backend.keys.set("q1", { data: { score: 2 } });
    await c.until(() => c.pubs(channel).length === 3);
    const third = c.pubs(channel)[2]!;
    assert.equal(third.key, "q1");
    assert.deepEqual(third.data, { score: 2 });
    assert.equal(third.version, 3);
    assert.deepEqual(
      (await c.call({ sub_refresh: { channel, type: 2, untrack: ["q1", "unknown"] } })).sub_refresh,
      {},
    );
    backend.keys.set("q1", { data: { score: 3 } });
    backend.keys.set("q2", { data: { score: 11 } });
    await c.until(() => c.pubs(channel).length === 4);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(
      c
        .pubs(channel)
        .slice(3)
        .map((p) => [p.key, p.data]),
      [["q2", { score: 11 }]],
    );
    backend.keys.set("q2", { data: null, removed: true });
    await c.until(() => c.pubs(channel).length === 5);
    assert.deepEqual(c.pubs(channel)[4], { key: "q2", removed: true });
  });

  test("a key whose signature expired is dropped after track_expired_extra_delay; polling stops with the last tracker", async () => {
    const channel = "brief:x";
    backend.keys.set("short", { data: { n: 1 } });
    backend.keys.set("long", { data: { n: 1 } });
    const c = await connect("hank");
    await c.call({ subscribe: { channel, type: 4 } });
    const exp = Math.floor(Date.now() / 1000) + 1;
    await c.call(
      track(channel, [signed("hank", channel, ["short"], { exp }), signed("hank", channel, ["long"])]),
    );
    await c.until(() => c.pubs(channel).length === 2);
    const asked = (key: string) =>
      backend.requests.filter((r) => r.channel === channel && r.items.some((i) => i.key === key)).length;
    const polledSince = async (key: string, waitMs: number) => {
      const before = asked(key);
      await new Promise((r) => setTimeout(r, waitMs));
      return asked(key) - before;
    };
    // The key goes 300 ms after its exp, without a push.
    await new Promise((r) => setTimeout(r, exp * 1000 + 1000 - Date.now()));
    assert.equal(await polledSince("short", 500), 0);
    assert.ok((await polledSince("long", 500)) > 0);
    backend.keys.set("short", { data: { n: 2 } });
    assert.equal(c.pubs(channel).length, 2);
    c.close();
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(await polledSince("long", 500), 0);
  });

  test("versioned: a new backend epoch unsubscribes with 2500, then updates arrive once, in order", async () => {
    const channel = "live:scores";
    backend.keys.set(keyFor(1), { data: { n: 1 }, version: 1 });
    const c = await connect("frank");
    const sub = await c.call({ subscribe: { channel, type: 4 } });
    assert.equal(sub.subscribe.epoch ?? "", "");
    await c.call(track(channel, [signed("frank", channel, [keyFor(1)])]));
    await c.until(() => c.pushes.some((p) => p.channel === channel && p.unsubscribe));
    assert.deepEqual(c.pushes.find((p) => p.unsubscribe)!.unsubscribe, {
      code: 2500,
      reason: "insufficient state",
    });
    const again = await c.call({ subscribe: { channel, type: 4 } });
    assert.equal(again.subscribe.epoch, "epoch-1");
    await c.call(track(channel, [signed("frank", channel, [keyFor(1)])]));
    await c.until(() => c.pubs(channel).length === 1);
    for (const v of [2, 3, 4]) {
      backend.keys.set(keyFor(1), { data: { n: v }, version: v });
      await c.until(() => c.pubs(channel).length === v);
    }
    // A few more cycles answer the same version: nothing is sent again.
    const asked = backend.requests.length;
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(backend.requests.length > asked);
    assert.deepEqual(
      c.pubs(channel).map((p) => [p.version, p.data.n]),
      [
        [1, 1],
        [2, 2],
        [3, 3],
        [4, 4],
      ],
    );
    // Tracking at the version already held asks the backend for nothing new to this client.
    const other = await connect("frank");
    await other.call({ subscribe: { channel, type: 4 } });
    await other.call(
      track(channel, [{ ...signed("frank", channel, [keyFor(1)]), items: [{ key: keyFor(1), version: 4 }] }]),
    );
    await new Promise((r) => setTimeout(r, 450));
    assert.equal(other.pubs(channel).length, 0);
  });

  test("shared_poll_publish over HTTP JSON and gRPC: newer versions delivered with their epoch, older dropped", async () => {
    const channel = "live:pub";
    backend.keys.set("p", { data: { from: "backend" }, version: 1 });
    const c = await connect("gina");
    await c.call({ subscribe: { channel, type: 4 } });
    await c.call(track(channel, [signed("gina", channel, ["p"])]));
    await c.until(() => c.pushes.some((p) => p.channel === channel && p.unsubscribe));
    await c.call({ subscribe: { channel, type: 4 } });
    await c.call(track(channel, [signed("gina", channel, ["p"])]));
    await c.until(() => c.pubs(channel).length === 1);

    const http = await httpApi(
      srv.url,
      "shared_poll_publish",
      {
        channel,
        key: "p",
        data: { from: "http" },
        version: 5,
        epoch: "epoch-1",
      },
      { "x-api-key": srv.apiKey },
    );
    assert.deepEqual([http.status, http.body], [200, { result: {} }]);
    await c.until(() => c.pubs(channel).length === 2);
    assert.deepEqual(c.pubs(channel)[1], { data: { from: "http" }, key: "p", version: 5, epoch: "epoch-1" });

    const api = connectClient(CentrifugoApi, "grpc", `http://127.0.0.1:${srv.grpcPort}`, srv.apiKey);
    const stale = await api.sharedPollPublish({
      channel,
      key: "p",
      data: Buffer.from('{"from":"old"}'),
      version: 4n,
    });
    assert.equal(stale.error, undefined);
    await api.sharedPollPublish({
      channel,
      key: "p",
      b64data: Buffer.from('{"from":"grpc"}').toString("base64"),
      version: 6n,
    });
    await c.until(() => c.pubs(channel).length === 3);
    assert.deepEqual(c.pubs(channel)[2]!.data, { from: "grpc" });
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.pubs(channel).length, 3);

    const code = async (body: object) => {
      const answer = await httpApi(srv.url, "shared_poll_publish", body, { "x-api-key": srv.apiKey });
      return (answer.body as { error?: { code: number } }).error?.code;
    };
    assert.equal(await code({ channel: "", key: "p", version: 1 }), 107);
    assert.equal(await code({ channel, key: "", version: 1 }), 107);
    assert.equal(await code({ channel, key: "p", version: 0 }), 107);
    assert.equal(await code({ channel: "nowhere:x", key: "p", version: 1 }), 102);
    assert.equal(await code({ channel: "news:x", key: "p", version: 1 }), 107);
    assert.equal(await code({ channel: "quiet:x", key: "p", version: 1 }), 108);
  });
});
