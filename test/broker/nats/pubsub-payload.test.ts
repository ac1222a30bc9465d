import assert from "node:assert/strict";
import { test } from "node:test";
import { fromBinary } from "@bufbuild/protobuf";
import { PushSchema } from "../../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { isWildcard, natsKeys } from "../../../src/broker/nats/keys.js";
import {
  decodePush,
  encodeJoinLeavePush,
  encodePublicationPush,
} from "../../../src/broker/nats/pubsub-payload.js";
import { loadConfig } from "../../../src/config/load.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
// Publication{data={"a":1}, time=1700000000000}, as Centrifugo encodes it.
const publication = "22 07 7b 22 61 22 3a 31 7d 48 80 d0 95 ff bc 31";
// Push{channel "ch" (field 2), pub (field 4, 16 bytes)}.
const publicationPush = hex(`12 02 63 68 22 10 ${publication}`);
// ClientInfo{user "u1", client "c1"}.
const info = "0a 02 75 31 12 02 63 31";

test("a publication goes out as Centrifugo's Push bytes: channel 2, pub 4", () => {
  const bytes = encodePublicationPush(
    "ch",
    Buffer.from('{"a":1}'),
    undefined,
    undefined,
    1700000000000,
    false,
  );
  assert.deepEqual(Buffer.from(bytes), publicationPush);
  const push = fromBinary(PushSchema, bytes);
  assert.equal(push.channel, "ch");
  assert.equal(Buffer.from(push.pub!.data).toString(), '{"a":1}');
});

test("joins and leaves are Push fields 5 and 6 holding {info}", () => {
  const user = { user: "u1", client: "c1" };
  assert.deepEqual(
    Buffer.from(encodeJoinLeavePush("join", "ch", user)),
    hex(`12 02 63 68 2a 0a 0a 08 ${info}`),
  );
  assert.deepEqual(
    Buffer.from(encodeJoinLeavePush("leave", "ch", user)),
    hex(`12 02 63 68 32 0a 0a 08 ${info}`),
  );
  assert.deepEqual(decodePush(hex(`12 02 63 68 32 0a 0a 08 ${info}`)), {
    kind: "leave",
    channel: "ch",
    info: { user: "u1", client: "c1", connInfo: undefined, chanInfo: undefined },
  });
});

test("a Push from another node decodes with info, tags, time and the delta flag moved out", () => {
  const bytes = encodePublicationPush(
    "news",
    Buffer.from("{}"),
    { user: "u", client: "c", connInfo: Buffer.from('{"n":1}') },
    { k: "v" },
    1700000000000,
    true,
  );
  const decoded = decodePush(bytes);
  assert.equal(decoded?.kind, "publication");
  if (decoded?.kind !== "publication") return;
  assert.equal(decoded.channel, "news");
  assert.equal(decoded.delta, true);
  assert.equal(Buffer.from(decoded.pub.data).toString(), "{}");
  assert.deepEqual(decoded.pub.tags, { k: "v" });
  assert.equal(decoded.pub.time, 1700000000000);
  assert.equal(decoded.pub.offset, 0);
  assert.equal(decoded.pub.info?.user, "u");
  assert.equal(Buffer.from(decoded.pub.info?.connInfo ?? []).toString(), '{"n":1}');
});

test("bytes that are no Push, or a Push without pub, join or leave, are rejected", () => {
  for (const bytes of [hex("ff ff ff"), hex("12 02 63 68"), hex("12 05 63")]) {
    assert.equal(decodePush(bytes), undefined, bytes.toString("hex"));
  }
});

test("subjects: <prefix>.client.<channel>, or the raw prefix and the replaced channel", () => {
  const nats = (o: Record<string, unknown>) =>
    loadConfig({ object: { broker: { enabled: true, type: "nats", nats: o } } }).config!.broker.nats;
  const plain = natsKeys(nats({ prefix: "p" }));
  assert.equal(plain.subject("chat:room.1"), "p.client.chat:room.1");
  assert.equal(plain.channelOf("p.client.news.a"), "news.a");
  const raw = natsKeys(
    nats({ raw_mode: { enabled: true, prefix: "raw.", channel_replacements: { ":": "." } } }),
  );
  assert.equal(raw.subject("chat:room:1"), "raw.chat.room.1");
  assert.equal(raw.channelOf("raw.chat.room.1"), "chat.room.1");
  assert.deepEqual(["a.*", "a.>", "a.b"].map(isWildcard), [true, true, false]);
});
