import assert from "node:assert/strict";
import { test } from "node:test";
import { commands, decodeControl, encodeControl } from "../../src/node/control.js";

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ""), "hex");

test("control messages are Centrifugo's controlpb bytes", () => {
  // Command{uid "n1", disconnect{user "u", code 3000, reason "r", reconnect true}}: fields 1 and 6.
  const bytes = encodeControl("n1", commands.disconnect({ user: "u" }, { code: 3000, reason: "r" }, []));
  assert.deepEqual(Buffer.from(bytes), hex("0a 02 6e 31 32 0b 0a 01 75 18 b8 17 22 01 72 28 01"));
  // Command{uid "n1", shutdown{}}
  assert.deepEqual(Buffer.from(encodeControl("n1", commands.shutdown())), hex("0a 02 6e 31 3a 00"));
});

test("a survey request survives the round trip; garbage decodes to nothing", () => {
  const bytes = encodeControl("n1", commands.surveyRequest(7n, "channels", new Uint8Array([1, 2])));
  const decoded = decodeControl(bytes);
  assert.equal(decoded?.uid, "n1");
  assert.equal(decoded?.command.case, "surveyRequest");
  if (decoded?.command.case !== "surveyRequest") return;
  assert.deepEqual([decoded.command.value.id, decoded.command.value.op], [7n, "channels"]);
  assert.equal(decodeControl(new Uint8Array([0xff, 0xff, 0xff])), undefined);
});
