import assert from "node:assert/strict";
import { once } from "node:events";
import http2, { type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { after, before, test } from "node:test";
import { Agent, WebSocket as UndiciWebSocket } from "undici";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, connected, eventWhere, subscribed } from "../helpers/centrifuge-clients.js";
import { waitUntil } from "../helpers/redis-servers.js";
import { type SelfSigned, selfSigned } from "../helpers/self-signed.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const deflateAnswer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
const origin = "https://app.example";

let srv: TestServer;
let cert: SelfSigned;
let tlsSrv: TestServer;
before(async () => {
  cert = await selfSigned();
  const common = {
    client: { insecure: true, allowed_origins: [origin] },
    http_server: { request_timeout: "1s", http2: { extended_connect: true } },
    // Compression negotiated, but replies stay under the size that would deflate them: raw frames stay readable.
    websocket: { compression: true, compression_min_size: 10_000 },
    uni_websocket: { enabled: true },
  };
  srv = await startTestServer(common);
  tlsSrv = await startTestServer({
    ...common,
    http_server: {
      ...common.http_server,
      tls: { enabled: true, cert_pem_file: cert.certFile, key_pem_file: cert.keyFile },
      // The server API on a plain internal listener, the client transports on TLS.
      tls_external: true,
      internal_port: 0,
    },
  });
});
after(async () => {
  await srv?.close();
  await tlsSrv?.close();
  await cert?.remove();
});

const api = (server: TestServer, method: string, body: unknown) =>
  httpApi(server.internalUrl, method, body, { "X-API-Key": server.apiKey });
const publish = (server: TestServer, channel: string, data: unknown) =>
  api(server, "publish", { channel, data });

/** An h2c session to the server, once its SETTINGS arrived. */
async function h2c(server: TestServer): Promise<{ session: ClientHttp2Session; settings: http2.Settings }> {
  const session = http2.connect(`http://127.0.0.1:${server.port}`);
  const [settings] = (await once(session, "remoteSettings")) as [http2.Settings];
  return { session, settings };
}

interface Tunnel {
  readonly stream: ClientHttp2Stream;
  readonly response: IncomingHttpHeaders;
}

/** Opens an extended CONNECT stream (RFC 8441) and waits for the response headers. */
async function openTunnel(
  session: ClientHttp2Session,
  headers: Record<string, string> = {},
  path = "/connection/websocket",
): Promise<Tunnel> {
  const stream = session.request({
    ":method": "CONNECT",
    ":protocol": "websocket",
    ":scheme": "http",
    ":path": path,
    "sec-websocket-version": "13",
    ...headers,
  });
  const [response] = (await once(stream, "response")) as [IncomingHttpHeaders];
  return { stream, response };
}

