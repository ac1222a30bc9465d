import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

test("proxy options take Centrifugo v6's shape with its defaults", () => {
  const { config, error } = loadConfig({
    object: {
      client: { proxy: { connect: { enabled: true, endpoint: "http://127.0.0.1:1/connect" } } },
      channel: {
        proxy: { subscribe: { endpoint: "grpc://127.0.0.1:2", timeout: "250ms" } },
        namespaces: [
          {
            name: "chat",
            subscribe_proxy_enabled: true,
            publish_proxy_enabled: true,
            publish_proxy_name: "pub",
          },
        ],
      },
      proxies: [
        { name: "pub", endpoint: "connect://127.0.0.1:3", http: { static_headers: { "X-Key": "v" } } },
      ],
      rpc: { without_namespace: { proxy_enabled: true, proxy_name: "pub" } },
    },
  });
  assert.equal(error, undefined);
  assert.equal(config?.client.proxy.connect.timeout, 1000);
  assert.equal(config?.channel.proxy.subscribe.timeout, 250);
  assert.equal(config?.channel.namespaces[0]?.subscribe_proxy_name, "default");
  assert.deepEqual(config?.proxies[0]?.http.static_headers, { "x-key": "v" });
  assert.equal(config?.rpc.namespace_boundary, ":");
  assert.equal(config?.rpc.ping.method, "ping");
});

test("proxy config mistakes are refused with the path to fix", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      { client: { proxy: { connect: { enabled: true } } } },
      "client.proxy.connect.endpoint: required by client.proxy.connect.enabled",
    ],
    [
      { client: { proxy: { refresh: { enabled: true, endpoint: "ftp://x" } } } },
      'client.proxy.refresh.endpoint: "ftp://x" is not an http(s)://, grpc://, connect:// or host:port endpoint',
    ],
    [
      { channel: { without_namespace: { subscribe_proxy_enabled: true } } },
      "channel.proxy.subscribe.endpoint: required by channel.without_namespace.subscribe_proxy_enabled",
    ],
    [
      { channel: { namespaces: [{ name: "ns", publish_proxy_enabled: true, publish_proxy_name: "nope" }] } },
      'channel.namespaces[0].publish_proxy_name: no proxy named "nope" in proxies',
    ],
    [
      {
        channel: {
          proxy: { subscribe_stream: { endpoint: "http://127.0.0.1:1/s" } },
          without_namespace: { subscribe_stream_proxy_enabled: true },
        },
      },
      "channel.without_namespace.subscribe_stream_proxy_name: subscribe streams need a grpc:// or connect:// endpoint",
    ],
    [
      {
        proxies: [{ name: "s1", endpoint: "connect://127.0.0.1:1" }],
        channel: {
          without_namespace: {
            subscribe_stream_proxy_enabled: true,
            subscribe_stream_proxy_name: "s1",
            subscribe_stream_proxy_bidirectional: true,
          },
        },
      },
      "bidirectional streams over Connect need proxies[0].connect_rpc.http2",
    ],
    [
      {
        proxies: [{ name: "p1", endpoint: "127.0.0.1:1" }],
        channel: {
          without_namespace: {
            subscribe_stream_proxy_enabled: true,
            subscribe_stream_proxy_name: "p1",
            publish_proxy_enabled: true,
            publish_proxy_name: "p1",
          },
        },
      },
      "subscribe_stream_proxy_enabled cannot be combined",
    ],
    [{ proxies: [{ name: "default", endpoint: "127.0.0.1:1" }] }, '"default" is reserved'],
    [
      {
        proxies: [
          { name: "p1", endpoint: "127.0.0.1:1" },
          { name: "p1", endpoint: "127.0.0.1:2" },
        ],
      },
      'proxies[1].name: duplicate proxy name "p1"',
    ],
    [
      { rpc: { namespaces: [{ name: "ns", proxy_enabled: true }] } },
      "rpc.proxy.endpoint: required by rpc.namespaces[0].proxy_enabled",
    ],
    [{ channel: { proxy: { publish: { timeout: "0" } } } }, "channel.proxy.publish.timeout: must be above 0"],
    [
      {
        proxies: [
          {
            name: "p1",
            endpoint: "127.0.0.1:1",
            http: { status_to_code_transforms: [{ status_code: 404 }] },
          },
        ],
      },
      "set exactly one of to_error.code and to_disconnect.code",
    ],
    [{ client: { proxy: { connect: { endpont: "x" } } } }, 'unknown key "client.proxy.connect.endpont"'],
  ];
  for (const [object, message] of cases) {
    const { error } = loadConfig({ object });
    assert.ok(error?.includes(message), `${JSON.stringify(object)}\n→ ${error}`);
  }
});

test("proxy options come from environment variables too", () => {
  const { config, error } = loadConfig({
    env: {
      ROTOR_CLIENT_PROXY_CONNECT_ENABLED: "true",
      ROTOR_CLIENT_PROXY_CONNECT_ENDPOINT: "http://127.0.0.1:1/connect",
      ROTOR_CLIENT_PROXY_CONNECT_HTTP_HEADERS: '["Cookie","Authorization"]',
      ROTOR_CHANNEL_PROXY_SUBSCRIBE_TIMEOUT: "2s",
    },
  });
  assert.equal(error, undefined);
  assert.equal(config?.client.proxy.connect.enabled, true);
  assert.deepEqual(config?.client.proxy.connect.http_headers, ["Cookie", "Authorization"]);
  assert.equal(config?.channel.proxy.subscribe.timeout, 2000);
});
