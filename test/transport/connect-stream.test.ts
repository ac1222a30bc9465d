import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { CentrifugoUniStream, type Push } from "../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { connectProtocols, httpApi, transport } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import {
  consumeWithConnect,
  consumeWithGrpcJs,
  type PushLog,
  type StreamConsumer,
} from "./connect-stream-clients.js";

const secret = "connect-stream-test-secret";
const readerScript = fileURLToPath(new URL("./connect-stream-reader.ts", import.meta.url));
let srv: TestServer;

before(async () => {
  srv = await startTestServer({
    uni_grpc: { enabled: true, heartbeat_interval: "1s" },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [
        { name: "feed", history_size: 10, history_ttl: "60s" },
        { name: "replay", history_size: 10, history_ttl: "60s", force_recovery: true },
        { name: "board", subscription_type: "map", map: { mode: "persistent" } },
      ],
    },
  });
});
after(() => srv.close());

/** A token subscribing its holder to `channels` on connect, as a backend would mint it. */
async function tokenFor(user: string, channels: string[], ttl = 60_000): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = new SignJWT({ sub: user, channels }).setProtectedHeader({ alg: "HS256" }).setIssuedAt(now);
  if (ttl !== 0) jwt.setExpirationTime(now + Math.round(ttl / 1000));
  return jwt.sign(new TextEncoder().encode(secret));
}

async function api(method: string, body: unknown, server = srv) {
  const res = await httpApi(server.url, method, body, { "X-API-Key": server.apiKey });
  assert.equal(res.status, 200, res.text);
  return res.body as { result?: Record<string, unknown>; error?: unknown };
}

async function numClients(server = srv): Promise<number> {
  const { result } = await api("info", {}, server);
  return (result!.nodes as { num_clients?: number }[])[0]!.num_clients ?? 0;
}

/** Polls Info until the node counts `n` connections. */
async function clientsBecome(n: number, server = srv): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await numClients(server)) === n) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(await numClients(server), n);
}

async function nextPush(stream: AsyncIterator<Push>): Promise<Push> {
  const next = await stream.next();
  assert.ok(!next.done, "the stream ended early");
  return next.value;
}

/** One message of a Connect streaming body: flags byte 0, big-endian length, the message. */
function envelope(message: string): Uint8Array<ArrayBuffer> {
  const bytes = new TextEncoder().encode(message);
  const out = new Uint8Array(5 + bytes.length);
  new DataView(out.buffer).setUint32(1, bytes.length);
  out.set(bytes, 5);
  return out;
}

const connected = (log: PushLog) => log.until((l) => l.of("connect").length === 1, "the connect push");

