import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient } from "../helpers/centrifuge-clients.js";
import { freePort } from "../helpers/cli-process.js";
import { sample, scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer, testApiKey } from "../helpers/server.js";
import { startBackend } from "../proxy/backends/backends.js";
import { Script } from "../proxy/backends/script.js";
import type { TestBackend } from "../proxy/backends/test-backend.js";
import { connected } from "../proxy/events.js";

const script = new Script();
let http: TestBackend;
let grpc: TestBackend;
let server: TestServer;

before(async () => {
  http = await startBackend("http", script);
  grpc = await startBackend("grpc", script);
  script.define("", { RPC: () => ({ answer: { result: {} } }) });
  const dead = await freePort();
  server = await startTestServer({
    prometheus: { enabled: true },
    client: { allow_anonymous_connect_without_token: true },
    channel: { without_namespace: { history_size: 10, history_ttl: "60s" } },
    rpc: {
      proxy: http.proxy("RPC"),
      without_namespace: { proxy_enabled: true },
      namespaces: [
        { name: "prices", proxy_enabled: true, proxy_name: "prices" },
        { name: "gone", proxy_enabled: true, proxy_name: "gone" },
      ],
    },
    proxies: [
      { name: "prices", ...grpc.proxy("RPC") },
      { name: "gone", endpoint: `http://127.0.0.1:${dead}/rpc` },
    ],
  });
});
after(async () => {
  await server?.close();
  await Promise.all([http?.close(), grpc?.close()]);
});

test("each backend call is timed by protocol, kind and proxy name; failures count as errors", async () => {
  const client = centrifugeClient(server.url, "json");
  try {
    await connected(client);
    await client.rpc("echo", {});
    await client.rpc("echo", {});
    await client.rpc("prices:get", {});
    await assert.rejects(client.rpc("gone:get", {}), (err: { code: number }) => err.code === 100);
  } finally {
    client.disconnect();
  }
  const samples = await scrape(`${server.url}/metrics`);
  const count = (labels: Record<string, string>) =>
    sample(samples, "centrifugo_proxy_duration_seconds_histogram_count", labels);
  const errors = (labels: Record<string, string>) => sample(samples, "centrifugo_proxy_errors", labels);
  const httpDefault = { protocol: "http", type: "rpc", name: "default" };
  const grpcPrices = { protocol: "grpc", type: "rpc", name: "prices" };
  const httpGone = { protocol: "http", type: "rpc", name: "gone" };
  assert.equal(count(httpDefault), 2);
  assert.equal(count(grpcPrices), 1);
  assert.equal(count(httpGone), 1);
  assert.equal(errors(httpDefault) ?? 0, 0);
  assert.equal(errors(httpGone), 1);
  assert.equal(sample(samples, "centrifugo_proxy_inflight_requests", httpDefault), 0);
});

test("a publication dropped for a stale version counts as suppressed", async () => {
  const metric = async () =>
    sample(await scrape(`${server.url}/metrics`), "centrifugo_broker_publish_suppressed_count", {
      reason: "version",
      channel_namespace: "",
    }) ?? 0;
  const before = await metric();
  const publish = (version: number) =>
    httpApi(
      server.url,
      "publish",
      { channel: "versions", data: { v: version }, version },
      { "X-API-Key": testApiKey },
    );
  await publish(2);
  await publish(1);
  assert.equal(await metric(), before + 1);
});

test("a publish repeating an idempotency key counts as suppressed", async () => {
  const metric = async () =>
    sample(await scrape(`${server.url}/metrics`), "centrifugo_broker_publish_suppressed_count", {
      reason: "idempotency",
      channel_namespace: "",
    }) ?? 0;
  const before = await metric();
  const publish = () =>
    httpApi(
      server.url,
      "publish",
      { channel: "versions", data: { n: 1 }, idempotency_key: "once" },
      { "X-API-Key": testApiKey },
    );
  await publish();
  await publish();
  assert.equal(await metric(), before + 1);
});
