import assert from "node:assert/strict";
import { request } from "node:http";
import type { Socket } from "node:net";
import { after, before, test } from "node:test";
import { deflateRawSync } from "node:zlib";
import WebSocket from "ws";
import { sharedFrameCounts } from "../../src/transport/websocket/shared-frame.js";
import { httpApi } from "../helpers/api-clients.js";
import { launchChromium } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const answer = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
const minSize = 200;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { insecure: true, allowed_origins: ["*"] },
    websocket: {
      compression: true,
      compression_level: 6,
      compression_min_size: minSize,
      message_size_limit: 1000,
      decompressed_message_size_limit: 4000,
    },
  });
});
after(() => srv.close());

/** The headers of each frame the server sent: whether RSV1 (compressed) was set, and the payload length on the wire. */
interface WireFrame {
  readonly rsv1: boolean;
  readonly length: number;
}

/** Reads frame headers off the raw socket (server frames are unmasked). */
function tapFrames(socket: Socket): WireFrame[] {
  const frames: WireFrame[] = [];
  let pending = Buffer.alloc(0);
  socket.on("data", (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    for (;;) {
      if (pending.length < 2) return;
      let length = pending[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (pending.length < 4) return;
        length = pending.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (pending.length < 10) return;
        length = Number(pending.readBigUInt64BE(2));
        at = 10;
      }
      if (pending.length < at + length) return;
      frames.push({ rsv1: (pending[0]! & 0x40) !== 0, length });
      pending = pending.subarray(at + length);
    }
  });
  return frames;
}

interface Subscriber {
  readonly ws: WebSocket;
  readonly extensions: string;
  readonly frames: WireFrame[];
  readonly messages: string[];
}

