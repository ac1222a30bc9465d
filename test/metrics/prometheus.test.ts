import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SignJWT } from "jose";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { rotorVersion } from "../../src/server/package-info.js";
import { type ConnectProtocol, connectClient, httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  disconnectedBy,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { type Samples, sample, scrape } from "../helpers/prometheus.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { emulationClient } from "../helpers/transport-clients.js";

const secret = "metrics-token-secret";
/** prom-client's default buckets, which the API duration histogram keeps (as a text scrape prints them). */
const commandBucketBounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"];
const token = (user: string) =>
  new SignJWT({ sub: user }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    prometheus: { enabled: true },
    http_server: { internal_port: 0 },
    sse: { enabled: true },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      without_namespace: { allow_subscribe_for_client: true },
      namespaces: [{ name: "closed" }],
    },
  });
});
after(() => srv?.close());

/** Scrapes until `ready` holds (the counts settle after asynchronous disconnects), or fails with the last scrape. */
async function scrapeWhen(ready: (s: Samples) => boolean, timeoutMs = 5000): Promise<Samples> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const samples = await scrape(`${srv.internalUrl}/metrics`);
    if (ready(samples)) return samples;
    if (Date.now() > deadline) return samples;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

test("a scripted workload shows in /metrics with Centrifugo's names and labels", async () => {
  const alice = centrifugeClient(srv.url, "json", { token: await token("alice") });
  const bob = centrifugeClient(srv.url, "protobuf", { token: await token("bob") });
  const carol = emulationClient(srv.url, "sse", "json", { token: await token("carol") });
  try {
    const subs = await Promise.all([alice, bob, carol].map((c) => subscribed(c, "news")));
    const received = subs.map(({ sub }) => collectPublications(sub));
    const refused = alice.newSubscription("closed:room");
    const unsubscribed = nextEvent<{ code: number }>(refused, "unsubscribed");
    refused.subscribe();
    assert.equal((await unsubscribed).code, 103);

    const published = await httpApi(
      srv.internalUrl,
      "publish",
      { channel: "news", data: { n: 0 } },
      { "x-api-key": srv.apiKey },
    );
    assert.equal(published.status, 200);
    const protocols: ConnectProtocol[] = ["grpc", "grpc-web", "connect-json", "connect-binary"];
    for (const [i, protocol] of protocols.entries()) {
      const api = connectClient(CentrifugoApi, protocol, srv.internalUrl, srv.apiKey);
      const reply = await api.publish({
        channel: "news",
        data: new TextEncoder().encode(JSON.stringify({ n: i + 1 })),
      });
      assert.equal(reply.error, undefined);
    }
    const unknown = await httpApi(
      srv.internalUrl,
      "publish",
      { channel: "nope:x", data: {} },
      { "x-api-key": srv.apiKey },
    );
    assert.deepEqual(unknown.body, { error: { code: 102, message: "unknown channel" } });
    await Promise.all(received.map((r) => r.take(5)));

    const closed = await disconnectedBy(bob, () =>
      httpApi(
        srv.internalUrl,
        "disconnect",
        { user: "bob", disconnect: { code: 4500, reason: "bye" } },
        { "x-api-key": srv.apiKey },
      ),
    );
    assert.equal(closed.code, 4500);
    bob.disconnect();
    carol.disconnect();

    const s = await scrapeWhen((m) => sample(m, "centrifugo_node_num_clients") === 1);
    const expect = (name: string, labels: Record<string, string>, value: number) =>
      assert.equal(sample(s, name, labels), value, `${name} ${JSON.stringify(labels)}`);
    for (const protocol of ["http_json", "grpc", "grpc_web", "connect_json", "connect_proto"]) {
      expect(
        "centrifugo_api_command_duration_seconds_count",
        { protocol, method: "publish" },
        protocol === "http_json" ? 2 : 1,
      );
      expect(
        "centrifugo_api_command_duration_seconds_histogram_count",
        { protocol, method: "publish" },
        protocol === "http_json" ? 2 : 1,
      );
      // The histogram's series agree with each other and with the summary, which saw the same durations.
      const labels = { protocol, method: "publish" };
      const count = sample(s, "centrifugo_api_command_duration_seconds_histogram_count", labels)!;
      const buckets = [...commandBucketBounds, "+Inf"].map(
        (le) => sample(s, "centrifugo_api_command_duration_seconds_histogram_bucket", { ...labels, le })!,
      );
      assert.deepEqual(
        buckets,
        [...buckets].sort((a, b) => a - b),
        `${protocol}: cumulative buckets ${buckets}`,
      );
      assert.equal(buckets.at(-1), count);
      assert.equal(
        sample(s, "centrifugo_api_command_duration_seconds_histogram_sum", labels),
        sample(s, "centrifugo_api_command_duration_seconds_sum", labels),
      );
    }
    expect(
      "centrifugo_api_command_errors_total",
      { protocol: "http_json", method: "publish", error: "102" },
      1,
    );
    expect(
      "centrifugo_api_command_duration_seconds_count",
      { protocol: "http_json", method: "disconnect" },
      1,
    );

    const ns = { channel_namespace: "" };
    expect("centrifugo_node_messages_sent_count", { type: "publication", ...ns }, 5);
    expect("centrifugo_node_messages_received_count", { type: "publication", ...ns }, 5);
    expect("centrifugo_node_broadcast_duration_seconds_count", { type: "publication", ...ns }, 5);
    expect(
      "centrifugo_transport_messages_sent",
      { transport: "websocket", frame_type: "push_publication", ...ns },
      10,
    );
    expect(
      "centrifugo_transport_messages_sent",
      { transport: "sse", frame_type: "push_publication", ...ns },
      5,
    );
    expect(
      "centrifugo_transport_messages_received",
      { transport: "websocket", frame_type: "connect", ...ns },
      2,
    );
    expect("centrifugo_transport_messages_received", { transport: "sse", frame_type: "subscribe", ...ns }, 1);

    const named = { accept_protocol: "", client_name: "unregistered", client_version: "unversioned" };
    expect("centrifugo_client_connections_accepted", { transport: "websocket", ...named }, 2);
    expect("centrifugo_client_connections_accepted", { transport: "sse", ...named }, 1);
    expect("centrifugo_client_connections_inflight", { transport: "websocket", ...named }, 1);
    expect("centrifugo_client_connections_inflight", { transport: "sse", ...named }, 0);
    expect("centrifugo_client_subscriptions_accepted", { client_name: "unregistered", ...ns }, 3);
    expect("centrifugo_client_subscriptions_inflight", { client_name: "unregistered", ...ns }, 1);
    expect("centrifugo_client_command_duration_seconds_count", { method: "connect", ...ns }, 3);
    expect("centrifugo_client_command_duration_seconds_histogram_count", { method: "subscribe", ...ns }, 4);
    expect("centrifugo_client_num_reply_errors", { method: "subscribe", code: "103", ...ns }, 1);
    expect("centrifugo_client_num_server_disconnects", { code: "4500" }, 1);
    expect("centrifugo_transport_outgoing_close_count", { transport: "websocket", code: "4500" }, 1);
    expect("centrifugo_node_action_count", { action: "add_client", ...ns }, 3);
    expect("centrifugo_node_action_count", { action: "remove_client", ...ns }, 2);
    expect("centrifugo_node_num_clients", {}, 1);
    expect("centrifugo_node_num_subscriptions", {}, 1);
    expect("centrifugo_node_num_nodes", {}, 1);
    expect("centrifugo_node_build", { version: srv.server.node.snapshot().version }, 1);
    assert.ok((sample(s, "process_cpu_user_seconds_total") ?? -1) >= 0, "process metrics are exported");
  } finally {
    for (const c of [alice, bob, carol]) c.disconnect();
  }
});

test("info reports each node's aggregated metrics under Centrifugo's flattened names", async () => {
  const info = await httpApi(srv.internalUrl, "info", {}, { "x-api-key": srv.apiKey });
  const node = (info.body as { result: { nodes: { metrics?: { interval: number; items: object } }[] } })
    .result.nodes[0]!;
  assert.equal(node.metrics?.interval, 60);
  const keys = Object.keys(node.metrics?.items ?? {});
  for (const key of ["centrifugo.node.num_clients", `centrifugo.node.build.version.${rotorVersion}`]) {
    assert.ok(keys.includes(key), `${key} in ${keys.join(", ")}`);
  }
  assert.ok(!keys.some((k) => k.includes("_bucket") || k.includes("histogram")), "histograms are left out");
});

test("with an internal port, /metrics, /health and the API answer there and not on the main port", async () => {
  assert.equal((await fetch(`${srv.url}/metrics`)).status, 404);
  assert.equal((await fetch(`${srv.url}/health`)).status, 404);
  assert.equal((await httpApi(srv.url, "info", {}, { "x-api-key": srv.apiKey })).status, 404);
  const health = await fetch(`${srv.internalUrl}/health`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), {});
  const metrics = await fetch(`${srv.internalUrl}/metrics`);
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
});
