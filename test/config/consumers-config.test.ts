import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const outbox = { dsn: "postgres://127.0.0.1/app", outbox_table_name: "outbox" };

test("consumers take Centrifugo's shape and defaults", () => {
  const { config, error } = loadConfig({
    object: { consumers: [{ name: "outbox", enabled: true, type: "postgresql", postgresql: outbox }] },
  });
  assert.equal(error, undefined);
  const c = config!.consumers[0]!;
  assert.equal(c.postgresql.num_partitions, 1);
  assert.equal(c.postgresql.partition_select_limit, 100);
  assert.equal(c.postgresql.partition_poll_interval, 300);
  assert.equal(c.redis_stream.visibility_timeout, 30_000);
  assert.equal(c.redis_stream.publication_data_mode.channels, "centrifugo-channels");
  assert.equal(c.nats_jetstream.publication_data_mode.tagsPrefix, "centrifugo-tag-");
});

test("bad consumers are refused with Centrifugo's words, by name", () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ name: "a", type: "postgresql" }, "invalid consumer name: a, must match ^[a-zA-Z0-9_]{2,}$"],
    [{ name: "bad-name", type: "postgresql" }, "invalid consumer name: bad-name"],
    [{ name: "xx", type: "rabbit" }, "unknown consumer type: rabbit"],
    [
      { name: "xx", type: "postgresql", enabled: true },
      "in consumer xx (postgresql): no Postgres DSN provided",
    ],
    [
      { name: "xx", type: "nats_jetstream", enabled: true, nats_jetstream: { deliver_policy: "last" } },
      "deliver_policy must be either 'new' or 'all'",
    ],
    [
      { name: "xx", type: "redis_stream", enabled: true, redis_stream: { consumer_group: "g" } },
      "in consumer xx (redis_stream): no Redis streams provided",
    ],
    [
      {
        name: "events",
        type: "kafka",
        enabled: true,
        kafka: { brokers: ["k:9092"], topics: ["t"], consumer_group: "g" },
      },
      "in consumer events (kafka): rotor does not run kafka consumers yet",
    ],
    [{ name: "sqs", type: "aws_sqs", enabled: true, aws_sqs: { queues: ["q"] } }, "aws_sqs consumers yet"],
  ];
  for (const [consumer, message] of cases) {
    const { error } = loadConfig({ object: { consumers: [consumer] } });
    assert.ok(error?.includes(message), `${JSON.stringify(consumer)} → ${error}`);
  }
  const twice = { name: "xx", type: "postgresql" };
  const { error } = loadConfig({ object: { consumers: [twice, twice] } });
  assert.ok(error?.includes("invalid consumer name: xx, must be unique"), error);
});

test("a disabled consumer of a type rotor does not run is accepted", () => {
  const { error } = loadConfig({ object: { consumers: [{ name: "events", type: "kafka" }] } });
  assert.equal(error, undefined);
});

test("the environment sets consumers as Centrifugo's does: by name, then option by option", () => {
  const { config, error } = loadConfig({
    env: {
      CENTRIFUGO_CONSUMERS: "outbox my_stream",
      CENTRIFUGO_CONSUMERS_OUTBOX_ENABLED: "true",
      CENTRIFUGO_CONSUMERS_OUTBOX_TYPE: "postgresql",
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_DSN: "postgres://127.0.0.1/app",
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_OUTBOX_TABLE_NAME: "outbox",
      CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_NUM_PARTITIONS: "4",
      CENTRIFUGO_CONSUMERS_MY_STREAM_TYPE: "redis_stream",
      CENTRIFUGO_CONSUMERS_MY_STREAM_REDIS_STREAM_STREAMS: "a b",
    },
  });
  assert.equal(error, undefined);
  const [first, second] = config!.consumers;
  assert.equal(first?.name, "outbox");
  assert.equal(first?.enabled, true);
  assert.equal(first?.postgresql.num_partitions, 4);
  assert.equal(second?.name, "my_stream");
  assert.deepEqual(second?.redis_stream.streams, ["a", "b"]);
});

test("the environment's consumers may be a JSON array; a bad one or a bad value is an error", () => {
  const json = JSON.stringify([{ name: "outbox", type: "postgresql" }]);
  const { config } = loadConfig({ env: { CENTRIFUGO_CONSUMERS: json } });
  assert.equal(config?.consumers[0]?.type, "postgresql");
  const broken = loadConfig({ env: { CENTRIFUGO_CONSUMERS: "[{" } });
  assert.ok(broken.error?.includes("CENTRIFUGO_CONSUMERS: is not valid JSON"), broken.error);
  const badValue = loadConfig({
    env: { CENTRIFUGO_CONSUMERS: "outbox", CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_NUM_PARTITIONS: "many" },
  });
  assert.ok(
    badValue.error?.includes("CENTRIFUGO_CONSUMERS_OUTBOX_POSTGRESQL_NUM_PARTITIONS"),
    badValue.error,
  );
  const unknown = loadConfig({
    env: { CENTRIFUGO_CONSUMERS: "outbox", CENTRIFUGO_CONSUMERS_OUTBOX_COLOUR: "x" },
  });
  assert.ok(unknown.error?.includes('consumers entry "outbox" has no option COLOUR'), unknown.error);
});