async function subscriber(channel: string, deflate: boolean): Promise<Subscriber> {
  const ws = new WebSocket(`ws://127.0.0.1:${srv.port}/connection/websocket`, {
    perMessageDeflate: deflate ? { threshold: 0 } : false,
  });
  await new Promise((resolve, reject) => {
    ws.once("open", resolve);
    ws.once("error", reject);
  });
  const frames = tapFrames((ws as unknown as { _socket: Socket })._socket);
  const messages: string[] = [];
  ws.on("message", (data: Buffer) => messages.push(data.toString()));
  ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`);
  await until(() => messages.join("\n").includes('"id":2'));
  messages.length = 0;
  frames.length = 0;
  return { ws, extensions: ws.extensions, frames, messages };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(check(), "condition not reached in time");
}

const publish = (channel: string, data: unknown) =>
  httpApi(srv.url, "publish", { channel, data }, { "X-API-Key": srv.apiKey });

test("any permessage-deflate offer gets Centrifugo's one answer, whatever parameters it carries", async () => {
  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const req = request({
      host: "127.0.0.1",
      port: srv.port,
      path: "/connection/websocket",
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Extensions":
          "permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate",
      },
    });
    req.on("upgrade", (res, socket) => {
      socket.destroy();
      resolve(res.headers);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(headers["sec-websocket-extensions"], answer);
});

test("a client that offers nothing gets no extension and plain frames", async () => {
  const plain = await subscriber("plain", false);
  try {
    assert.equal(plain.extensions, "");
    await publish("plain", { text: "x".repeat(500) });
    await until(() => plain.messages.length === 1);
    assert.deepEqual(
      plain.frames.map((f) => f.rsv1),
      [false],
    );
  } finally {
    plain.ws.terminate();
  }
});

test("messages longer than compression_min_size are deflated, shorter ones are sent plain", async () => {
  const sub = await subscriber("sizes", true);
  try {
    assert.equal(sub.extensions, "permessage-deflate");
    const big = { text: "abc".repeat(300) };
    await publish("sizes", { n: 1 });
    await until(() => sub.messages.length === 1);
    await publish("sizes", big);
    await until(() => sub.messages.length === 2);
    assert.deepEqual(
      sub.frames.map((f) => f.rsv1),
      [false, true],
    );
    assert.equal(sub.messages[1], `{"push":{"channel":"sizes","pub":{"data":${JSON.stringify(big)}}}}`);
    assert.ok(
      sub.frames[1]!.length < 100,
      `a 900-byte repetitive payload deflates well (got ${sub.frames[1]!.length})`,
    );
  } finally {
    sub.ws.terminate();
  }
});

test("fan-out with compression builds one plain and one deflated frame per broadcast, whatever the number of sockets", async () => {
  const subs: Subscriber[] = [];
  for (let i = 0; i < 12; i++) subs.push(await subscriber("fan", i % 3 !== 0));
  try {
    const before = { ...sharedFrameCounts };
    for (const n of [1, 2, 3]) {
      await publish("fan", { n, text: "y".repeat(300) });
      await until(() => subs.every((s) => s.messages.length === n));
    }
    assert.equal(sharedFrameCounts.compressed - before.compressed, 3);
    assert.equal(sharedFrameCounts.framed - before.framed, 6);
    for (const s of subs) {
      assert.deepEqual(
        s.frames.map((f) => f.rsv1),
        s.extensions ? [true, true, true] : [false, false, false],
      );
      assert.equal(
        s.messages[2],
        `{"push":{"channel":"fan","pub":{"data":{"n":3,"text":"${"y".repeat(300)}"}}}}`,
      );
    }
  } finally {
    for (const s of subs) s.ws.terminate();
  }
});

test("a compressed message within the decompressed limit is read, one that inflates past it closes with 1009", async () => {
  const sub = await subscriber("bomb", true);
  const closed = new Promise<number>((resolve) => sub.ws.once("close", (code) => resolve(code)));
  // 3000 bytes inflated, under decompressed_message_size_limit (4000) though over message_size_limit (1000).
  sub.ws.send(`{"id":3,"rpc":{"method":"m","data":{"pad":"${"z".repeat(2950)}"}}}`);
  await until(() => sub.messages.some((m) => m.includes('"id":3')));
  // A bomb: about a kilobyte on the wire (ws deflates what it sends), a megabyte once inflated.
  assert.ok(deflateRawSync(Buffer.alloc(1_000_000, 0x20)).length < 4000);
  sub.ws.send(Buffer.alloc(1_000_000, 0x20).toString());
  assert.equal(await closed, 1009);
});

test("on a server with compression, a socket without it still closes with 1009 past message_size_limit", async () => {
  const plain = await subscriber("limit", false);
  const closed = new Promise<number>((resolve) => plain.ws.once("close", (code) => resolve(code)));
  plain.ws.send(`{"id":3,"rpc":{"method":"m","data":{"pad":"${"z".repeat(1500)}"}}}`);
  assert.equal(await closed, 1009);
});

test("headless Chromium negotiates permessage-deflate and reads deflated publications", async () => {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const before = sharedFrameCounts.compressed;
    const pending = page.evaluate(
      (url) =>
        new Promise<{ extensions: string; text: string }>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.onerror = () => reject(new Error("socket error"));
          ws.onopen = () => ws.send('{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"browser"}}');
          ws.onmessage = (event) => {
            const text = String(event.data);
            if (text.includes('"id":2')) (window as unknown as { ready: boolean }).ready = true;
            if (text.includes('"push"')) resolve({ extensions: ws.extensions, text });
          };
        }),
      `ws://127.0.0.1:${srv.port}/connection/websocket`,
    );
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);
    const data = { text: "b".repeat(400) };
    await publish("browser", data);
    const got = await pending;
    assert.equal(got.extensions, answer);
    assert.equal(got.text, `{"push":{"channel":"browser","pub":{"data":${JSON.stringify(data)}}}}`);
    assert.equal(sharedFrameCounts.compressed - before, 1);
  } finally {
    await browser.close();
  }
});
