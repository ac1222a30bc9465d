import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const mapNamespace = (map: Record<string, unknown>) => ({
  name: "game",
  subscription_type: "map",
  map: { mode: "ephemeral", key_ttl: "60s", ...map },
});

test("channel.proxy.map_publish and map_remove load as proxy objects a map{} block turns on or names", () => {
  const { config, error } = loadConfig({
    object: {
      channel: {
        proxy: {
          map_publish: { endpoint: "http://127.0.0.1:1/map_publish", timeout: "250ms" },
          map_remove: { endpoint: "grpc://127.0.0.1:2" },
        },
        namespaces: [
          mapNamespace({ publish_proxy_enabled: true, remove_proxy_enabled: true, remove_proxy_name: "rm" }),
        ],
      },
      proxies: [{ name: "rm", endpoint: "connect://127.0.0.1:3" }],
    },
  });
  assert.equal(error, undefined);
  assert.equal(config?.channel.proxy.map_publish.timeout, 250);
  assert.equal(config?.channel.proxy.map_remove.endpoint, "grpc://127.0.0.1:2");
  assert.equal(config?.channel.namespaces[0]?.map.publish_proxy_name, "default");
});

test("map proxy mistakes are refused with the path to fix", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { channel: { namespaces: [mapNamespace({ publish_proxy_enabled: true })] } },
      "channel.proxy.map_publish.endpoint: required by channel.namespaces[0].map.publish_proxy_enabled",
    ],
    [
      { channel: { namespaces: [mapNamespace({ remove_proxy_enabled: true, remove_proxy_name: "nope" })] } },
      'channel.namespaces[0].map.remove_proxy_name: no proxy named "nope" in proxies',
    ],
    [
      {
        channel: {
          proxy: { map_remove: { endpoint: "ftp://x" } },
          namespaces: [mapNamespace({ remove_proxy_enabled: true })],
        },
      },
      'channel.proxy.map_remove.endpoint: "ftp://x" is not an http(s)://, grpc://, connect:// or host:port endpoint',
    ],
  ];
  for (const [object, message] of cases) {
    const { error } = loadConfig({ object });
    assert.ok(error?.includes(message), `${message}\n  in: ${error}`);
  }
});
