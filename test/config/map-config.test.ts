import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";
import { mapPaging, mapStorage } from "../../src/node/map-channels.js";

const load = (object: Record<string, unknown>) => loadConfig({ object });
const errorLines = (object: Record<string, unknown>) =>
  (load(object).error ?? "").split("\n").filter(Boolean);

test("map namespaces of each kind load with their map{} block, presence prefixes and map broker", () => {
  const loaded = load({
    map_broker: { type: "redis", redis: { address: ["redis://127.0.0.1:6390"], cleanup_interval: "-1s" } },
    channel: {
      namespaces: [
        {
          name: "scores",
          subscription_type: "map",
          map: { mode: "persistent", allow_publish_for_client: true },
        },
        { name: "who", subscription_type: "map_clients", map: { mode: "ephemeral", key_ttl: "60s" } },
        { name: "users", subscription_type: "map_users", map: { mode: "recoverable", key_ttl: "1m" } },
        {
          name: "chat",
          map_clients_presence_channel_prefix: "who:",
          map_users_presence_channel_prefix: "users:",
        },
      ],
    },
  });
  assert.equal(loaded.error, undefined);
  const config = loaded.config!;
  assert.equal(config.map_broker.type, "redis");
  assert.equal(config.map_broker.redis.cleanup_interval, -1000);
  assert.equal(config.channel.namespaces[0]!.map.mode, "persistent");
  assert.equal(config.channel.namespaces[1]!.map.key_ttl, 60_000);
});

test("the mode fills in Centrifugo's sizes and lifetimes, and paging its clamps", () => {
  const base = load({}).config!.channel.without_namespace.map;
  assert.deepEqual(mapStorage({ ...base, mode: "recoverable", key_ttl: 30_000 }), {
    mode: "recoverable",
    keyTtl: 30_000,
    streamSize: 100,
    streamTtl: 60_000,
    metaTtl: 600_000,
  });
  assert.deepEqual(mapStorage({ ...base, mode: "recoverable", key_ttl: 3_600_000 }).metaTtl, 3_600_000);
  assert.deepEqual(mapStorage({ ...base, mode: "persistent" }), {
    mode: "persistent",
    keyTtl: 0,
    streamSize: 100,
    streamTtl: 60_000,
    metaTtl: 0,
  });
  assert.deepEqual(mapStorage({ ...base, mode: "ephemeral", key_ttl: 5000 }), {
    mode: "ephemeral",
    keyTtl: 5000,
    streamSize: 0,
    streamTtl: 0,
    metaTtl: 0,
  });
  assert.deepEqual(mapPaging(base), {
    defaultPageSize: 100,
    minPageSize: 100,
    maxPageSize: 1000,
    liveTransitionLimit: 1000,
    catchUpTimeout: 5000,
  });
  assert.equal(mapPaging({ ...base, subscribe_catch_up_timeout: -1000 }).catchUpTimeout, 0);
  assert.equal(mapPaging({ ...base, max_page_size: 500 }).liveTransitionLimit, 500);
});

test("map rules are checked at start, each message naming its key", () => {
  const ns = (extra: Record<string, unknown>) => ({ channel: { namespaces: [{ name: "m1", ...extra }] } });
  const cases: [Record<string, unknown>, string][] = [
    [ns({ subscription_type: "map" }), "channel.namespaces[0].map.mode: required for subscription_type map"],
    [
      ns({ subscription_type: "map", map: { mode: "recoverable" } }),
      "channel.namespaces[0].map.key_ttl: required in recoverable mode",
    ],
    [
      ns({ subscription_type: "map", map: { mode: "persistent", key_ttl: "1s" } }),
      "channel.namespaces[0].map.key_ttl: must be 0 in persistent mode",
    ],
    [
      ns({ subscription_type: "map_users", map: { mode: "persistent" } }),
      "channel.namespaces[0].map.mode: persistent is not allowed for subscription_type map_users",
    ],
    [
      ns({ subscription_type: "map", map: { mode: "ephemeral", key_ttl: "1s", stream_size: 10 } }),
      "channel.namespaces[0].map.stream_size: must be 0 in ephemeral mode",
    ],
    [
      ns({ subscription_type: "map", map: { mode: "recoverable", key_ttl: "1m", meta_ttl: "10s" } }),
      "channel.namespaces[0].map.meta_ttl: must not be less than key_ttl",
    ],
    [
      ns({ subscription_type: "map", map: { mode: "persistent", min_page_size: 500, max_page_size: 200 } }),
      "channel.namespaces[0].map: page sizes must satisfy min_page_size <= default_page_size <= max_page_size",
    ],
    [
      ns({
        subscription_type: "map",
        map: { mode: "persistent", client_key: "user_id", publish_proxy_enabled: true },
      }),
      "channel.namespaces[0].map.client_key: can not be used with publish_proxy_enabled or remove_proxy_enabled",
    ],
    [
      ns({ map: { remove_client_on_unsubscribe: true } }),
      "channel.namespaces[0].map.remove_client_on_unsubscribe: needs subscription_type map, map_clients or map_users",
    ],
    [
      ns({ map_clients_presence_channel_prefix: "nowhere:" }),
      'channel.namespaces[0].map_clients_presence_channel_prefix: "nowhere:" is in namespace "nowhere", which is not configured',
    ],
    [
      ns({ map_users_presence_channel_prefix: "m1:" }),
      'channel.namespaces[0].map_users_presence_channel_prefix: "m1:" is in a namespace whose subscription_type is not map_users',
    ],
    [
      { map_broker: { type: "redis", redis: { cluster_address: ["127.0.0.1:7000"] } } },
      "map_broker.redis.cluster_address: Redis Cluster can not hold maps",
    ],
  ];
  for (const [object, message] of cases) {
    const lines = errorLines(object);
    assert.ok(
      lines.some((line) => line.includes(message)),
      `expected "${message}" in:\n${lines.join("\n")}`,
    );
  }
});

test("Centrifugo PRO's client_publish_debounce_interval starts with a warning naming it", () => {
  const loaded = load({
    channel: {
      namespaces: [
        {
          name: "m1",
          subscription_type: "map",
          map: { mode: "persistent" },
          client_publish_debounce_interval: "100ms",
        },
      ],
    },
  });
  assert.equal(loaded.error, undefined);
  assert.ok(
    loaded.warnings.some((w) =>
      w.startsWith("channel.namespaces[0].client_publish_debounce_interval: a Centrifugo PRO option"),
    ),
    loaded.warnings.join("\n"),
  );
});
