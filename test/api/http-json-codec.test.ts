import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BatchRequestSchema,
  HistoryResponseSchema,
  InfoResultSchema,
  NodeResultSchema,
  PresenceResultSchema,
  PublishRequestSchema,
  PublishResponseSchema,
  SubscribeRequestSchema,
} from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { decodeJsonMessage } from "../../src/protocol/json/json-decode.js";
import { encodeJsonMessage } from "../../src/protocol/json/json-encode.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString();
const bytes = (s: string) => new TextEncoder().encode(s);

function decoded<T>(result: { value: T } | { error: string }): T {
  if ("error" in result) assert.fail(result.error);
  return result.value;
}

function encoded(result: { value: Buffer } | { error: string }): string {
  if ("error" in result) assert.fail(result.error);
  return result.value.toString();
}

describe("decodeJsonMessage", () => {
  test("bytes fields keep the exact JSON text, null included", () => {
    for (const data of [
      '{"big":12345678901234567890,"f":1.0}',
      '"\\u00e9"',
      "[ 1 , 2 ]",
      "null",
      "-0.0e+1",
    ]) {
      const msg = decoded(decodeJsonMessage(PublishRequestSchema, bytes(`{"data": ${data} }`)));
      assert.equal(text(msg.data), data);
    }
  });

  test("64-bit integers convert exactly, never through a float", () => {
    const pub = decoded(decodeJsonMessage(PublishRequestSchema, bytes('{"version":18446744073709551615}')));
    assert.equal(pub.version, 18446744073709551615n);
    const sub = decoded(
      decodeJsonMessage(SubscribeRequestSchema, bytes('{"expire_at":-9223372036854775808}')),
    );
    assert.equal(sub.expireAt, -9223372036854775808n);
  });

  test("null elements of a message list stay undefined, an empty object is an empty command", () => {
    const batch = decoded(decodeJsonMessage(BatchRequestSchema, bytes('{"commands":[null,{},{"info":{}}]}')));
    assert.equal(batch.commands.length, 3);
    assert.equal(batch.commands[0], undefined);
    assert.equal(batch.commands[1]?.publish, undefined);
    assert.notEqual(batch.commands[2]?.info, undefined);
  });

  test("keys match case-insensitively, unknown keys are skipped, the last duplicate wins", () => {
    const msg = decoded(
      decodeJsonMessage(
        PublishRequestSchema,
        bytes('{"CHANNEL":"a","skipHistory":true,"Skip_History":false,"x":{"y":[]},"channel":"b"}'),
      ),
    );
    assert.equal(msg.channel, "b");
    assert.equal(msg.skipHistory, false);
  });

  test("null leaves scalars at zero, maps and lists empty; strings decode escapes and surrogates", () => {
    const msg = decoded(
      decodeJsonMessage(
        PublishRequestSchema,
        bytes('{"channel":null,"tags":null,"idempotency_key":"a\\ud83d\\ude00\\n"}'),
      ),
    );
    assert.equal(msg.channel, "");
    assert.deepEqual(msg.tags, {});
    assert.equal(msg.idempotencyKey, "a\u{1f600}\n");
  });

  test("doubles and nested maps of a result message decode too", () => {
    const node = decoded(
      decodeJsonMessage(NodeResultSchema, bytes('{"metrics":{"interval":1.5,"items":{"a":2e3,"b":null}}}')),
    );
    assert.equal(node.metrics?.interval, 1.5);
    assert.deepEqual(node.metrics?.items, { a: 2000, b: 0 });
  });

  test("type mismatches name the field path", () => {
    const cases = [
      [
        '{"commands":[{},{"publish":{"tags":{"k":false}}}]}',
        'commands[1].publish.tags["k"]: expected a string',
      ],
      [
        '{"commands":[{"history":{"since":{"epoch":1}}}]}',
        "commands[0].history.since.epoch: expected a string",
      ],
      ['{"parallel":1}', "parallel: expected a boolean, got the number 1"],
    ] as const;
    for (const [body, message] of cases) {
      const result = decodeJsonMessage(BatchRequestSchema, bytes(body));
      assert.ok("error" in result && result.error.startsWith(message), JSON.stringify(result));
    }
  });
});

describe("encodeJsonMessage", () => {
  test("omits zero values, keeps always-emitted fields and set-but-empty messages", () => {
    assert.equal(encoded(encodeJsonMessage(PublishResponseSchema, { result: {} })), '{"result":{}}');
    assert.equal(
      encoded(encodeJsonMessage(PublishResponseSchema, { result: { offset: 0n, epoch: "" } })),
      '{"result":{}}',
    );
    assert.equal(
      encoded(encodeJsonMessage(HistoryResponseSchema, { result: { publications: [] } })),
      '{"result":{"publications":[],"epoch":"","offset":0}}',
    );
    assert.equal(
      encoded(
        encodeJsonMessage(PresenceResultSchema, { presence: { b: { client: "b" }, a: { user: "u" } } }),
      ),
      '{"presence":{"a":{"user":"u","client":""},"b":{"user":"","client":"b"}}}',
    );
  });

  test("writes 64-bit integers as plain numbers and escapes strings like Go", () => {
    const json = encoded(
      encodeJsonMessage(HistoryResponseSchema, {
        result: { epoch: "<&>\u2028é", offset: 18446744073709551615n, publications: [] },
      }),
    );
    assert.equal(
      json,
      '{"result":{"publications":[],"epoch":"\\u003c\\u0026\\u003e\\u2028é","offset":18446744073709551615}}',
    );
  });

  test("embeds bytes raw, compacting them only when they hold line breaks", () => {
    const pub = (data: string) =>
      encoded(
        encodeJsonMessage(HistoryResponseSchema, { result: { publications: [{ data: bytes(data) }] } }),
      );
    assert.match(pub('{"a": 1.0 }'), /"data":\{"a": 1\.0 \}/);
    assert.match(pub('{"a":\r\n "x \\" y",\n "b": [1, 2]}'), /"data":\{"a":"x \\" y","b":\[1,2\]\}/);
  });

  test("refuses what JSON cannot carry: binary payloads, infinite numbers", () => {
    for (const data of [new Uint8Array([0, 1, 2]), bytes('{"a":1} x'), new Uint8Array([0x22, 0xff, 0x22])]) {
      const result = encodeJsonMessage(HistoryResponseSchema, { result: { publications: [{ data }] } });
      assert.ok("error" in result && /not JSON/.test(result.error));
    }
    const metrics = encodeJsonMessage(InfoResultSchema, { nodes: [{ metrics: { interval: Number.NaN } }] });
    assert.ok("error" in metrics);
  });
});
