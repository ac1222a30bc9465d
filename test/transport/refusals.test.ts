import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import type { Centrifuge } from "centrifuge";
import WebSocket from "ws";
import { EmulationRequestSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { sign, unix } from "../auth/token-helpers.js";
import { httpApi } from "../helpers/api-clients.js";
import {
  centrifugeClient,
  collectPublications,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { emulationClient, openUniWebSocket, uniClients } from "../helpers/transport-clients.js";

const secret = "refusals-secret";
const allowedOrigin = "https://app.example.com";
const deniedOrigin = "https://evil.example.com";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret }, allowed_origins: [allowedOrigin] },
    channel: { without_namespace: { allow_subscribe_for_client: true } },
    http_stream: { enabled: true },
    sse: { enabled: true },
    emulation: { max_request_body_size: 1024 },
    uni_websocket: { enabled: true },
    uni_sse: { enabled: true },
    uni_http_stream: { enabled: true },
  });
});
after(() => srv.close());

const wsUrl = (path: string) => `${srv.url.replace(/^http/, "ws")}${path}`;

async function disconnectedWith(client: Centrifuge): Promise<{ code: number; reason: string }> {
  const disconnected = nextEvent<{ code: number; reason: string }>(client, "disconnected");
  client.connect();
  try {
    return await disconnected;
  } finally {
    client.disconnect();
  }
}

describe("a bad token is refused with 3500 invalid token on every transport", () => {
  const bidirectional: [string, () => Centrifuge][] = [
    ["websocket (json)", () => centrifugeClient(srv.url, "json", { token: "not-a-jwt" })],
    ["websocket (protobuf)", () => centrifugeClient(srv.url, "protobuf", { token: "not-a-jwt" })],
    ["http_stream (json)", () => emulationClient(srv.url, "http_stream", "json", { token: "not-a-jwt" })],
    [
      "http_stream (protobuf)",
      () => emulationClient(srv.url, "http_stream", "protobuf", { token: "not-a-jwt" }),
    ],
    ["sse", () => emulationClient(srv.url, "sse", "json", { token: "not-a-jwt" })],
  ];
  for (const [name, client] of bidirectional) {
    test(`${name}: centrifuge-js is disconnected with 3500`, async () => {
      assert.deepEqual(await disconnectedWith(client()), { code: 3500, reason: "invalid token" });
    });
  }
  for (const [name, open] of Object.entries(uniClients)) {
    test(`${name}: the disconnect push says 3500, then the connection ends`, async () => {
      const stream = await open(srv.url, { token: "not-a-jwt" });
      const push = await stream.take();
      assert.deepEqual(push, { disconnect: { code: 3500, reason: "invalid token" } });
      const ended = await stream.ended;
      if (name.startsWith("uni_websocket")) assert.deepEqual(ended, { code: 3500, reason: "invalid token" });
    });
  }
});

describe("a disallowed Origin is refused with 403 on every transport", () => {
  const httpEndpoints: [string, string, RequestInit][] = [
    ["http_stream", "/connection/http_stream", { method: "POST", body: '{"connect":{},"id":1}' }],
    ["sse", `/connection/sse?cf_connect=${encodeURIComponent('{"connect":{},"id":1}')}`, { method: "GET" }],
    ["emulation", "/emulation", { method: "POST", body: '{"session":"s","node":"n","data":"{}"}' }],
    ["uni_sse", "/connection/uni_sse?cf_connect={}", { method: "GET" }],
    ["uni_http_stream", "/connection/uni_http_stream", { method: "POST", body: "{}" }],
  ];
  for (const [name, path, init] of httpEndpoints) {
    test(`${name}: 403 with the reason, and preflight refused too`, async () => {
      const res = await fetch(`${srv.url}${path}`, { ...init, headers: { origin: deniedOrigin } });
      assert.equal(res.status, 403);
      assert.equal(await res.text(), "Forbidden: origin not allowed\n");
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      const preflight = await fetch(`${srv.url}${path}`, {
        method: "OPTIONS",
        headers: { origin: deniedOrigin },
      });
      assert.equal(preflight.status, 403);
      await preflight.text();
    });
  }
  for (const path of ["/connection/websocket", "/connection/uni_websocket"]) {
    test(`${path.slice(12)}: the upgrade is answered 403 with the reason`, async () => {
      const ws = new WebSocket(wsUrl(path), { headers: { origin: deniedOrigin } });
      const refused = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        ws.on("open", () => reject(new Error("upgrade accepted")));
        ws.on("error", () => {});
        ws.on("unexpected-response", (_req, res) => {
          let body = "";
          res.on("data", (chunk: Buffer) => {
            body += chunk.toString();
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
      });
      assert.deepEqual(refused, { status: 403, body: "Forbidden: origin not allowed\n" });
    });
  }
});

describe("an allowed Origin gets CORS answers", () => {
  test("preflight names the methods and echoes the requested headers", async () => {
    const res = await fetch(`${srv.url}/emulation`, {
      method: "OPTIONS",
      headers: {
        origin: allowedOrigin,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type",
      },
    });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get("access-control-allow-origin"), allowedOrigin);
    assert.equal(res.headers.get("access-control-allow-methods"), "POST, OPTIONS");
    assert.equal(res.headers.get("access-control-allow-headers"), "content-type");
    assert.equal(res.headers.get("access-control-max-age"), "300");
    const sse = await fetch(`${srv.url}/connection/sse`, {
      method: "OPTIONS",
      headers: { origin: allowedOrigin },
    });
    assert.equal(sse.headers.get("access-control-allow-methods"), "GET, POST, OPTIONS");
  });

  test("centrifuge-js sending that Origin connects over http_stream and receives publications", async () => {
    const withOrigin: typeof fetch = (url, init) =>
      fetch(url, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), origin: allowedOrigin },
      });
    const token = await mintConnectionToken({ secret, user: "cors", ttl: 60_000 });
    const client = emulationClient(srv.url, "http_stream", "json", { token, fetch: withOrigin });
    try {
      const { sub } = await subscribed(client, "cors-channel", {});
      const pubs = collectPublications(sub);
      const res = await httpApi(
        srv.url,
        "publish",
        { channel: "cors-channel", data: { ok: 1 } },
        { "X-API-Key": srv.apiKey },
      );
      assert.equal(res.status, 200);
      assert.deepEqual((await pubs.take(1))[0]!.data, { ok: 1 });
    } finally {
      client.disconnect();
    }
  });
});

