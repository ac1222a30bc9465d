import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Redis } from "ioredis";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { rawClient } from "../client/raw-websocket.js";
import { processed } from "../consumers/consumer-fixtures.js";
import { connectClient, grpcJsCall, grpcJsClient, httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, connected, subscribed } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { mapView } from "../maps/map-view.js";
import { startBackend } from "../proxy/backends/backends.js";
import { Script } from "../proxy/backends/script.js";
import type { TestBackend } from "../proxy/backends/test-backend.js";

let redis: RedisProcess;
let producer: Redis;
let backend: TestBackend;
let srv: TestServer;

before(async () => {
  redis = await startRedis();
  producer = new Redis(redis.port, "127.0.0.1", { maxRetriesPerRequest: null });
  producer.on("error", () => {});
  const script = new Script();
  script.define("", { RPC: () => ({ answer: { result: {} } }) });
  backend = await startBackend("http", script);
  const dead = await freePort();
  srv = await startTestServer({
    engine: { type: "redis", redis: { address: redis.url, prefix: "every" } },
    map_broker: { type: "redis", redis: { address: redis.url, prefix: "every-map" } },
    client: { insecure: true, ping_interval: "1s" },
    prometheus: { enabled: true, instrument_http_handlers: true },
    grpc_api: true,
    channel: {
      namespaces: [
        {
          name: "room",
          presence: true,
          join_leave: true,
          force_push_join_leave: true,
          history_size: 10,
          history_ttl: "60s",
          force_recovery: true,
          allow_publish_for_subscriber: true,
          allow_history_for_subscriber: true,
          allow_presence_for_subscriber: true,
          allow_tags_filter: true,
        },
        { name: "board", subscription_type: "map", map: { mode: "recoverable", key_ttl: "1s" } },
      ],
    },
    rpc: {
      proxy: backend.proxy("RPC"),
      without_namespace: { proxy_enabled: true },
      namespaces: [{ name: "gone", proxy_enabled: true, proxy_name: "gone" }],
    },
    proxies: [{ name: "gone", endpoint: `http://127.0.0.1:${dead}/rpc` }],
    consumers: [
      {
        enabled: true,
        name: "events",
        type: "redis_stream",
        redis_stream: { address: redis.url, streams: ["events"], consumer_group: "rotor" },
      },
    ],
  });
});
after(async () => {
  await srv?.close();
  await backend?.close();
  producer?.disconnect();
  await redis?.stop();
});

const api = (method: string, body: unknown, key = srv.apiKey) =>
  httpApi(srv.url, method, body, { "X-API-Key": key });

/**
 * Two SDK clients (JSON and protobuf) on a presence, join/leave, recovery
 * channel: publish, history, presence and RPCs through a backend and a dead
 * one, held until a ping has been answered.
 */
async function clientTraffic(): Promise<void> {
  const alice = centrifugeClient(srv.url, "json");
  const bob = centrifugeClient(srv.url, "protobuf");
  try {
    await connected(alice);
    await connected(bob);
    const { sub: room } = await subscribed(alice, "room:1");
    await subscribed(bob, "room:1");
    await subscribed(bob, "room:filtered", { tagsFilter: { key: "team", cmp: "eq", val: "red" } });
    await api("publish", { channel: "room:filtered", data: {}, tags: { team: "blue" } });
    await waitUntil(
      "a publication filtered out",
      async () => (await sampleNames()).has("centrifugo_node_tags_filter_dropped_publications"),
      5000,
    );
    await room.publish({ n: 1 });
    await room.history({ limit: 10 });
    await room.presence();
    await room.presenceStats();
    await alice.rpc("echo", {});
    await assert.rejects(alice.rpc("gone:x", {}));
    await waitUntil(
      "a ping answered",
      async () => (await sampleNames()).has("centrifugo_client_ping_pong_duration_seconds_count"),
      5000,
    );
  } finally {
    alice.disconnect();
    bob.disconnect();
  }
}

/** A raw client subscribes, then again from the position it was given: a recovery. */
async function recovery(): Promise<void> {
  const client = await rawClient(srv.url, "json");
  try {
    client.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel: "room:raw", recoverable: true } });
    const first = (await client.reply(2)).subscribe as { epoch: string; offset?: string };
    client.send({ id: 3, unsubscribe: { channel: "room:raw" } });
    await client.reply(3);
    client.send({
      id: 4,
      subscribe: { channel: "room:raw", recover: true, epoch: first.epoch, offset: first.offset ?? 0 },
    });
    assert.ok((await client.reply(4)).subscribe);
  } finally {
    client.close();
  }
}