/** A client text frame: FIN, opcode 1, masked with a zero key (which leaves the payload as it is). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const length =
    payload.length < 126
      ? Buffer.from([0x80 | payload.length])
      : Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([Buffer.from([0x81]), length, Buffer.alloc(4), payload]);
}

interface Frame {
  readonly opcode: number;
  readonly payload: Buffer;
}

/** Collects the server's (unmasked) frames off a stream; `next` waits for one that matches. */
function frames(stream: ClientHttp2Stream) {
  const seen: Frame[] = [];
  const waiting: (() => void)[] = [];
  let pending = Buffer.alloc(0);
  stream.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      let length = pending[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        at = 4;
      }
      if (pending.length < at + length) return;
      seen.push({ opcode: pending[0]! & 0x0f, payload: pending.subarray(at, at + length) });
      pending = pending.subarray(at + length);
      for (const wake of waiting.splice(0)) wake();
    }
  });
  return {
    async next(what: string, match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = seen.find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise<void>((resolve) => {
          waiting.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
  };
}

const text = (frame: Frame) => frame.payload.toString();

/** Connects and subscribes over a tunnel with raw protocol frames; resolves once the subscription is confirmed. */
async function subscribeOver(tunnel: Tunnel, channel: string) {
  const reader = frames(tunnel.stream);
  tunnel.stream.write(textFrame(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`));
  const reply = await reader.next("the subscribe reply", (f) => text(f).includes('"id":2'));
  assert.ok(!text(reply).includes('"error"'), text(reply));
  return reader;
}

test("the main port advertises extended CONNECT only with http_server.http2.extended_connect", async () => {
  const { session, settings } = await h2c(srv);
  session.close();
  assert.equal(settings.enableConnectProtocol, true);
  const plain = await startTestServer({ client: { insecure: true } });
  try {
    const off = await h2c(plain);
    off.session.close();
    assert.equal(off.settings.enableConnectProtocol, false);
  } finally {
    await plain.close();
  }
});

test("a WebSocket over an HTTP/2 stream: 200 with the subprotocol and deflate answer, connect, subscribe, a publication, the close handshake", async () => {
  const { session } = await h2c(srv);
  try {
    const tunnel = await openTunnel(session, {
      origin,
      "sec-websocket-protocol": "centrifuge-json",
      "sec-websocket-extensions": "permessage-deflate; client_max_window_bits",
    });
    assert.equal(tunnel.response[":status"], 200);
    assert.equal(tunnel.response["sec-websocket-protocol"], "centrifuge-json");
    assert.equal(tunnel.response["sec-websocket-extensions"], deflateAnswer);
    assert.equal(tunnel.response["sec-websocket-accept"], undefined);
    const reader = await subscribeOver(tunnel, "h2-news");
    assert.equal((await publish(srv, "h2-news", { n: 1 })).status, 200);
    const push = await reader.next("the publication", (f) => text(f).includes('"push"'));
    assert.deepEqual(JSON.parse(text(push)), { push: { channel: "h2-news", pub: { data: { n: 1 } } } });
    // The client closes with 1000: the server answers with its own close frame and ends the stream cleanly.
    tunnel.stream.write(Buffer.from([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8]));
    const close = await reader.next("the server's close frame", (f) => f.opcode === 8);
    assert.equal(close.payload.readUInt16BE(0), 1000);
    tunnel.stream.end();
    await once(tunnel.stream, "close");
    assert.equal(tunnel.stream.rstCode, http2.constants.NGHTTP2_NO_ERROR);
  } finally {
    session.destroy();
  }
});

test("two WebSockets on one HTTP/2 connection; a server disconnect reaches each as the close frame's code and reason", async () => {
  const { session } = await h2c(srv);
  try {
    const readers = [];
    for (const channel of ["h2-kick1", "h2-kick2"])
      readers.push(await subscribeOver(await openTunnel(session), channel));
    const kicked = await api(srv, "disconnect", { user: "", disconnect: { code: 4011, reason: "moved" } });
    assert.equal(kicked.status, 200);
    for (const reader of readers) {
      const close = await reader.next("the close frame", (f) => f.opcode === 8);
      assert.equal(close.payload.readUInt16BE(0), 4011);
      assert.equal(close.payload.subarray(2).toString(), "moved");
    }
  } finally {
    session.destroy();
  }
});

test("refused tunnels get the status an HTTP/1.1 upgrade would, and their stream is closed", async () => {
  const { session } = await h2c(srv);
  try {
    const cases: [string, Record<string, string>, string, number][] = [
      ["unknown path", {}, "/connection/nowhere", 404],
      ["origin not allowed", { origin: "https://evil.example" }, "/connection/websocket", 403],
      ["no WebSocket version", { "sec-websocket-version": "" }, "/connection/websocket", 400],
    ];
    for (const [what, headers, path, status] of cases) {
      const tunnel = await openTunnel(session, headers, path);
      assert.equal(tunnel.response[":status"], status, what);
      tunnel.stream.resume();
      await once(tunnel.stream, "close");
    }
    const other = session.request({
      ":method": "CONNECT",
      ":protocol": "connect-udp",
      ":scheme": "http",
      ":path": "/connection/websocket",
    });
    const [response] = (await once(other, "response")) as [IncomingHttpHeaders];
    assert.equal(response[":status"], 501);
    other.resume();
    await once(other, "close");
  } finally {
    session.destroy();
  }
});

test("a tunnel outlives http_server.request_timeout: its stream is no request body", async () => {
  const { session } = await h2c(srv);
  try {
    const tunnel = await openTunnel(session);
    const reader = await subscribeOver(tunnel, "h2-long");
    // The request deadline is 1 s and checked every second: two checks pass.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal((await publish(srv, "h2-long", { late: true })).status, 200);
    const push = await reader.next("the late publication", (f) => text(f).includes('"late"'));
    assert.ok(text(push).includes("h2-long"));
  } finally {
    session.destroy();
  }
});

test("a peer that resets its tunnel ends its session; the unidirectional WebSocket tunnels too", async () => {
  const { session } = await h2c(srv);
  try {
    const hub = srv.server.node.hub;
    await waitUntil("the earlier tests' clients gone", async () => hub.numClients === 0, 5000);
    const tunnel = await openTunnel(session);
    await subscribeOver(tunnel, "h2-reset");
    assert.equal(hub.numClients, 1);
    tunnel.stream.close(http2.constants.NGHTTP2_CANCEL);
    await waitUntil("the session closed", async () => hub.numClients === 0, 5000);

    const uni = await openTunnel(session, {}, "/connection/uni_websocket");
    assert.equal(uni.response[":status"], 200);
    const reader = frames(uni.stream);
    uni.stream.write(textFrame('{"subs":{"h2-uni":{}}}'));
    await reader.next("the connect push", (f) => text(f).includes('"connect"'));
    await waitUntil("the uni client subscribed", async () => hub.numClients === 1, 5000);
    assert.equal((await publish(srv, "h2-uni", { u: 1 })).status, 200);
    await reader.next("the pushed publication", (f) => text(f).includes('"u":1'));
  } finally {
    session.destroy();
  }
});

/** undici's WebSocket over HTTP/2 (RFC 8441) through `dispatcher`, shaped as the constructor the SDK takes. */
function h2WebSocket(dispatcher: Agent) {
  return class extends UndiciWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, { dispatcher, protocols: protocols ?? [] });
    }
  };
}

test("the centrifuge SDK (JSON and protobuf) over undici's wss:// tunnels: publications and the disconnect code", async () => {
  const dispatcher = new Agent({ allowH2: true, connect: { ca: cert.ca } });
  const base = `https://127.0.0.1:${tlsSrv.port}`;
  const websocket = h2WebSocket(dispatcher);
  const json = centrifugeClient(base, "json", { websocket });
  const protobuf = centrifugeClient(base, "protobuf", { websocket });
  try {
    await connected(json);
    await connected(protobuf);
    const { sub: a } = await subscribed(json, "h2-sdk");
    const { sub: b } = await subscribed(protobuf, "h2-sdk");
    const gotA = eventWhere<{ data: unknown }>(a, "publication", () => true);
    const gotB = eventWhere<{ data: unknown }>(b, "publication", () => true);
    assert.equal((await publish(tlsSrv, "h2-sdk", { over: "h2" })).status, 200);
    assert.deepEqual((await gotA).data, { over: "h2" });
    // The protobuf client hands over the payload's bytes.
    assert.deepEqual(JSON.parse(Buffer.from((await gotB).data as Uint8Array).toString()), { over: "h2" });
    const gone = eventWhere<{ code: number; reason: string }>(json, "disconnected", () => true);
    await api(tlsSrv, "disconnect", { user: "", disconnect: { code: 3520, reason: "go away" } });
    assert.deepEqual(await gone, { code: 3520, reason: "go away" });
  } finally {
    json.disconnect();
    protobuf.disconnect();
    await dispatcher.close();
  }
});