describe("Connect uni stream", () => {
  test("grpc-js and every connect-node protocol get the connect push, then the same publications in order", async () => {
    const channel = "feed:order";
    const token = await tokenFor("alice", [channel]);
    const consumers: [string, StreamConsumer][] = [
      ["grpc-js", consumeWithGrpcJs(srv.port, { token })],
      ...connectProtocols.map((p): [string, StreamConsumer] => [
        p,
        consumeWithConnect(p, srv.url, { token }),
      ]),
    ];
    try {
      await Promise.all(consumers.map(([, c]) => connected(c.log)));
      for (const [name, { log }] of consumers) {
        assert.equal(log.pushes[0]!.kind, "connect", name);
        assert.deepEqual(log.pushes[0]!.subs, [channel], name);
        assert.equal(log.pushes[0]!.ping, 1, `${name}: the connect push announces the heartbeat interval`);
      }
      assert.equal(await numClients(), consumers.length);
      for (let n = 1; n <= 3; n++) await api("publish", { channel, data: { n } });
      await Promise.all(
        consumers.map(([name, c]) => c.log.until((l) => l.of("pub").length === 3, `${name} pubs`)),
      );
      const expected = [1, 2, 3].map((n) => ({
        kind: "pub",
        channel,
        data: JSON.stringify({ n }),
        offset: n,
      }));
      for (const [name, { log }] of consumers) assert.deepEqual(log.of("pub"), expected, name);
    } finally {
      for (const [, c] of consumers) c.cancel();
    }
    await clientsBecome(0);
  });

  test("map changes (key, removal) and a publication's version reach every protocol's stream", async () => {
    const token = await tokenFor("carol", ["board:live", "feed:versioned"]);
    const consumers: [string, StreamConsumer][] = [
      ["grpc-js", consumeWithGrpcJs(srv.port, { token })],
      ...connectProtocols.map((p): [string, StreamConsumer] => [
        p,
        consumeWithConnect(p, srv.url, { token }),
      ]),
    ];
    try {
      await Promise.all(consumers.map(([, c]) => connected(c.log)));
      await api("map_publish", { channel: "board:live", key: "a", data: { v: 1 } });
      await api("map_remove", { channel: "board:live", key: "a" });
      await api("publish", { channel: "feed:versioned", data: { n: 1 }, version: 5 });
      await Promise.all(
        consumers.map(([name, c]) => c.log.until((l) => l.of("pub").length === 3, `${name} pubs`)),
      );
      const expected = [
        { kind: "pub", channel: "board:live", data: JSON.stringify({ v: 1 }), offset: 1, key: "a" },
        { kind: "pub", channel: "board:live", data: "", offset: 2, key: "a", removed: true },
        { kind: "pub", channel: "feed:versioned", data: JSON.stringify({ n: 1 }), offset: 1, version: 5 },
      ];
      for (const [name, { log }] of consumers) assert.deepEqual(log.of("pub"), expected, name);
    } finally {
      for (const [, c] of consumers) c.cancel();
    }
  });

  test("uni_grpc also has its own port, as in Centrifugo: grpc-js consumes there, the API is not served", async () => {
    const port = srv.server.uniGrpcPort!;
    assert.ok(port > 0 && port !== srv.port);
    const channel = "feed:own-port";
    const consumer = consumeWithGrpcJs(port, { token: await tokenFor("ivy", [channel]) });
    try {
      await connected(consumer.log);
      await api("publish", { channel, data: { n: 1 } });
      await consumer.log.until((l) => l.of("pub").length === 1, "the publication");
    } finally {
      consumer.cancel();
    }
    const apiThere = await httpApi(`http://127.0.0.1:${port}`, "info", {}, { "X-API-Key": srv.apiKey });
    assert.equal(apiThere.status, 404);
  });

  test("plain fetch speaks the Connect JSON stream: enveloped protobuf-JSON pushes, marked unbuffered for proxies", async () => {
    const abort = new AbortController();
    const res = await fetch(`${srv.url}/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume`, {
      method: "POST",
      headers: { "content-type": "application/connect+json", "connect-protocol-version": "1" },
      body: envelope(JSON.stringify({ token: await tokenFor("henry", ["feed:fetch"]) })),
      signal: abort.signal,
    });
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-type"), "application/connect+json");
      assert.equal(res.headers.get("x-accel-buffering"), "no");
      const reader = res.body!.getReader();
      let bytes = Buffer.alloc(0);
      while (bytes.length < 5 || bytes.length < 5 + bytes.readUInt32BE(1)) {
        const { value, done } = await reader.read();
        assert.ok(!done, "the stream ended before its first message");
        bytes = Buffer.concat([bytes, value]);
      }
      const length = bytes.readUInt32BE(1);
      assert.equal(bytes[0], 0, "a message envelope, not the end-of-stream one");
      const first = JSON.parse(bytes.subarray(5, 5 + length).toString());
      assert.deepEqual(Object.keys(first), ["connect"]);
      assert.deepEqual(Object.keys(first.connect.subs), ["feed:fetch"]);
    } finally {
      abort.abort();
    }
    await clientsBecome(0);
  });

  test("a reconnect naming the last offset and epoch in subs recovers what it missed", async () => {
    const channel = "replay:scores";
    const token = await tokenFor("ivy", [channel]);
    const client = createClient(CentrifugoUniStream, transport("connect-binary", srv.url));
    const firstCall = new AbortController();
    const first = client.consume({ token }, { signal: firstCall.signal })[Symbol.asyncIterator]();
    const connect = (await nextPush(first)).connect!;
    const position = connect.subs[channel]!;
    assert.equal(position.recoverable, true);
    await api("publish", { channel, data: { n: 1 } });
    const seen = await nextPush(first);
    assert.equal(seen.pub!.offset, 1n);
    firstCall.abort();
    await clientsBecome(0);
    for (let n = 2; n <= 3; n++) await api("publish", { channel, data: { n } });
    const againCall = new AbortController();
    const subs = { [channel]: { recover: true, epoch: position.epoch, offset: seen.pub!.offset } };
    const again = client.consume({ token, subs }, { signal: againCall.signal })[Symbol.asyncIterator]();
    try {
      const recovered = (await nextPush(again)).connect!.subs[channel]!;
      assert.equal(recovered.recovered, true);
      assert.deepEqual(
        recovered.publications.map((p) => [p.offset, new TextDecoder().decode(p.data)]),
        [
          [2n, '{"n":2}'],
          [3n, '{"n":3}'],
        ],
      );
    } finally {
      againCall.abort();
    }
  });

  for (const [name, consume] of [
    ["grpc-js", (token: string) => consumeWithGrpcJs(srv.port, { token })],
    ["connect-json", (token: string) => consumeWithConnect("connect-json", srv.url, { token })],
  ] as const) {
    test(`a token with a wrong signature ends the ${name} stream with disconnect 3500`, async () => {
      const forged = await mintConnectionToken({ secret: "not-the-secret", user: "mallory", ttl: 60_000 });
      const { log } = consume(forged);
      await log.until((l) => l.end !== undefined, "the end of the stream");
      assert.deepEqual(log.pushes, [{ kind: "disconnect", code: 3500 }]);
      assert.equal(log.end, "ok");
      await clientsBecome(0);
    });
  }

  test("an expired token ends the stream with disconnect 3005, the code Centrifugo maps error 109 to", async () => {
    const { log } = consumeWithGrpcJs(srv.port, { token: await tokenFor("erin", [], -60_000) });
    await log.until((l) => l.end !== undefined, "the end of the stream");
    assert.deepEqual(log.pushes, [{ kind: "disconnect", code: 3005 }]);
  });

  test("a stream without a token is refused with disconnect 3501, as on other transports", async () => {
    const { log } = consumeWithGrpcJs(srv.port, {});
    await log.until((l) => l.end !== undefined, "the end of the stream");
    assert.deepEqual(log.pushes, [{ kind: "disconnect", code: 3501 }]);
  });

  test("heartbeats arrive as empty pushes while nothing is published", async () => {
    const consumer = consumeWithGrpcJs(srv.port, { token: await tokenFor("bob", []) });
    try {
      await consumer.log.until((l) => l.of("ping").length >= 2, "two heartbeats", 10_000);
      assert.equal(consumer.log.pushes[0]!.kind, "connect");
      assert.equal(consumer.log.end, undefined);
    } finally {
      consumer.cancel();
    }
  });

  test("cancelling the stream on the client removes the connection", async () => {
    const consumer = consumeWithConnect("grpc", srv.url, { token: await tokenFor("carol", ["feed:gone"]) });
    await connected(consumer.log);
    assert.equal(await numClients(), 1);
    consumer.cancel();
    await clientsBecome(0);
    const { result } = await api("channels", {});
    assert.deepEqual(result!.channels ?? {}, {});
  });

  test("a disconnect through the server API arrives as the last push, then the stream ends cleanly", async () => {
    const consumer = consumeWithGrpcJs(srv.port, { token: await tokenFor("dave", ["feed:dave"]) });
    await connected(consumer.log);
    await api("publish", { channel: "feed:dave", data: { last: true } });
    await consumer.log.until((l) => l.of("pub").length === 1, "the publication");
    await api("disconnect", { user: "dave", disconnect: { code: 4501, reason: "bye" } });
    await consumer.log.until((l) => l.end !== undefined, "the end of the stream");
    assert.equal(consumer.log.end, "ok");
    assert.deepEqual(consumer.log.pushes.at(-1), { kind: "disconnect", code: 4501 });
    await clientsBecome(0);
  });
});