/**
 * The server API over HTTP, Connect and native gRPC: publishes (one repeating
 * an idempotency key, one to an unknown namespace), a survey (`channels`), a
 * wrong key, and a server-side unsubscribe and disconnect of a live client.
 */
async function apiTraffic(): Promise<void> {
  await api("publish", { channel: "room:1", data: { n: 2 } });
  await api("broadcast", { channels: ["room:1", "room:2"], data: { n: 3 } });
  await api("publish", { channel: "room:1", data: {}, idempotency_key: "once" });
  await api("publish", { channel: "room:1", data: {}, idempotency_key: "once" });
  await api("publish", { channel: "unknown:1", data: {} });
  await api("history", { channel: "room:1", limit: 10 });
  await api("presence", { channel: "room:1" });
  await api("presence_stats", { channel: "room:1" });
  await api("channels", {});
  assert.equal((await api("info", {}, "wrong")).status, 401);
  const connect = connectClient(CentrifugoApi, "grpc", srv.url, srv.apiKey);
  await connect.publish({ channel: "room:1", data: new TextEncoder().encode('{"n":4}') });
  const grpc = grpcJsClient(
    "centrifugal/centrifugo/api/api.proto",
    "centrifugal.centrifugo.api.CentrifugoApi",
    `127.0.0.1:${srv.grpcPort}`,
  );
  try {
    await grpcJsCall(grpc, "Info", {}, { authorization: `apikey ${srv.apiKey}` });
  } finally {
    grpc.close();
  }
  const client = centrifugeClient(srv.url, "json");
  try {
    await subscribed(client, "room:kicked");
    await api("unsubscribe", { channel: "room:kicked", user: "" });
    await api("disconnect", { user: "" });
  } finally {
    client.disconnect();
  }
}

/**
 * A stream entry for the consumer, and an unreadable message on a subscribed
 * channel's PUB/SUB channel (a Redis PUB/SUB error); waits until both are counted.
 */
async function engineTraffic(): Promise<void> {
  const client = await rawClient(srv.url, "json");
  try {
    client.send({ id: 1, connect: {} }, { id: 2, subscribe: { channel: "room:noise" } });
    assert.ok((await client.reply(2)).subscribe);
    await redis.cli("publish", "every.client.room:noise", "__x__not a message");
    await waitUntil(
      "the PUB/SUB error counted",
      async () =>
        sample(await scrape(`${srv.url}/metrics`), "centrifugo_broker_redis_pub_sub_errors", {
          broker_name: "",
          error: "handle_client_message",
        }) === 1,
      5000,
    );
  } finally {
    client.close();
  }
  await producer.xadd("events", "*", "method", "publish", "payload", '{"channel":"room:1","data":{}}');
  await processed(srv, "events", 1, 5000);
}

/**
 * A map subscriber of the real SDK sees a key written through the API, the
 * key expires; the API's other map methods run, with a write suppressed
 * (`if_new` on an existing key) and a removal of a missing key; the
 * subscriber leaves.
 */
async function mapTraffic(): Promise<void> {
  const client = centrifugeClient(srv.url, "json");
  try {
    const view = mapView(client, "board:1");
    view.sub.subscribe();
    client.connect();
    await view.until("the map synced", (v) => v.syncs === 1);
    await api("map_publish", { channel: "board:1", key: "a", data: { n: 1 } });
    await api("map_publish", { channel: "board:1", key: "a", data: { n: 2 }, key_mode: "if_new" });
    await api("map_remove", { channel: "board:1", key: "missing" });
    await api("map_read_state", { channel: "board:1", limit: 10 });
    await api("map_read_stream", { channel: "board:1", limit: 10 });
    await api("map_read_stream", { channel: "board:1" });
    await api("map_stats", { channel: "board:1" });
    await view.until("the key expired", (v) => v.updates.some((u) => u.key === "a" && u.removed), 5000);
    view.sub.unsubscribe();
    await api("map_clear", { channel: "board:1" });
    // The node leaves the map broker's channel a moment after its last subscriber.
    await waitUntil(
      "the map broker unsubscribed",
      async () =>
        sample(await scrape(`${srv.url}/metrics`), "centrifugo_node_action_count", {
          action: "map_broker_unsubscribe",
          channel_namespace: "",
        }) === 1,
      5000,
    );
  } finally {
    client.disconnect();
  }
}