describe("bad requests get clear HTTP errors, never a crash", () => {
  const post = (path: string, body: BodyInit, type = "application/json") =>
    fetch(`${srv.url}${path}`, { method: "POST", body, headers: { "content-type": type } });
  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    [
      "emulation body over max_request_body_size",
      () => post("/emulation", "x".repeat(2048)),
      413,
      /too large/,
    ],
    ["emulation body that is not JSON", () => post("/emulation", "{junk"), 400, /not JSON/],
    ["emulation body without a session", () => post("/emulation", '{"data":"{}"}'), 400, /must be strings/],
    [
      "emulation data that is not a string",
      () => post("/emulation", '{"session":"s","node":"n","data":{}}'),
      400,
      /data/,
    ],
    [
      "emulation protobuf body that does not decode",
      () => post("/emulation", new Uint8Array([0x0a, 0xff, 0xff]), "application/octet-stream"),
      400,
      /malformed EmulationRequest/,
    ],
    [
      "emulation for another node",
      () => post("/emulation", '{"session":"s","node":"n","data":"{}"}'),
      404,
      /unknown node/,
    ],
    [
      "http_stream connect that is not JSON",
      () => post("/connection/http_stream", "nope"),
      400,
      /bad connect request/,
    ],
    ["http_stream with an empty body", () => post("/connection/http_stream", ""), 400, /bad connect request/],
    ["sse without cf_connect", () => fetch(`${srv.url}/connection/sse`), 400, /cf_connect/],
    [
      "uni_http_stream request that is not JSON",
      () => post("/connection/uni_http_stream", "[1]"),
      400,
      /bad connect request/,
    ],
    [
      "uni_sse request with a wrongly typed field",
      () => post("/connection/uni_sse", '{"token":5}'),
      400,
      /token/,
    ],
  ];
  for (const [name, send, status, body] of cases) {
    test(`${name}: ${status}`, async () => {
      const res = await send();
      assert.equal(res.status, status);
      assert.match(await res.text(), body);
    });
  }

  test("emulation for a session this node does not hold: 404", async () => {
    const node = srv.server.node.id;
    const json = await post("/emulation", JSON.stringify({ session: "gone", node, data: "{}" }));
    assert.equal(json.status, 404);
    assert.equal(await json.text(), "session not found\n");
    const proto = toBinary(EmulationRequestSchema, create(EmulationRequestSchema, { node, session: "gone" }));
    const binary = await post("/emulation", proto, "application/octet-stream");
    assert.equal(binary.status, 404);
    await binary.text();
  });

  test("uni_websocket: a first message that is not a connect request closes with 3501", async () => {
    const stream = await openUniWebSocket(wsUrl("/connection/uni_websocket"), "not json");
    assert.deepEqual(await stream.take(), { disconnect: { code: 3501, reason: "bad request" } });
    assert.deepEqual(await stream.ended, { code: 3501, reason: "bad request" });
  });

  test("uni transports turn a connect error into its disconnect: an expired token ends with 3005", async () => {
    const expired = await sign({ sub: "late", exp: unix(-60) }, secret, "HS256");
    const stream = await uniClients.uni_http_stream(srv.url, { token: expired });
    assert.deepEqual(await stream.take(), { disconnect: { code: 3005, reason: "connection expired" } });
    await stream.ended;
  });

  test("after all of it the server still serves clients", async () => {
    const token = await mintConnectionToken({ secret, user: "after", ttl: 60_000 });
    const client = emulationClient(srv.url, "sse", "json", { token });
    try {
      const { sub } = await subscribed(client, "after-channel");
      const pubs = collectPublications(sub);
      await httpApi(
        srv.url,
        "publish",
        { channel: "after-channel", data: { still: "up" } },
        { "X-API-Key": srv.apiKey },
      );
      assert.deepEqual((await pubs.take(1))[0]!.data, { still: "up" });
    } finally {
      client.disconnect();
    }
  });
});
