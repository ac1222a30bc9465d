import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Redis } from "ioredis";
import { decodeMapPublication, encodeMapPublication } from "../../src/map-broker/map-publication-codec.js";
import type { MapBroker } from "../../src/map-broker/types.js";
import { type RedisProcess, startRedis, waitUntil } from "../helpers/redis-servers.js";
import { recorder } from "./contract.js";
import { startRedisMapBroker } from "./redis-helpers.js";

const bytes = (s: string) => Buffer.from(s);

/**
 * What a Centrifugo node sharing the Redis sees: key names, value encodings,
 * stream entries and PUB/SUB payloads read with a raw client, and values a Go
 * node would write read back through the broker.
 */
describe("redis map broker: byte layout and interop", () => {
  let redis: RedisProcess;
  let raw: Redis;
  let broker: MapBroker;
  const rec = recorder();
  const listeners: Redis[] = [];

  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
    broker = await startRedisMapBroker([redis.url], rec.handler);
  });
  after(async () => {
    await broker.close();
    for (const sub of listeners) sub.disconnect();
    raw.disconnect();
    await redis.stop();
  });

  /** Subscribes a raw client to a map channel's PUB/SUB name and collects the messages. */
  async function listen(channel: string) {
    const sub = new Redis(redis.url);
    listeners.push(sub);
    const messages: Buffer[] = [];
    sub.on("messageBuffer", (_name: Buffer, message: Buffer) => messages.push(message));
    await sub.subscribe(`centrifugo.client.${channel}`);
    return { messages };
  }

  test("a write leaves Centrifugo's keys, values and PUB/SUB message", async () => {
    const ch = "rec:layout";
    const pubsub = await listen(ch);
    const info = { user: "u1", client: "c1" };
    const result = await broker.publish(ch, "k1", {
      data: bytes('{"x":1}'),
      tags: { team: "red" },
      info,
      idempotencyKey: "op1",
    });
    const { epoch } = result.position;
    assert.match(epoch, /^[a-zA-Z]{8}$/);
    const value = (await raw.hgetBuffer(`centrifugo:state:${ch}`, "k1"))!;
    const header = Buffer.from(`1:${epoch}:`);
    assert.deepEqual(value.subarray(0, header.length), header);
    const pb = value.subarray(header.length);
    const score = Number(await raw.zscore(`centrifugo:state:expire:${ch}`, "k1"));
    const time = score - 60_000;
    assert.ok(Math.abs(time - Date.now()) < 5000);
    const expected = encodeMapPublication({
      key: "k1",
      removed: false,
      data: bytes('{"x":1}'),
      tags: { team: "red" },
      info,
      time,
    });
    assert.deepEqual(pb, expected);
    assert.deepEqual(await raw.hgetall(`centrifugo:meta:${ch}`), { e: epoch, s: "1" });
    assert.deepEqual(await raw.hgetall(`centrifugo:state:meta:${ch}`), { epoch, updated_at: String(time) });
    assert.equal(await raw.zscore("centrifugo:cleanup:channels", ch), String(score));
    assert.deepEqual(await raw.hgetall(`centrifugo.result.${ch}.op1`), { e: epoch, s: "1" });
    const [entry] = await raw.xrangeBuffer(`centrifugo:stream:${ch}`, "-", "+");
    assert.equal(entry![0].toString(), "1-0");
    assert.deepEqual(
      entry![1].map((f, i) => (i === 3 ? f : f.toString())),
      ["e", epoch, "d", expected],
    );
    assert.equal(await raw.type(`centrifugo:stream:${ch}`), "stream");
    const pttl = await raw.pttl(`centrifugo:meta:${ch}`);
    assert.ok(pttl > 590_000 && pttl <= 600_000, `meta ttl ${pttl}`);
    assert.ok((await raw.pttl(`centrifugo:stream:${ch}`)) <= 60_000);
    await waitUntil("PUB/SUB message", async () => pubsub.messages.length === 1, 5000);
    assert.deepEqual(pubsub.messages[0], Buffer.concat([header, expected]));

    const delta = await broker.publish(ch, "k1", {
      data: bytes('{"x":2}'),
      tags: { team: "red" },
      delta: true,
    });
    assert.equal(delta.position.offset, 2);
    await waitUntil("delta message", async () => pubsub.messages.length === 2, 5000);
    const message = pubsub.messages[1]!;
    const prefix = Buffer.from(`d:2:${epoch}:${value.length}:`);
    assert.deepEqual(message.subarray(0, prefix.length), prefix);
    assert.deepEqual(message.subarray(prefix.length, prefix.length + value.length), value);
    const stored = (await raw.hgetBuffer(`centrifugo:state:${ch}`, "k1"))!;
    const cur = stored.subarray(`2:${epoch}:`.length);
    assert.deepEqual(
      message.subarray(prefix.length + value.length),
      Buffer.concat([Buffer.from(`:${cur.length}:`), cur]),
    );

    await broker.remove(ch, "k1", {});
    assert.equal(await raw.hexists(`centrifugo:state:${ch}`, "k1"), 0);
    assert.equal(await raw.zscore(`centrifugo:state:expire:${ch}`, "k1"), null);
    assert.equal(await raw.zscore("centrifugo:cleanup:channels", ch), null);
    const entries = await raw.xrangeBuffer(`centrifugo:stream:${ch}`, "3-0", "3-0");
    const removal = entries[0]![1][3]!;
    const decoded = decodeMapPublication(removal, 3);
    assert.deepEqual(
      [decoded.key, decoded.removed, decoded.tags, decoded.data.length],
      ["k1", true, { team: "red" }, 0],
    );
    assert.deepEqual(encodeMapPublication(decoded), removal, "the removal is in canonical field order");
  });

  test("ephemeral writes keep no meta or stream: offset 0 and a throw-away epoch", async () => {
    const ch = "eph:layout";
    const pubsub = await listen(ch);
    await broker.publish(ch, "k", { data: bytes("1") });
    const value = (await raw.hgetBuffer(`centrifugo:state:${ch}`, "k"))!.toString("latin1");
    assert.match(value, /^0:[a-zA-Z]{8}:/);
    assert.deepEqual(
      await raw.exists(`centrifugo:meta:${ch}`, `centrifugo:stream:${ch}`, `centrifugo:state:meta:${ch}`),
      0,
    );
    await waitUntil("PUB/SUB message", async () => pubsub.messages.length === 1, 5000);
    assert.match(pubsub.messages[0]!.toString("latin1"), /^0:[a-zA-Z]{8}:/);
    const state = await broker.readState(ch, { limit: -1 });
    assert.deepEqual([state.position, state.publications.length], [{ offset: 0, epoch: "" }, 1]);
  });

  test("what a Go node wrote is read, continued and delivered", async () => {
    const ch = "per:fromgo";
    await broker.subscribe([ch]);
    const pb = encodeMapPublication({ key: "x", removed: false, data: bytes("go"), time: 1700000000000 });
    await raw.hset(`centrifugo:meta:${ch}`, "e", "GoEpoch1", "s", "5");
    await raw.hset(`centrifugo:state:meta:${ch}`, "epoch", "GoEpoch1", "updated_at", "1700000000000");
    await raw.hset(`centrifugo:state:${ch}`, "x", Buffer.concat([Buffer.from("5:GoEpoch1:"), pb]));
    await raw.xadd(`centrifugo:stream:${ch}`, "5-0", "e", "GoEpoch1", "d", pb);
    const state = await broker.readState(ch, { limit: 100 });
    assert.deepEqual(state.position, { offset: 5, epoch: "GoEpoch1" });
    assert.deepEqual(
      state.publications.map((p) => [p.key, p.offset, Buffer.from(p.data).toString()]),
      [["x", 5, "go"]],
    );
    const stream = await broker.readStream(ch, { since: { offset: 4, epoch: "GoEpoch1" }, limit: 10 });
    assert.deepEqual(
      stream.publications.map((p) => [p.key, p.offset]),
      [["x", 5]],
    );
    const next = await broker.publish(ch, "y", { data: bytes("ts") });
    assert.deepEqual(next.position, { offset: 6, epoch: "GoEpoch1" });
    await raw.publish(`centrifugo.client.${ch}`, Buffer.concat([Buffer.from("7:GoEpoch1:"), pb]));
    const got = await rec.wait(ch, 2);
    assert.deepEqual(
      got.map((d) => [d.pub.key, d.position.offset, d.position.epoch]),
      [
        ["y", 6, "GoEpoch1"],
        ["x", 7, "GoEpoch1"],
      ],
    );
  });

  test("state left from a forgotten epoch is hidden from reads and wiped by the next write", async () => {
    const ch = "rec:stale";
    const pb = encodeMapPublication({ key: "old", removed: false, data: bytes("x"), time: 1 });
    await raw.hset(`centrifugo:state:${ch}`, "old", Buffer.concat([Buffer.from("3:Gone:"), pb]));
    assert.deepEqual((await broker.readState(ch, { limit: -1 })).publications, []);
    await broker.publish(ch, "new", { data: bytes("y") });
    assert.deepEqual(await raw.hkeys(`centrifugo:state:${ch}`), ["new"]);
  });
});
