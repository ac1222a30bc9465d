import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { fromBinary } from "@bufbuild/protobuf";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pino from "pino";
import { PushSchema } from "../../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import { createNatsBroker } from "../../../src/broker/nats/nats-broker.js";
import { encodePublicationPush } from "../../../src/broker/nats/pubsub-payload.js";
import { loadConfig } from "../../../src/config/load.js";
import { createNatsController } from "../../../src/controller/nats/nats-controller.js";
import type { Broker, BrokerEventHandler } from "../../../src/core/broker.js";
import type { ClientInfo, Publication } from "../../../src/core/publication.js";
import { NatsClient } from "../../../src/nats/nats-client.js";
import { type NatsProcess, startNats } from "../../helpers/nats-servers.js";
import { waitUntil } from "../../helpers/redis-servers.js";

const log = pino({ level: "silent" });
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => Buffer.from(b).toString();
const noHistory = { historySize: 0, historyTtl: 0, historyMetaTtl: 0 };

let nats: NatsProcess;
/** A plain NATS connection standing in for another Centrifugo node. */
let peer: NatsConnection;
const opened: Broker[] = [];
before(async () => {
  nats = await startNats();
  peer = await connect({ servers: `127.0.0.1:${nats.port}` });
});
after(async () => {
  await Promise.all(opened.map((b) => b.close()));
  await peer?.close();
  await nats?.stop();
});

/** A started NATS broker with `broker.nats` options, recording what it delivers. */
async function recordingBroker(options: Record<string, unknown> = {}) {
  const { config } = loadConfig({
    object: { broker: { enabled: true, type: "nats", nats: { url: nats.url, prefix: "t", ...options } } },
  });
  const events: { kind: string; channel: string; pub?: Publication; info?: ClientInfo; delta?: boolean }[] =
    [];
  const handler: BrokerEventHandler = {
    onPublication: (channel, pub, _position, delta) => events.push({ kind: "pub", channel, pub, delta }),
    onJoin: (channel, info) => events.push({ kind: "join", channel, info }),
    onLeave: (channel, info) => events.push({ kind: "leave", channel, info }),
    onDeliveryGap: () => {},
  };
  const broker = createNatsBroker(new NatsClient(config!.broker.nats, log), log);
  await broker.start(handler);
  opened.push(broker);
  return {
    broker,
    events,
    async received(count: number) {
      await waitUntil(`${count} events`, async () => events.length >= count, 5000);
      return events;
    },
  };
}

/** Messages the peer sees on a subject pattern. */
async function watch(subject: string) {
  const seen: { subject: string; data: Uint8Array }[] = [];
  peer.subscribe(subject, {
    callback: (_err, msg) => {
      seen.push({ subject: msg.subject, data: msg.data });
    },
  });
  await peer.flush();
  return seen;
}

