import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JsonValue } from "@bufbuild/protobuf";
import type { Centrifuge } from "centrifuge";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { sign, unix } from "../auth/token-helpers.js";
import { connectProtocols } from "../helpers/api-clients.js";
import { centrifugeClient, connected, nextEvent, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type V2Caller, type V2Request, v2Callers } from "../helpers/v2-callers.js";

const enc = (text: string) => new TextEncoder().encode(text);
const b64 = (text: string) => Buffer.from(text).toString("base64");
const data = enc('{"input":"hello"}');
const none = new Uint8Array(0);

const v2Error = (code: number, message: string) => ({ error: { code, message } });
const badRequest = v2Error(107, "bad request");
const namespaceNotFound = v2Error(102, "namespace not found");
const notAvailable = v2Error(108, "not available");

const secret = "v2-methods-secret";
const transports = ["grpc-js", ...connectProtocols];
let srv: TestServer;
let callers: Map<string, V2Caller>;
/** A real WebSocket client in `chat:watched`, the channel presence and channels are asked about. */
let watcher: Centrifuge;
let watcherId: string;

before(async () => {
  srv = await startTestServer({
    grpc_api: true,
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [
        {
          name: "chat",
          history_size: 10,
          history_ttl: "300s",
          presence: true,
          allow_subscribe_for_client: true,
        },
        { name: "plain" },
        { name: "json", history_size: 10, history_ttl: "300s", publication_data_format: "json" },
        { name: "room", allow_subscribe_for_client: true },
      ],
    },
  });
  callers = new Map(v2Callers(`127.0.0.1:${srv.grpcPort}`, srv.url, srv.apiKey).map((c) => [c.name, c]));
  const token = await sign({ sub: "watcher", exp: unix(3600), info: { name: "Alex" } }, secret, "HS256");
  watcher = centrifugeClient(srv.url, "json", { token });
  watcherId = (await connected(watcher)).client;
  await subscribed(watcher, "chat:watched");
});

after(async () => {
  watcher.disconnect();
  for (const caller of callers.values()) caller.close();
  await srv.close();
});

const caller = (t: string) => callers.get(t)!;

/** Requests that fail the v2 way, and the in-body error each gets. */
const errorCases: [string, V2Request, JsonValue][] = [
  ["Publish", { channel: "", data }, badRequest],
  ["Publish", { channel: "chat:x", data: none }, badRequest],
  ["Publish", { channel: "nope:x", data: none }, badRequest],
  ["Publish", { channel: "nope:x", data }, namespaceNotFound],
  ["Broadcast", { channels: [], data }, badRequest],
  ["Broadcast", { channels: ["chat:x"], data: none }, badRequest],
  ["Broadcast", { channels: ["nope:x", ""], data }, namespaceNotFound],
  ["Broadcast", { channels: ["chat:x", "", "nope:x"], data }, badRequest],
  ["Unsubscribe", { channel: "chat:x", user: "" }, badRequest],
  ["Unsubscribe", { channel: "nope:x", user: "42" }, namespaceNotFound],
  ["Disconnect", { user: "" }, badRequest],
  ["Presence", { channel: "" }, badRequest],
  ["Presence", { channel: "nope:x" }, namespaceNotFound],
  ["Presence", { channel: "plain:x" }, notAvailable],
  ["PresenceStats", { channel: "" }, badRequest],
  ["PresenceStats", { channel: "nope:x" }, namespaceNotFound],
  ["PresenceStats", { channel: "plain:x" }, notAvailable],
  ["History", { channel: "" }, badRequest],
  ["History", { channel: "nope:x" }, namespaceNotFound],
  ["History", { channel: "plain:x" }, notAvailable],
  ["HistoryRemove", { channel: "" }, badRequest],
  ["HistoryRemove", { channel: "nope:x" }, namespaceNotFound],
  ["HistoryRemove", { channel: "plain:x" }, notAvailable],
  ["RPC", { method: "" }, badRequest],
  ["RPC", { method: "anything" }, v2Error(104, "method not found")],
];