describe("Connect uni stream limits", () => {
  let small: TestServer;
  before(async () => {
    small = await startTestServer({
      uni_grpc: { enabled: true },
      client: { token: { hmac_secret_key: secret }, queue_max_size: 262144 },
      channel: { namespaces: [{ name: "feed" }] },
    });
  });
  after(() => small.close());

  test("a consumer that stops reading is cut with 3008 once its backlog passes client.queue_max_size", async () => {
    const token = await tokenFor("slow", ["feed:big"]);
    const reader = spawn(process.execPath, ["--import", "tsx", readerScript, String(small.port), token]);
    const lines: Record<string, unknown>[] = [];
    let partial = "";
    reader.stdout.on("data", (chunk: Buffer) => {
      const complete = (partial + chunk.toString()).split("\n");
      partial = complete.pop()!;
      for (const l of complete) lines.push(JSON.parse(l));
    });
    const exited = once(reader, "exit");
    try {
      await clientsBecome(1, small);
      reader.kill("SIGSTOP");
      const payload = { blob: "x".repeat(64 * 1024) };
      let published = 0;
      while (published < 1000 && (await numClients(small)) === 1) {
        await api("publish", { channel: "feed:big", data: payload }, small);
        published += 1;
      }
      await clientsBecome(0, small);
      reader.kill("SIGCONT");
      await exited;
      assert.deepEqual(lines.at(-1), { end: "ok" });
      assert.deepEqual(lines.at(-2), { kind: "disconnect", code: 3008 });
      const pubs = lines.filter((l) => l.kind === "pub").length;
      assert.ok(pubs < published, `${pubs} of ${published} publications arrived`);
    } finally {
      reader.kill("SIGCONT");
      reader.kill();
    }
  });
});

