import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRedisAddress } from "../../src/redis/redis-address.js";

test("every address form Centrifugo accepts is read into a target and overrides", () => {
  const cases: [string, unknown][] = [
    ["127.0.0.1:6379", { target: { kind: "server", host: "127.0.0.1", port: 6379 }, overrides: {} }],
    [
      "redis://user:p%40ss@h:6380/2?io_timeout=500ms&force_resp2=true",
      {
        target: { kind: "server", host: "h", port: 6380 },
        overrides: { user: "user", password: "p@ss", db: 2, ioTimeout: 500, forceResp2: true },
      },
    ],
    ["rediss://h:6379", { target: { kind: "server", host: "h", port: 6379 }, overrides: { tls: true } }],
    [
      "redis+sentinel://s1:26379?sentinel_master_name=m&addr=s2:26380&sentinel_password=x",
      {
        target: {
          kind: "sentinel",
          sentinels: [
            { host: "s1", port: 26379 },
            { host: "s2", port: 26380 },
          ],
          masterName: "m",
        },
        overrides: { sentinelPassword: "x" },
      },
    ],
    [
      "redis+cluster://h:7000?addr=h:7001",
      {
        target: {
          kind: "cluster",
          seeds: [
            { host: "h", port: 7000 },
            { host: "h", port: 7001 },
          ],
        },
        overrides: {},
      },
    ],
    ["unix:///tmp/redis.sock", { target: { kind: "socket", path: "/tmp/redis.sock" }, overrides: {} }],
  ];
  for (const [address, want] of cases) assert.deepEqual(parseRedisAddress(address), want, address);
});

test("malformed addresses are refused with Centrifugo's words", () => {
  const cases: [string, RegExp][] = [
    ["localhost", /must be Redis URL or host:port/],
    ["redis://h:1/", /invalid database/],
    ["redis://h:1/x", /invalid database/],
    ["redis+sentinel://s:26379", /sentinel master name must be set/],
    ["redis://h:1?tls_enabled=maybe", /invalid tls_enabled value/],
    ["redis://h:1?connect_timeout=soon", /invalid connect_timeout value/],
    ["memcached://h:1", /unknown scheme/],
  ];
  for (const [address, want] of cases) {
    const parsed = parseRedisAddress(address);
    assert.ok("error" in parsed, address);
    assert.match(parsed.error, want, address);
  }
});
