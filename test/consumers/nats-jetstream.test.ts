import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AckPolicy, type JetStreamClient, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection, nanos } from "@nats-io/transport-node";
import { centrifugeClient, connected, disconnectedBy } from "../helpers/centrifuge-clients.js";
import { type NatsProcess, startNats } from "../helpers/nats-servers.js";
import {
  everyOneArrived,
  historyTags,
  processed,
  rotorProcess,
  sequence,
  serverWithConsumer,
  watch,
} from "./consumer-fixtures.js";

let nats: NatsProcess;
let producer: NatsConnection;
let js: JetStreamClient;
let streams = 0;

before(async () => {
  nats = await startNats({ jetstream: true });
  producer = await connect({ servers: nats.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  js = jetstream(producer);
});
after(async () => {
  await producer.close();
  await nats.stop();
});

/** A new stream on subjects `<name>.>` and a consumer of it. */
async function newStream(options: Record<string, unknown> = {}) {
  const name = `events${++streams}`;
  const jsm = await jetstreamManager(producer);
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  const consumer = {
    name: "events",
    type: "nats_jetstream",
    nats_jetstream: { url: nats.url, stream_name: name, durable_consumer_name: "rotor", ...options },
  };
  return { name, consumer };
}

/** Publishes to the stream, waiting for JetStream's ack (retrying while the server is away). */
async function send(subject: string, body: unknown, hdrs: Record<string, string> = {}): Promise<void> {
  const h = headers();
  for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
  const data = typeof body === "string" ? body : JSON.stringify(body);
  for (;;) {
    try {
      await js.publish(subject, data, { headers: h, timeout: 2000 });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

test("publish, broadcast and disconnect commands from JetStream messages arrive; malformed ones are skipped", async () => {
  const { name, consumer } = await newStream();
  const server = await serverWithConsumer(consumer);
  const watcher = await watch(server.url, ["a", "b"]);
  const alice = centrifugeClient(server.url, "json");
  try {
    const method = (m: string) => ({ "centrifugo-method": m });
    await send(`${name}.x`, { channel: "a", data: { n: 1 } }, method("publish"));
    await send(`${name}.x`, "{broken", method("publish"));
    await send(`${name}.x`, { method: "info", payload: {} });
    await send(`${name}.x`, { channels: ["a", "b"], data: { n: 2 } }, method("broadcast"));
    await send(`${name}.x`, { method: "publish", payload: { channel: "b", data: { n: 3 } } });
    assert.deepEqual(sequence(await watcher.on("a").take(2)), [1, 2]);
    assert.deepEqual(sequence(await watcher.on("b").take(2)), [2, 3]);
    const { client } = await connected(alice);
    const closed = await disconnectedBy(alice, () =>
      send(`${name}.x`, { client, disconnect: { code: 4501, reason: "bye" } }, method("disconnect")),
    );
    assert.equal(closed.code, 4501);
    await processed(server, "events", 6);
  } finally {
    alice.disconnect();
    watcher.close();
    await server.close();
  }
});

test("publication data mode: the message is the data, headers name channels, tags and idempotency key", async () => {
  const { name, consumer } = await newStream({ publication_data_mode: { enabled: true } });
  const server = await serverWithConsumer(consumer, {
    channel: { without_namespace: { history_size: 10, history_ttl: "60s" } },
  });
  const watcher = await watch(server.url, ["a", "b"]);
  try {
    const once = {
      "centrifugo-channels": "a",
      "centrifugo-idempotency-key": "k1",
      "centrifugo-tag-kind": "news",
    };
    await send(`${name}.x`, { n: 1 }, once);
    await send(`${name}.x`, { n: 1 }, once);
    await send(`${name}.x`, { n: 2 }, { "centrifugo-channels": "a,b" });
    await send(`${name}.x`, { n: -1 }, { "centrifugo-channels": "a", "centrifugo-version": "-3" });
    await send(`${name}.x`, { n: 3 }, { "centrifugo-channels": "b" });
    await processed(server, "events", 5);
    assert.deepEqual(sequence(await watcher.on("a").take(2)), [1, 2]);
    assert.deepEqual(sequence(await watcher.on("b").take(2)), [2, 3]);
    assert.deepEqual(await historyTags(server, "a"), [{ kind: "news" }, undefined]);
    assert.equal(watcher.on("a").received.length, 2);
  } finally {
    watcher.close();
    await server.close();
  }
});

test("a rotor killed mid-batch loses nothing: JetStream delivers its unacknowledged messages again", async () => {
  const { name, consumer } = await newStream({ use_existing_consumer: true });
  // A durable made beforehand with a 2 s ack wait (rotor makes its own with Centrifugo's 30 s).
  const jsm = await jetstreamManager(producer);
  await jsm.consumers.add(name, {
    durable_name: "rotor",
    ack_policy: AckPolicy.Explicit,
    ack_wait: nanos(2000),
  });
  const engine = { broker: { enabled: true, type: "nats", nats: { url: nats.url, prefix: name } } };
  const doomed = await rotorProcess({ ...engine, consumers: [{ enabled: true, ...consumer }] });
  const survivor = await serverWithConsumer(consumer, engine);
  const watcher = await watch(survivor.url, ["news"]);
  try {
    const total = 1000;
    const sending = (async () => {
      for (let n = 0; n < total; n++)
        await send(`${name}.x`, { channel: "news", data: { n } }, { "centrifugo-method": "publish" });
    })();
    await watcher.on("news").take(50, 15_000);
    await doomed.kill();
    await sending;
    // What the killed node held unacknowledged comes back after the ack wait.
    await everyOneArrived(watcher.on("news").received, total, 60_000);
  } finally {
    watcher.close();
    await survivor.close();
  }
});

test("NATS killed and restarted mid-run: every message it stored arrives", async () => {
  const { name, consumer } = await newStream();
  const server = await serverWithConsumer(consumer);
  const watcher = await watch(server.url, ["news"]);
  try {
    const total = 300;
    const sendRange = async (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        await send(`${name}.x`, { channel: "news", data: { n } }, { "centrifugo-method": "publish" });
      }
    };
    await sendRange(0, total / 2);
    await watcher.on("news").take(10);
    await nats.kill();
    await nats.restart();
    await sendRange(total / 2, total);
    await everyOneArrived(watcher.on("news").received, total, 60_000);
  } finally {
    watcher.close();
    await server.close();
  }
});
