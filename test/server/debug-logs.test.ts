import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SignJWT } from "jose";
import { pino } from "pino";
import WebSocket from "ws";
import { loadConfig } from "../../src/config/load.js";
import { type RotorServer, startRotorServer } from "../../src/server/rotor-server.js";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, disconnectedBy, nextEvent, subscribed } from "../helpers/centrifuge-clients.js";

const secret = "debug-log-token-secret";
const apiKey = "debug-log-api-key";
const lines: Record<string, unknown>[] = [];
let server: RotorServer;
let url: string;

before(async () => {
  const loaded = loadConfig({
    object: {
      http_server: { address: "127.0.0.1", port: 0 },
      http_api: { key: apiKey },
      client: { token: { hmac_secret_key: secret }, allowed_origins: ["https://app.example"] },
      channel: { without_namespace: { allow_subscribe_for_client: true }, namespaces: [{ name: "closed" }] },
    },
  });
  if (loaded.error !== undefined) throw new Error(loaded.error);
  const logger = pino(
    { level: "debug", base: undefined },
    { write: (line: string) => lines.push(JSON.parse(line)) },
  );
  server = await startRotorServer(loaded.config, logger);
  url = `http://127.0.0.1:${server.port}`;
});
after(() => server?.close());

const logged = (msg: string) => lines.filter((l) => l.msg === msg);

test("debug logs a connection, a refused subscribe, a refused origin, a refused API key and a disconnect, once each and without secrets", async () => {
  const token = await new SignJWT({ sub: "alice" })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
  const alice = centrifugeClient(url, "protobuf", { token });
  try {
    await subscribed(alice, "news");
    const refused = alice.newSubscription("closed:room");
    const unsubscribed = nextEvent(refused, "unsubscribed");
    refused.subscribe();
    await unsubscribed;

    const browser = new WebSocket(`${url.replace("http", "ws")}/connection/websocket`, {
      origin: "https://evil.example",
    });
    await nextEvent(browser, "error");
    assert.equal((await httpApi(url, "info", {}, { "x-api-key": "wrong-key" })).status, 401);
    await disconnectedBy(alice, () =>
      httpApi(
        url,
        "disconnect",
        { user: "alice", disconnect: { code: 4501, reason: "go away" } },
        { "x-api-key": apiKey },
      ),
    );
  } finally {
    alice.disconnect();
  }

  const [connected] = logged("client connected");
  assert.equal(logged("client connected").length, 1);
  assert.deepEqual(
    {
      user: connected?.user,
      transport: connected?.transport,
      protocol: connected?.protocol,
      level: connected?.level,
    },
    { user: "alice", transport: "websocket", protocol: "protobuf", level: 20 },
  );
  assert.match(String(connected?.client), /^[0-9a-f-]{36}$/);
  assert.deepEqual(
    logged("subscribe refused").map((l) => [l.channel, l.code]),
    [["closed:room", 103]],
  );
  assert.deepEqual(
    logged("connection refused: origin not allowed").map((l) => l.origin),
    ["https://evil.example"],
  );
  assert.equal(logged("api call refused: no valid API key").length, 1);
  assert.deepEqual(
    logged("client disconnected").map((l) => [l.user, l.code, l.reason]),
    [["alice", 4501, "go away"]],
  );
  const all = JSON.stringify(lines);
  for (const secretText of [token, secret, apiKey, "wrong-key"])
    assert.ok(!all.includes(secretText), "no secret is logged");
});
