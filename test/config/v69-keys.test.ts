import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config/load.js";

const fixture = fileURLToPath(new URL("../fixtures/config/centrifugo-v69-oss.json", import.meta.url));

test("a Centrifugo v6.9 OSS config setting every key rotor runs to a non-default value loads", () => {
  const loaded = loadConfig({ file: fixture });
  assert.equal(loaded.error, undefined);
  const config = loaded.config!;
  assert.equal(config.node.name, "edge-1");
  assert.equal(config.log.file, "/var/log/centrifugo.log");
  assert.equal(config.pid_file, "/run/centrifugo.pid");
  assert.equal(config.http_server.tls_external, true);
  assert.equal(config.http_server.internal_tls.enabled, true);
  assert.equal(config.websocket.compression_min_size, 256);
  assert.equal(config.uni_grpc.port, 11001);
  assert.equal(config.channel.namespaces[1]!.auto_cache_recover, true);
  assert.equal(config.uni_websocket.disable_closing_handshake, true);
  assert.equal(config.uni_sse.connect_code_to_http_response.transforms[0]!.to.status_code, 401);
  assert.equal(config.debug.handler_prefix, "/pprof");
  assert.deepEqual(config.client.connect_code_to_unidirectional_disconnect.transforms, [
    { code: 103, to: { code: 4503, reason: "forbidden" } },
  ]);
  assert.ok(
    loaded.warnings.some((w) => w.startsWith("client.insecure_skip_token_signature_verify is set")),
    "the unsafe option is warned about",
  );
});

test("options rotor cannot run are refused at start, one line each naming the key and why", () => {
  const loaded = loadConfig({
    object: {
      http_server: {
        http3: { enabled: true },
        tls_autocert: { enabled: true, host_whitelist: ["rt.example.com"], email: "ops@example.com" },
      },
      webtransport: { enabled: true },
      opentelemetry: { enabled: true, api: true, google_cloud_adc_auth: true },
      graphite: { enabled: true },
    },
  });
  const lines = (loaded.error ?? "").split("\n");
  assert.deepEqual(
    lines.map((line) => line.split(": not supported by rotor: ")[0]),
    [
      "http_server.http3.enabled",
      "webtransport.enabled",
      "http_server.tls_autocert.enabled",
      "graphite.enabled",
      "opentelemetry.google_cloud_adc_auth",
    ],
  );
  assert.match(lines[0]!, /HTTP\/3 \(QUIC\) needs a QUIC stack that Node\.js 20 does not ship/);
  assert.match(lines[1]!, /WebTransport runs over HTTP\/3/);
  assert.doesNotMatch(loaded.error ?? "", /unknown key/);
});

test("the v6.9 cross-option rules are Centrifugo's", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      {
        channel: {
          namespaces: [{ name: "ab", auto_cache_recover: true, history_size: 1, history_ttl: "1s" }],
        },
      },
      "channel.namespaces[0]: auto_cache_recover requires force_recovery and force_recovery_mode set to cache",
    ],
    [
      { http_server: { h2c_external: true } },
      "http_server.h2c_external: external_h2c requires internal_port set and different from port",
    ],
    [
      {
        http_server: {
          h2c_external: true,
          internal_port: 9001,
          tls: { enabled: true, cert_pem: "c", key_pem: "k" },
        },
      },
      "http_server.h2c_external: external_h2c can not be used with tls enabled",
    ],
    [
      { http_server: { internal_tls: { enabled: true } } },
      "http_server.internal_tls: enabled without a certificate (cert_pem or cert_pem_file) and key",
    ],
    [
      {
        client: { connect_code_to_unidirectional_disconnect: { transforms: [{ code: 0, to: { code: 1 } }] } },
      },
      "client.connect_code_to_unidirectional_disconnect.transforms[0].code: code must be set",
    ],
  ];
  for (const [object, message] of cases) assert.equal(loadConfig({ object }).error, message);
  assert.equal(
    loadConfig({ object: { http_server: { h2c_external: true, internal_port: 9001 } } }).error,
    undefined,
  );
});
