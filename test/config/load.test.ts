import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandLine } from "../../src/cli/command-line.js";
import { parseDuration } from "../../src/config/duration.js";
import { loadConfig } from "../../src/config/load.js";

test("defaults need no config at all", () => {
  const { config } = loadConfig({});
  assert.equal(config?.http_server.port, 8000);
  assert.equal(config?.grpc_api.port, 10000);
  assert.equal(config?.grpc_api.enabled, false);
  assert.equal(config?.client.ping_interval, 25_000);
});

test("unknown and mistyped keys are rejected with their path", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ http_server: { prt: 1 } }, 'unknown key "http_server.prt"'],
    [{ http_server: { port: "x" } }, "http_server.port"],
    [{ client: { ping_interval: "soon" } }, 'client.ping_interval: "soon" is not a duration'],
    [{ channel: { namespaces: [{ name: "x" }] } }, "channel.namespaces[0].name"],
    [
      { channel: { namespaces: [{ name: "ab", history_size: 2 }] } },
      "history_size and history_ttl must be set together",
    ],
    [{ channel: { namespaces: [{ name: "ab" }, { name: "ab" }] } }, 'duplicate namespace "ab"'],
    [{ grpc_api: { error_mode: "loud" } }, "grpc_api.error_mode"],
    [{ bogus: true }, 'unknown key "bogus"'],
  ];
  for (const [object, message] of cases) {
    const { error } = loadConfig({ object });
    assert.ok(error?.includes(message), `${JSON.stringify(object)} → ${error}`);
  }
});

test("seed-era flat keys, env vars and flags layer over the file", () => {
  const dir = mkdtempSync(join(tmpdir(), "rotor-config-"));
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify({ grpc_api: true, grpc_api_port: "10001", api_key: "k", port: "9000" }));
  const { config, error } = loadConfig({
    file,
    env: { ROTOR_CLIENT_INSECURE: "true", ROTOR_HTTP_API_KEY: "from-env", PATH: "/bin" },
    flags: [["http_server.port", 9100]],
  });
  assert.equal(error, undefined);
  assert.equal(config?.grpc_api.enabled, true);
  assert.equal(config?.grpc_api.port, 10001);
  assert.equal(config?.http_api.key, "from-env");
  assert.equal(config?.client.insecure, true);
  assert.equal(config?.http_server.port, 9100);
  assert.match(loadConfig({ file: join(dir, "missing.json") }).error ?? "", /cannot read config file/);
});

test("command-line flags: Centrifugo's short ones and any option path", () => {
  const parsed = parseCommandLine(
    [
      "-c",
      "c.json",
      "--grpc_api",
      "--grpc_api_port=10005",
      "--api_key",
      "K",
      "--client.insecure",
      "-p",
      "81",
    ],
    new Map([["config", { type: "string", short: "c", text: "" }]]),
    true,
  );
  assert.ok(!("error" in parsed));
  assert.equal(parsed.values.get("config"), "c.json");
  assert.deepEqual(parsed.options, [
    ["grpc_api.enabled", true],
    ["grpc_api.port", 10005],
    ["http_api.key", "K"],
    ["grpc_api.key", "K"],
    ["client.insecure", true],
    ["http_server.port", 81],
  ]);
  assert.deepEqual(parseCommandLine(["--client.insecure=false"], new Map(), true), {
    positionals: [],
    values: new Map(),
    options: [["client.insecure", false]],
    help: false,
  });
  assert.deepEqual(parseCommandLine(["--prot", "1"], new Map(), true), {
    error: "unknown flag --prot (did you mean --port?)",
  });
  assert.deepEqual(parseCommandLine(["--port"], new Map(), true), { error: "flag --port needs a value" });
});

test("durations use Go's notation", () => {
  assert.equal(parseDuration("25s"), 25_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("500ms"), 500);
  assert.equal(parseDuration("0"), 0);
  assert.equal(parseDuration("10"), undefined);
  assert.equal(parseDuration("1x"), undefined);
});

test("unsafe options load with a warning each, as Centrifugo warns at start", () => {
  const loaded = loadConfig({
    object: {
      client: { insecure: true, insecure_skip_token_signature_verify: true },
      websocket: { compression: true, compression_level: 12 },
    },
  });
  assert.deepEqual(loaded.config && loaded.warnings.map((w) => w.split(":")[0]), [
    "client.insecure is set",
    "client.insecure_skip_token_signature_verify is set",
    "websocket.compression_level",
  ]);
  const plain = loadConfig({});
  assert.deepEqual(plain.config && plain.warnings, []);
});
