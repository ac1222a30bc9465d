import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import WebSocket from "ws";
import { ReplySchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface Subscriber {
  readonly protobuf: boolean;
  readonly frames: { data: Buffer; binary: boolean }[];
  close(): void;
}

function delimited(bytes: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([bytes.length]), bytes]);
}

async function subscriber(server: TestServer, protobuf: boolean, channel: string): Promise<Subscriber> {
  const ws = new WebSocket(
    `ws://127.0.0.1:${server.port}/connection/websocket${protobuf ? "?format=protobuf" : ""}`,
  );
  const frames: { data: Buffer; binary: boolean }[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => {
      if (protobuf) {
        // Command{id:1, connect:{}} and Command{id:2, subscribe:{channel}}, varint-delimited.
        const name = Buffer.from(channel);
        const subscribe = Buffer.concat([Buffer.from([0x0a, name.length]), name]);
        ws.send(
          Buffer.concat([
            delimited(Buffer.from([0x08, 0x01, 0x22, 0x00])),
            delimited(Buffer.concat([Buffer.from([0x08, 0x02, 0x2a, subscribe.length]), subscribe])),
          ]),
        );
      } else {
        ws.send(`{"id":1,"connect":{}}\n{"id":2,"subscribe":{"channel":"${channel}"}}`);
      }
    });
    let replies = 0;
    ws.on("message", (data: Buffer, binary: boolean) => {
      if (replies < 2) {
        replies += protobuf ? countDelimited(data) : data.toString().split("\n").length;
        if (replies >= 2) resolve();
        return;
      }
      frames.push({ data, binary });
    });
    ws.once("error", reject);
  });
  return { protobuf, frames, close: () => ws.terminate() };
}

function countDelimited(frame: Buffer): number {
  let n = 0;
  for (let at = 0; at < frame.length; n++) at += 1 + frame[at]!;
  return n;
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
}

let server: TestServer;
before(async () => {
  server = await startTestServer({ client: { insecure: true } });
});
after(() => server.close());

test("JSON and protobuf subscribers of one channel each get the exact publication bytes, in text and binary frames", async () => {
  const subs: Subscriber[] = [];
  for (const protobuf of [false, true, false, true, false])
    subs.push(await subscriber(server, protobuf, "news"));
  try {
    for (const n of [1, 2, 3]) {
      const res = await httpApi(
        server.url,
        "publish",
        { channel: "news", data: { n } },
        { "X-API-Key": server.apiKey },
      );
      assert.equal(res.status, 200);
      await until(() => subs.every((s) => s.frames.length >= n));
    }
    for (const s of subs) {
      assert.equal(s.frames.length, 3);
      for (const [i, frame] of s.frames.entries()) {
        assert.equal(frame.binary, s.protobuf);
        if (s.protobuf) {
          const reply = fromBinary(ReplySchema, frame.data.subarray(1));
          assert.equal(frame.data[0], frame.data.length - 1);
          assert.equal(reply.push?.channel, "news");
          assert.equal(Buffer.from(reply.push?.pub?.data ?? []).toString(), `{"n":${i + 1}}`);
        } else {
          assert.equal(frame.data.toString(), `{"push":{"channel":"news","pub":{"data":{"n":${i + 1}}}}}`);
        }
      }
    }
  } finally {
    for (const s of subs) s.close();
  }
});

/** The messages of one frame: newline-separated JSON, or varint-delimited protobuf Replies. */
function messagesOf(frame: { data: Buffer; binary: boolean }): string[] {
  if (!frame.binary) return frame.data.toString().split("\n");
  const out: string[] = [];
  for (let at = 0; at < frame.data.length; at += 1 + frame.data[at]!) {
    const reply = fromBinary(ReplySchema, frame.data.subarray(at + 1, at + 1 + frame.data[at]!));
    out.push(Buffer.from(reply.push?.pub?.data ?? []).toString());
  }
  return out;
}

test("publications that reach subscribers before their flush leave as one frame of joined messages, the same bytes for every subscriber of a protocol", async () => {
  const subs: Subscriber[] = [];
  for (const protobuf of [false, true, false, true]) subs.push(await subscriber(server, protobuf, "batch"));
  try {
    const commands = [1, 2, 3].map((n) => ({ publish: { channel: "batch", data: { n } } }));
    const res = await httpApi(server.url, "batch", { commands }, { "X-API-Key": server.apiKey });
    assert.equal(res.status, 200);
    await until(() => subs.every((s) => s.frames.flatMap(messagesOf).length >= 3));
    for (const s of subs) {
      assert.equal(s.frames.length, 1);
      assert.equal(s.frames[0]!.binary, s.protobuf);
      const expected = [1, 2, 3].map((n) =>
        s.protobuf ? `{"n":${n}}` : `{"push":{"channel":"batch","pub":{"data":{"n":${n}}}}}`,
      );
      assert.deepEqual(messagesOf(s.frames[0]!), expected);
    }
    assert.deepEqual(subs[0]!.frames[0]!.data, subs[2]!.frames[0]!.data);
    assert.deepEqual(subs[1]!.frames[0]!.data, subs[3]!.frames[0]!.data);
  } finally {
    for (const s of subs) s.close();
  }
});
