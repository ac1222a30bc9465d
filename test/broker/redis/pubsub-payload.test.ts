import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeClientInfo, encodePublication } from "../../../src/broker/publication-codec.js";
import { decodePubSubMessage, encodeJoinLeave } from "../../../src/broker/redis/pubsub-payload.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");
// Publication{data={"a":1}, time=1700000000000}, as Centrifugo encodes it.
const publication = hex("22 07 7b 22 61 22 3a 31 7d 48 80 d0 95 ff bc 31");

test("a publication encodes to Centrifugo's protobuf bytes", () => {
  const bytes = encodePublication(Buffer.from('{"a":1}'), undefined, undefined, 1700000000000, false);
  assert.deepEqual(Buffer.from(bytes), publication);
});

test("joins carry __j__ and the ClientInfo bytes, leaves __l__", () => {
  const info = { user: "u1", client: "c1" };
  assert.deepEqual(
    encodeJoinLeave("join", info),
    Buffer.concat([Buffer.from("__j__"), hex("0a 02 75 31 12 02 63 31")]),
  );
  assert.deepEqual(Buffer.from(encodeClientInfo(info)), hex("0a 02 75 31 12 02 63 31"));
  assert.deepEqual(decodePubSubMessage(encodeJoinLeave("leave", info)), {
    kind: "leave",
    info: { user: "u1", client: "c1", connInfo: undefined, chanInfo: undefined },
  });
});

test("the three publication forms decode to the same publication and position", () => {
  const plain = decodePubSubMessage(publication);
  assert.equal(plain?.kind, "publication");
  if (plain?.kind !== "publication") return;
  assert.deepEqual(plain.position, { offset: 0, epoch: "" });
  assert.equal(Buffer.from(plain.pub.data).toString(), '{"a":1}');
  assert.equal(plain.pub.time, 1700000000000);

  const positioned = decodePubSubMessage(Buffer.concat([Buffer.from("__p1:17:AbCdEfGh__"), publication]));
  assert.ok(positioned?.kind === "publication");
  assert.deepEqual(positioned.position, { offset: 17, epoch: "AbCdEfGh" });
  assert.equal(positioned.pub.offset, 17);

  const delta = decodePubSubMessage(
    Buffer.concat([Buffer.from("__d1:18:AbCdEfGh:16:"), publication, Buffer.from(":16:"), publication]),
  );
  assert.ok(delta?.kind === "publication");
  assert.deepEqual(
    [delta.position, delta.delta, delta.prev?.offset],
    [{ offset: 18, epoch: "AbCdEfGh" }, true, 17],
  );
  const noPrevious = decodePubSubMessage(Buffer.concat([Buffer.from("__d1:1:e:0::16:"), publication]));
  assert.ok(noPrevious?.kind === "publication");
  assert.equal(noPrevious.prev, undefined);
});

test("malformed messages are refused, not guessed at", () => {
  for (const text of ["__x1:1:e__", "__p1:x:e__", "__p1:1", "__d1:1:e:99:ab:1:a", "__d1:1:e:0::5:ab"]) {
    assert.equal(decodePubSubMessage(Buffer.from(text)), undefined, text);
  }
});