for (const t of transports) {
  test(`v2 errors over ${t} are in the body with v2's codes and messages`, async () => {
    for (const [method, request, expected] of errorCases) {
      assert.deepEqual(
        await caller(t).call(method, request),
        expected,
        `${method} ${JSON.stringify(request)}`,
      );
    }
  });

  test(`v2 publish over ${t} has no result, and v2 history returns every publication oldest first`, async () => {
    const channel = `chat:history-${t}`;
    for (let n = 1; n <= 3; n++) {
      assert.deepEqual(await caller(t).call("Publish", { channel, data: enc(`{"n":${n}}`) }), { result: {} });
    }
    assert.deepEqual(await caller(t).call("History", { channel }), {
      result: { publications: [1, 2, 3].map((n) => ({ uid: "", data: b64(`{"n":${n}}`) })) },
    });
    assert.deepEqual(await caller(t).call("HistoryRemove", { channel }), { result: {} });
    assert.deepEqual(await caller(t).call("History", { channel }), { result: { publications: [] } });
  });

  test(`v2 broadcast over ${t} publishes to every channel or to none`, async () => {
    const [a, b] = [`chat:broadcast-${t}-a`, `chat:broadcast-${t}-b`];
    assert.deepEqual(await caller(t).call("Broadcast", { channels: [a, "nope:x"], data }), namespaceNotFound);
    assert.deepEqual(await caller(t).call("History", { channel: a }), { result: { publications: [] } });
    assert.deepEqual(await caller(t).call("Broadcast", { channels: [a, b], data }), { result: {} });
    for (const channel of [a, b]) {
      assert.deepEqual(await caller(t).call("History", { channel }), {
        result: { publications: [{ uid: "", data: b64('{"input":"hello"}') }] },
      });
    }
  });

  test(`v2 broadcast over ${t} answers 100 when a publish fails after the checks`, async () => {
    const request = { channels: [`chat:failing-${t}`, `json:failing-${t}`], data: enc("not json") };
    assert.deepEqual(await caller(t).call("Broadcast", request), v2Error(100, "internal server error"));
  });

  test(`v2 presence, presence stats and channels over ${t}`, async () => {
    assert.deepEqual(await caller(t).call("Presence", { channel: "chat:watched" }), {
      result: {
        presence: {
          [watcherId]: {
            user: "watcher",
            client: watcherId,
            conn_info: b64('{"name":"Alex"}'),
            chan_info: "",
          },
        },
      },
    });
    assert.deepEqual(await caller(t).call("PresenceStats", { channel: "chat:watched" }), {
      result: { num_clients: 1, num_users: 1 },
    });
    assert.deepEqual(await caller(t).call("Channels"), { result: { channels: ["chat:watched"] } });
  });

  test(`v2 info over ${t} lists the node without num_subs or metrics`, async () => {
    const snapshot = srv.server.node.snapshot();
    const response = (await caller(t).call("Info")) as { result: { nodes: Record<string, JsonValue>[] } };
    const [node] = response.result.nodes;
    assert.equal(typeof node?.uptime, "number");
    assert.deepEqual(response.result.nodes, [
      {
        uid: snapshot.uid,
        name: snapshot.name,
        version: snapshot.version,
        num_clients: snapshot.numClients,
        num_users: snapshot.numUsers,
        num_channels: snapshot.numChannels,
        uptime: node?.uptime ?? null,
      },
    ]);
  });

  test(`v2 unsubscribe and disconnect over ${t} reach the user's WebSocket connections`, async () => {
    const user = `u-${t}`;
    const client = centrifugeClient(srv.url, t === "grpc-js" ? "protobuf" : "json", {
      token: await mintConnectionToken({ secret, user, ttl: 3_600_000 }),
    });
    try {
      const { sub } = await subscribed(client, `room:${user}`);
      const unsubscribed = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      assert.deepEqual(await caller(t).call("Unsubscribe", { channel: `room:${user}`, user }), {
        result: {},
      });
      assert.deepEqual(await unsubscribed, {
        channel: `room:${user}`,
        code: 2000,
        reason: "server unsubscribe",
      });
      const disconnected = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      assert.deepEqual(await caller(t).call("Disconnect", { user }), { result: {} });
      assert.deepEqual(await disconnected, { code: 3503, reason: "force disconnect" });
    } finally {
      client.disconnect();
    }
  });
}

test("the same v2 request gets the same response over every transport", async () => {
  await caller("grpc-js").call("Publish", { channel: "chat:shared", data });
  const requests: [string, V2Request?][] = [
    ["History", { channel: "chat:shared" }],
    ["Presence", { channel: "chat:watched" }],
    ["PresenceStats", { channel: "chat:watched" }],
    ["Channels"],
    ["Publish", { channel: "nope:x", data }],
    ["RPC", { method: "x" }],
  ];
  for (const [method, request] of requests) {
    const responses = await Promise.all(transports.map((t) => caller(t).call(method, request)));
    for (const [i, response] of responses.entries()) {
      assert.deepEqual(response, responses[0], `${method} over ${transports[i]} vs ${transports[0]}`);
    }
  }
});
