import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const dir = mkdtempSync(join(tmpdir(), "rotor-formats-"));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const json = `{
  "http_server": { "port": 9001, "internal_port": "9002" },
  "http_api": { "key": "k1", "external": true },
  "client": { "token": { "hmac_secret_key": "s1" }, "allowed_origins": ["https://a.example", "https://b.example"] },
  "channel": {
    "without_namespace": { "presence": true },
    "namespaces": [
      { "name": "chat", "history_size": 10, "history_ttl": "300s", "join_leave": true },
      { "name": "news", "allow_subscribe_for_client": true }
    ]
  },
  "admin": { "enabled": true, "password": "p", "secret": "s" },
  "prometheus": { "enabled": true }
}`;

const yaml = `# the same options as YAML
http_server:
  port: 9001
  internal_port: "9002"
http_api:
  key: k1
  external: true
client:
  token:
    hmac_secret_key: s1
  allowed_origins:
    - https://a.example
    - https://b.example
channel:
  without_namespace:
    presence: true
  namespaces:
    - name: chat
      history_size: 10
      history_ttl: 300s
      join_leave: true
    - name: news
      allow_subscribe_for_client: true
admin: { enabled: true, password: p, secret: s }
prometheus:
  enabled: true
`;

const toml = `# the same options as TOML
[http_server]
port = 9001
internal_port = "9002"

[http_api]
key = "k1"
external = true

[client]
allowed_origins = ["https://a.example", "https://b.example"]

[client.token]
hmac_secret_key = "s1"

[channel.without_namespace]
presence = true

[[channel.namespaces]]
name = "chat"
history_size = 10
history_ttl = "300s"
join_leave = true

[[channel.namespaces]]
name = "news"
allow_subscribe_for_client = true

[admin]
enabled = true
password = "p"
secret = "s"

[prometheus]
enabled = true
`;

test("the same config as JSON, YAML and TOML loads to the same result", () => {
  const results = [file("c.json", json), file("c.yaml", yaml), file("c.yml", yaml), file("c.toml", toml)].map(
    (path) => loadConfig({ file: path }),
  );
  for (const r of results) assert.equal(r.error, undefined);
  const [first, ...rest] = results.map((r) => r.config);
  assert.equal(first?.http_server.internal_port, 9002);
  assert.equal(first?.channel.namespaces[0]?.history_ttl, 300_000);
  assert.deepEqual(first?.client.allowed_origins, ["https://a.example", "https://b.example"]);
  for (const config of rest) assert.deepEqual(config, first);
});

test("a bad key in each format reports its path", () => {
  const cases: [string, string, string][] = [
    [
      "bad.json",
      `{"admin": {"pasword": "x"}}`,
      'unknown key "admin.pasword" (did you mean "admin.password"?)',
    ],
    ["bad.yaml", "admin:\n  pasword: x\n", 'unknown key "admin.pasword"'],
    ["bad.toml", `[admin]\npasword = "x"\n`, 'unknown key "admin.pasword"'],
    ["type.yaml", "http_server:\n  port: eighty\n", "http_server.port"],
    ["type.toml", `[[channel.namespaces]]\nname = "x"\n`, "channel.namespaces[0].name"],
    ["broken.yaml", "admin: [\n", "is not valid YAML"],
    ["broken.toml", "[admin\n", "is not valid TOML"],
    ["broken.json", "{", "is not valid JSON"],
    ["config.ini", "a=1", "the extension must be .json, .yaml, .yml or .toml"],
  ];
  for (const [name, text, message] of cases) {
    const { error } = loadConfig({ file: file(name, text) });
    assert.ok(error?.includes(message), `${name} → ${error}`);
  }
});

test("Centrifugo's environment names work, rotor's win, unknown ones are a warning with the closest name", () => {
  const loaded = loadConfig({
    env: {
      CENTRIFUGO_HTTP_API_KEY: "from-centrifugo",
      CENTRIFUGO_CLIENT_TOKEN_HMAC_SECRET_KEY: "token-key",
      CENTRIFUGO_CLIENT_ALLOWED_ORIGINS: "https://a.example https://b.example",
      ROTOR_HTTP_API_KEY: "from-rotor",
      ROTOR_ADMIN_PASWORD: "x",
      CENTRIFUGO_PROMETHEUS_ENABLE: "true",
      CENTRIFUGO_SERVICE_PORT: "8000",
      CENTRIFUGO_VAR_SECRET: "x",
      ROTOR_LOG_LEVEL: "",
    },
  });
  assert.equal(loaded.error, undefined);
  assert.equal(loaded.config?.http_api.key, "from-rotor");
  assert.equal(loaded.config?.client.token.hmac_secret_key, "token-key");
  assert.deepEqual(loaded.config?.client.allowed_origins, ["https://a.example", "https://b.example"]);
  assert.equal(loaded.config?.log.level, "info");
  assert.deepEqual(loaded.warnings, [
    "unknown environment variable CENTRIFUGO_PROMETHEUS_ENABLE; did you mean CENTRIFUGO_PROMETHEUS_ENABLED (prometheus.enabled)?",
    "unknown environment variable ROTOR_ADMIN_PASWORD; did you mean ROTOR_ADMIN_PASSWORD (admin.password)?",
  ]);
  assert.match(
    loadConfig({ env: { ROTOR_PROMETHEUS_ENABLED: "maybe" } }).error ?? "",
    /ROTOR_PROMETHEUS_ENABLED/,
  );
});
