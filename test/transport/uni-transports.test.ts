import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { sign } from "../auth/token-helpers.js";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { uniClients } from "../helpers/transport-clients.js";

const secret = "uni-transports-secret";
const namespace = {
  name: "feed",
  presence: true,
  join_leave: true,
  force_push_join_leave: true,
  history_size: 10,
  history_ttl: "300s",
};
const uniEnabled = {
  uni_websocket: { enabled: true },
  uni_sse: { enabled: true },
  uni_http_stream: { enabled: true },
};

let srv: TestServer;
let insecure: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret } },
    channel: { namespaces: [namespace] },
    ...uniEnabled,
  });
  insecure = await startTestServer({
    client: { insecure: true },
    channel: { namespaces: [namespace] },
    ...uniEnabled,
  });
});
after(async () => {
  await srv.close();
  await insecure.close();
});

const token = (user: string, claims: Record<string, unknown>) =>
  sign({ sub: user, ...claims }, secret, "HS256");

async function api(server: TestServer, method: string, body: unknown) {
  const res = await httpApi(server.url, method, body, { "X-API-Key": server.apiKey });
  assert.equal(res.status, 200);
  assert.equal((res.body as { error?: unknown }).error, undefined, res.text);
}

const isPub = (channel: string) => (m: Record<string, unknown>) => m.channel === channel && "pub" in m;

let seq = 0;
for (const [way, open] of Object.entries(uniClients)) {
  describe(way, () => {
    const names = () => {
      seq += 1;
      return { user: `user-${seq}`, channel: `feed:${seq}` };
    };

    test("starts with the connect push carrying the token's subscriptions, then gets publications", async () => {
      const { user, channel } = names();
      const stream = await open(srv.url, { token: await token(user, { subs: { [channel]: {} } }) });
      try {
        assert.equal(stream.status, way.startsWith("uni_websocket") ? 101 : 200);
        const first = stream.received.length > 0 ? stream.received[0]! : await stream.take();
        const connect = first.connect as Record<string, unknown>;
        assert.ok(connect, `first message is the connect push: ${JSON.stringify(first)}`);
        assert.deepEqual(Object.keys(connect.subs as object), [channel]);
        assert.equal(typeof connect.session, "string");
        assert.equal(connect.pong, undefined);
        await api(srv, "publish", { channel, data: { text: "hello" } });
        const pub = await stream.take(isPub(channel));
        assert.deepEqual((pub.pub as { data: unknown }).data, { text: "hello" });
      } finally {
        stream.close();
      }
    });

    test("sees another connection join and leave its channel", async () => {
      const { user, channel } = names();
      const watcher = await open(srv.url, { token: await token(user, { channels: [channel] }) });
      try {
        await watcher.take((m) => "connect" in m);
        const other = await open(srv.url, { token: await token(`${user}-other`, { channels: [channel] }) });
        await other.take((m) => "connect" in m);
        const byOther = (kind: string) => (m: Record<string, unknown>) =>
          m.channel === channel && (m[kind] as { info?: { user?: string } })?.info?.user === `${user}-other`;
        await watcher.take(byOther("join"));
        other.close();
        await watcher.take(byOther("leave"));
      } finally {
        watcher.close();
      }
    });

    test("is subscribed at runtime by the server API", async () => {
      const { user, channel } = names();
      const stream = await open(srv.url, { token: await token(user, {}) });
      try {
        await stream.take((m) => "connect" in m);
        await api(srv, "subscribe", { user, channel });
        await stream.take((m) => m.channel === channel && "subscribe" in m);
        await api(srv, "publish", { channel, data: { n: 1 } });
        const pub = await stream.take(isPub(channel));
        assert.deepEqual((pub.pub as { data: unknown }).data, { n: 1 });
      } finally {
        stream.close();
      }
    });

    test("gets the disconnect push from the server API, then the connection ends", async () => {
      const { user } = names();
      const stream = await open(srv.url, { token: await token(user, {}) });
      await stream.take((m) => "connect" in m);
      await api(srv, "disconnect", { user, disconnect: { code: 4501, reason: "go away" } });
      const push = await stream.take((m) => "disconnect" in m);
      assert.deepEqual(push.disconnect, { code: 4501, reason: "go away" });
      const ended = await stream.ended;
      if (way.startsWith("uni_websocket")) assert.deepEqual(ended, { code: 4501, reason: "go away" });
    });

    test("with client.insecure, subscribes the channels named in the request's subs", async () => {
      seq += 1;
      const channel = `feed:insecure-${seq}`;
      const stream = await open(insecure.url, { subs: { [channel]: {} } });
      try {
        const connect = (await stream.take((m) => "connect" in m)).connect as { subs: object };
        assert.deepEqual(Object.keys(connect.subs), [channel]);
        await api(insecure, "publish", { channel, data: [1, 2] });
        const pub = await stream.take(isPub(channel));
        assert.deepEqual((pub.pub as { data: unknown }).data, [1, 2]);
      } finally {
        stream.close();
      }
    });
  });
}

test("a stream that stays open gets pings, empty pushes, at the ping interval", async () => {
  const server = await startTestServer({ client: { insecure: true, ping_interval: "200ms" }, ...uniEnabled });
  const stream = await uniClients.uni_http_stream(server.url, {});
  try {
    await stream.take((m) => "connect" in m);
    assert.deepEqual(await stream.take((m) => Object.keys(m).length === 0, 5000, true), {});
  } finally {
    stream.close();
    await server.close();
  }
});

test("uni_http_stream works over cleartext HTTP/2 on the same port", async () => {
  const { connect } = await import("node:http2");
  const session = connect(insecure.url);
  try {
    const req = session.request({ ":method": "POST", ":path": "/connection/uni_http_stream" });
    req.end("{}");
    const [headers, firstLine] = await new Promise<[Record<string, unknown>, string]>((resolve, reject) => {
      let head: Record<string, unknown> = {};
      let text = "";
      req.on("response", (h) => {
        head = h;
      });
      req.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes("\n")) resolve([head, text.split("\n")[0]!]);
      });
      req.on("error", reject);
    });
    assert.equal(headers[":status"], 200);
    assert.equal(headers.connection, undefined);
    assert.equal(typeof (JSON.parse(firstLine).connect as { client: string }).client, "string");
    req.close();
  } finally {
    await new Promise((resolve) => session.close(() => resolve(undefined)));
  }
});