describe("NATS broker", () => {
  test("publications, joins and leaves go out as Push on <prefix>.client.<channel>", async () => {
    const seen = await watch("t.client.>");
    const { broker } = await recordingBroker();
    const info = { user: "u", client: "c" };
    const result = await broker.publish("chat:1", bytes('{"a":1}'), { ...noHistory, info, tags: { k: "v" } });
    assert.deepEqual(result, { offset: 0, epoch: "", suppressed: false });
    await broker.publishJoin("chat:1", info);
    await broker.publishLeave("chat:1", info);
    await waitUntil("three messages", async () => seen.length === 3);
    assert.deepEqual(
      seen.map((m) => m.subject),
      ["t.client.chat:1", "t.client.chat:1", "t.client.chat:1"],
    );
    const [pub, join, leave] = seen.map((m) => fromBinary(PushSchema, m.data));
    assert.equal(pub!.channel, "chat:1");
    assert.equal(text(pub!.pub!.data), '{"a":1}');
    assert.deepEqual([pub!.pub!.info?.user, pub!.pub!.tags, pub!.pub!.offset], ["u", { k: "v" }, 0n]);
    assert.ok(pub!.pub!.time > 0n);
    assert.equal(join!.join?.info?.client, "c");
    assert.equal(leave!.leave?.info?.client, "c");
  });

  test("a node receives what another node publishes, only while subscribed", async () => {
    const { broker, events, received } = await recordingBroker();
    await broker.subscribe(["room", "other"]);
    peer.publish(
      "t.client.room",
      encodePublicationPush("room", bytes("1"), undefined, { t: "x" }, 1700000000000, true),
    );
    const [event] = await received(1);
    assert.deepEqual(
      [event!.channel, text(event!.pub!.data), event!.pub!.tags, event!.pub!.time, event!.delta],
      ["room", "1", { t: "x" }, 1700000000000, true],
    );
    await broker.unsubscribe(["room"]);
    await peer.flush();
    peer.publish("t.client.room", encodePublicationPush("room", bytes("2"), undefined, undefined, 0, false));
    peer.publish(
      "t.client.other",
      encodePublicationPush("other", bytes("3"), undefined, undefined, 0, false),
    );
    await received(2);
    assert.deepEqual(
      events.map((e) => text(e.pub!.data)),
      ["1", "3"],
    );
  });

  test("history is not available (108) and wildcard channels are refused (107)", async () => {
    const { broker } = await recordingBroker();
    const code = (err: { code?: number }) => err.code;
    await assert.rejects(
      broker.history("room", { limit: 0, reverse: false, metaTtl: 0 }),
      (e) => code(e as never) === 108,
    );
    await assert.rejects(broker.removeHistory("room"), (e) => code(e as never) === 108);
    await assert.rejects(broker.subscribe(["news.*"]), (e) => code(e as never) === 107);
    await assert.rejects(broker.subscribe(["news.>"]), (e) => code(e as never) === 107);
    await assert.rejects(broker.publish("news.*", bytes("1"), noHistory), (e) => code(e as never) === 107);
  });

  test("with allow_wildcards a pattern subscription delivers each concrete channel's publications", async () => {
    const { broker, received } = await recordingBroker({ allow_wildcards: true });
    await broker.subscribe(["news.*"]);
    await broker.publish("news.sports", bytes("goal"), noHistory);
    const [event] = await received(1);
    assert.deepEqual(
      [event!.channel, event!.pub!.channel, text(event!.pub!.data)],
      ["news.*", "news.sports", "goal"],
    );
    await assert.rejects(
      broker.publish("news.*", bytes("1"), noHistory),
      (e) => (e as { code: number }).code === 107,
    );
  });

  test("raw mode reads and writes plain data on the raw subjects, without joins or leaves", async () => {
    const seen = await watch("raw.>");
    const { broker, received } = await recordingBroker({
      raw_mode: { enabled: true, prefix: "raw.", channel_replacements: { ":": "." } },
    });
    await broker.subscribe(["chat:room"]);
    peer.publish("raw.chat.room", bytes('{"from":"outside"}'));
    const [event] = await received(1);
    assert.deepEqual(
      [event!.channel, event!.pub!.channel, text(event!.pub!.data)],
      ["chat:room", "chat.room", '{"from":"outside"}'],
    );
    await broker.publishJoin("chat:room", { user: "u", client: "c" });
    await broker.publish("chat:room", bytes("plain"), noHistory);
    await waitUntil("two raw messages", async () => seen.length === 2);
    assert.deepEqual(
      seen.map((m) => [m.subject, text(m.data)]),
      [
        ["raw.chat.room", '{"from":"outside"}'],
        ["raw.chat.room", "plain"],
      ],
    );
  });

  test("over TLS: the broker trusts the CA given in broker.nats.tls", async () => {
    const dir = mkdtempSync(join(tmpdir(), "rotor-nats-tls-"));
    const [cert, key] = [join(dir, "cert.pem"), join(dir, "key.pem")];
    await promisify(execFile)("openssl", [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"],
      ...["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert],
    ]);
    const secure = await startNats({ args: ["--tls", "--tlscert", cert, "--tlskey", key] });
    try {
      const { config } = loadConfig({
        object: { broker: { nats: { url: secure.url, tls: { enabled: true, server_ca_pem_file: cert } } } },
      });
      const events: string[] = [];
      const broker = createNatsBroker(new NatsClient(config!.broker.nats, log), log);
      await broker.start({
        onPublication: (_channel, pub) => events.push(text(pub.data)),
        onJoin: () => {},
        onLeave: () => {},
        onDeliveryGap: () => {},
      });
      await broker.subscribe(["secure"]);
      await broker.publish("secure", bytes("over tls"), noHistory);
      await waitUntil("the publication back", async () => events.length === 1);
      assert.deepEqual(events, ["over tls"]);
      await broker.close();
    } finally {
      await secure.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("control messages travel as their bytes on <prefix>.control and <prefix>.node.<uid>", async () => {
    const seen = await watch("t.>");
    const { config } = loadConfig({ object: { broker: { nats: { url: nats.url, prefix: "t" } } } });
    const controller = createNatsController(new NatsClient(config!.broker.nats, log));
    const got: string[] = [];
    await controller.start("uid-1", (data) => got.push(text(data)));
    try {
      await controller.publish(bytes("to all"));
      await controller.publishTo("uid-1", bytes("to me"));
      await controller.publishTo("uid-2", bytes("to another"));
      await waitUntil("own messages back", async () => got.length === 2);
      assert.deepEqual(got, ["to all", "to me"]);
      await waitUntil("three on the wire", async () => seen.length === 3);
      assert.deepEqual(
        seen.map((m) => [m.subject, text(m.data)]),
        [
          ["t.control", "to all"],
          ["t.node.uid-1", "to me"],
          ["t.node.uid-2", "to another"],
        ],
      );
    } finally {
      await controller.close();
    }
  });
});
