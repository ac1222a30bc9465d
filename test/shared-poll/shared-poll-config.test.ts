import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.js";

const errorLines = (object: Record<string, unknown>) =>
  (loadConfig({ object }).error ?? "").split("\n").filter(Boolean);

const proxy = { shared_poll_refresh: { endpoint: "http://127.0.0.1:3000/refresh" } };
const config = (
  sharedPoll: Record<string, unknown>,
  top: Record<string, unknown> = { hmac_secret_key: "s" },
) => ({
  shared_poll: top,
  channel: {
    proxy,
    namespaces: [{ name: "poll", subscription_type: "shared_poll", shared_poll: sharedPoll }],
  },
});

test("a shared_poll namespace loads with its block, the signing key and the refresh proxy", () => {
  const loaded = loadConfig({
    object: config({
      mode: "versioned",
      publish_enabled: true,
      refresh_interval: "2s",
      refresh_batch_size: 50,
    }),
  });
  assert.equal(loaded.error, undefined);
  const sp = loaded.config!.channel.namespaces[0]!.shared_poll;
  assert.deepEqual([sp.mode, sp.refresh_interval, sp.refresh_batch_size], ["versioned", 2000, 50]);
  assert.equal(sp.max_keys_per_connection, 5000);
  assert.equal(sp.channel_shutdown_delay, 1000);
  assert.equal(loaded.config!.shared_poll.concurrency_limit, 64);
});

test("shared poll config errors name the key to fix", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      config({}, {}),
      "shared_poll.hmac_secret_key: required when channel.namespaces[0] has subscription_type shared_poll",
    ],
    [
      config({ publish_enabled: true }),
      "channel.namespaces[0].shared_poll.publish_enabled: needs channel.namespaces[0].shared_poll.mode versioned",
    ],
    [config({ mode: "sometimes" }), "channel.namespaces[0].shared_poll.mode"],
    [
      config({ refresh_interval: "0s" }),
      "channel.namespaces[0].shared_poll.refresh_interval: must be positive",
    ],
    [
      { ...config({}), channel: { namespaces: [{ name: "poll", subscription_type: "shared_poll" }] } },
      "channel.proxy.shared_poll_refresh.endpoint: required by channel.namespaces[0].subscription_type shared_poll",
    ],
    [
      config({ proxy_name: "pollers" }),
      'channel.namespaces[0].shared_poll.proxy_name: no proxy named "pollers"',
    ],
  ];
  for (const [object, message] of cases) {
    const lines = errorLines(object);
    assert.ok(
      lines.some((line) => line.includes(message)),
      `expected "${message}" in:\n${lines.join("\n")}`,
    );
  }
});
