import assert from "node:assert/strict";
import { test } from "node:test";
import pino from "pino";
import { loadConfig } from "../../src/config/load.js";
import { parseNatsUrl } from "../../src/nats/nats-url.js";
import { createEngine } from "../../src/server/engine.js";

test("NATS URLs read as nats.go reads them: several servers, default port, credentials, tls://", () => {
  assert.deepEqual(parseNatsUrl("nats://localhost:4222"), {
    servers: ["localhost:4222"],
    tls: false,
    label: "nats://localhost:4222",
  });
  assert.deepEqual(parseNatsUrl("nats://u:p%40ss@a:1, b ,tls://c:3"), {
    servers: ["a:1", "b:4222", "c:3"],
    user: "u",
    pass: "p@ss",
    tls: true,
    label: "nats://a:1,nats://b:4222,tls://c:3",
  });
  assert.deepEqual(parseNatsUrl("nats://s3cr3t@[::1]:4300"), {
    servers: ["[::1]:4300"],
    token: "s3cr3t",
    tls: false,
    label: "nats://[::1]:4300",
  });
  for (const bad of ["", "http://a:1", "nats://a:1/path", "nats://a:port"]) {
    assert.ok("error" in parseNatsUrl(bad), bad);
  }
});

test("broker.nats options are checked with their path; NATS is a broker, never an engine", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ broker: { nats: { urll: "x" } } }, 'unknown key "broker.nats.urll"'],
    [{ broker: { nats: { dial_timeout: "soon" } } }, 'broker.nats.dial_timeout: "soon" is not a duration'],
    [{ broker: { nats: { allow_wildcards: "yes" } } }, "broker.nats.allow_wildcards"],
    [
      { broker: { nats: { raw_mode: { channel_replacements: [":"] } } } },
      "broker.nats.raw_mode.channel_replacements",
    ],
    [{ broker: { nats: { tls: { enabled: true, ca: "x" } } } }, 'unknown key "broker.nats.tls.ca"'],
    [{ broker: { type: "kafka" } }, "broker.type"],
    [{ engine: { type: "nats" } }, "engine.type"],
  ];
  for (const [object, message] of cases) {
    const { error } = loadConfig({ object });
    assert.ok(error?.includes(message), `${JSON.stringify(object)} → ${error}`);
  }
  const { config } = loadConfig({
    env: {
      ROTOR_BROKER_NATS_URL: "nats://n:4222",
      ROTOR_BROKER_NATS_RAW_MODE_CHANNEL_REPLACEMENTS: '{":":"."}',
    },
    flags: [["broker.nats.write_timeout", "250ms"]],
  });
  assert.equal(config?.broker.nats.url, "nats://n:4222");
  assert.deepEqual(config?.broker.nats.raw_mode.channel_replacements, { ":": "." });
  assert.equal(config?.broker.nats.write_timeout, 250);
  assert.equal(config?.broker.nats.prefix, "centrifugo");
});

test("an unreadable broker.nats.url stops the start with the option named", async () => {
  const { config } = loadConfig({
    object: { broker: { enabled: true, type: "nats", nats: { url: "http://nats:4222" } } },
  });
  await assert.rejects(
    () => createEngine(config!, pino({ level: "silent" })),
    /NATS configuration: broker\.nats\.url: malformed NATS URL "http:\/\/nats:4222"/,
  );
});