/** The metric names of every sample line of a scrape. */
async function sampleNames(): Promise<Set<string>> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  return new Set(text.split("\n").flatMap((line) => /^(centrifugo_\w+)[{ ]/.exec(line)?.[1] ?? []));
}

/** The `centrifugo_*` families the registry declares, from a scrape's `# TYPE` lines. */
async function declaredFamilies(): Promise<string[]> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  return text.split("\n").flatMap((line) => /^# TYPE (centrifugo_\w+) /.exec(line)?.[1] ?? []);
}

/** Families Centrifugo OSS declares and never fills: it has no server-API RPC extension to time, nor has rotor. */
const neverObserved = [
  "centrifugo_api_rpc_duration_seconds",
  "centrifugo_api_rpc_duration_seconds_histogram",
];

test("after clients, APIs, a proxy, a survey and a consumer ran on Redis, every declared family has a sample", async () => {
  await clientTraffic();
  await recovery();
  await apiTraffic();
  await engineTraffic();
  await mapTraffic();
  const families = await declaredFamilies();
  const names = await sampleNames();
  // A histogram's or summary's samples carry its name with a suffix.
  const hasSample = (family: string) =>
    ["", "_bucket", "_count", "_sum"].some((suffix) => names.has(family + suffix));
  assert.ok(families.length >= 40, `a scrape declares only ${families.length} families`);
  assert.deepEqual(
    families.filter((family) => !hasSample(family) && !neverObserved.includes(family)),
    [],
  );
});

test("the RPC duration families are declared with Centrifugo's types and labels; an rpc call no extension serves answers 104 and adds no label", async () => {
  const reply = await api("rpc", { method: "whatever_the_caller_names" });
  assert.deepEqual((reply.body as { error?: { code: number } }).error?.code, 104);
  const registry = srv.server.metrics.registry;
  const kinds = neverObserved.map(async (name) => {
    const metric = (await registry.getSingleMetric(name)?.get()) as unknown as {
      type: string;
      values: unknown[];
    };
    return [metric.type, metric.values.length];
  });
  assert.deepEqual(await Promise.all(kinds), [
    ["summary", 0],
    ["histogram", 0],
  ]);
  for (const name of neverObserved) {
    const labels = (registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames;
    assert.deepEqual(labels, ["protocol", "method"]);
  }
  const samples = await scrape(`${srv.url}/metrics`);
  const rpcCalls = sample(samples, "centrifugo_api_command_duration_seconds_count", {
    protocol: "http_json",
    method: "rpc",
  });
  assert.ok((rpcCalls ?? 0) >= 1, "the rpc call is counted as an API command");
});

test("map broker calls count with Centrifugo's map labels, suppressed writes by reason, expiry cleanup by key", async () => {
  const samples = await scrape(`${srv.url}/metrics`);
  const at = (name: string, labels: Record<string, string>) => sample(samples, name, labels) ?? 0;
  const action = (a: string) => at("centrifugo_node_action_count", { action: a, channel_namespace: "" });
  for (const a of ["map_publish", "map_remove", "map_state_read", "map_stream_read", "map_stream_position"])
    assert.ok(action(a) >= 1, `action ${a}`);
  for (const a of ["map_stats", "map_clear", "map_broker_subscribe", "map_broker_unsubscribe"])
    assert.ok(action(a) >= 1, `action ${a}`);
  const sent = (type: string) => at("centrifugo_node_messages_sent_count", { type, channel_namespace: "" });
  assert.ok(sent("map_publication") >= 2);
  assert.ok(sent("map_removal") >= 1);
  const suppressed = (kind: string, reason: string) =>
    at(`centrifugo_map_broker_${kind}_suppressed_count`, { reason, channel_namespace: "" });
  assert.equal(suppressed("publish", "key_exists"), 1);
  assert.equal(suppressed("remove", "key_not_found"), 1);
  assert.ok(at("centrifugo_map_broker_cleanup_removed_count", { broker_name: "" }) >= 1);
  assert.equal(at("centrifugo_map_broker_cleanup_errors_count", { broker_name: "" }), 0);
  const lag = sample(samples, "centrifugo_map_broker_cleanup_lag_seconds", { broker_name: "" });
  assert.ok(lag !== undefined && lag >= 0 && lag < 5, `cleanup lag ${lag}`);
});