test("without uni_grpc.enabled the stream is not served", async () => {
  const plain = await startTestServer({ client: { token: { hmac_secret_key: secret } } });
  try {
    const consumer = consumeWithConnect("connect-binary", plain.url, { token: await tokenFor("frank", []) });
    await consumer.log.until((l) => l.end !== undefined, "the end of the stream");
    assert.deepEqual(consumer.log.pushes, []);
    assert.match(consumer.log.end!, /unimplemented|not found|404/i);
  } finally {
    await plain.close();
  }
});

test("a server shutting down ends every stream with disconnect 3001", async () => {
  const closing = await startTestServer({
    uni_grpc: { enabled: true },
    client: { token: { hmac_secret_key: secret } },
  });
  const consumer = consumeWithGrpcJs(closing.port, { token: await tokenFor("gina", []) });
  await connected(consumer.log);
  await closing.close();
  await consumer.log.until((l) => l.end !== undefined, "the end of the stream");
  assert.deepEqual(consumer.log.pushes.at(-1), { kind: "disconnect", code: 3001 });
  assert.equal(consumer.log.end, "ok");
});

test("with grpc_api enabled the dedicated gRPC port serves the stream too", async () => {
  const both = await startTestServer({
    uni_grpc: { enabled: true },
    grpc_api: { enabled: true },
    client: { token: { hmac_secret_key: secret } },
  });
  const channel = "grpc-port-news";
  const consumer = consumeWithGrpcJs(both.grpcPort!, { token: await tokenFor("hana", [channel]) });
  try {
    await connected(consumer.log);
    assert.deepEqual(consumer.log.pushes[0]!.subs, [channel]);
    await api("publish", { channel, data: { via: "grpc port" } }, both);
    await consumer.log.until((l) => l.of("pub").length === 1, "the publication");
    assert.equal(consumer.log.of("pub")[0]!.data, JSON.stringify({ via: "grpc port" }));
  } finally {
    consumer.cancel();
    await both.close();
  }
});
