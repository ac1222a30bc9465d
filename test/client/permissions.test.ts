import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { JsonObject } from "@bufbuild/protobuf";
import { mintConnectionToken } from "../../src/auth/mint.js";
import { httpApi } from "../helpers/api-clients.js";
import { type ClientProtocol, clientProtocols } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

const secret = "permissions-secret";
const history = { history_size: 10, history_ttl: "300s" };
const subscribeForClient = { allow_subscribe_for_client: true };

/** One namespace per option under test; names say what they allow. */
const namespaces = [
  { name: "none" },
  { name: "sub_client", ...subscribeForClient },
  { name: "sub_anon", ...subscribeForClient, allow_subscribe_for_anonymous: true },
  { name: "pub_subscriber", ...subscribeForClient, allow_publish_for_subscriber: true },
  { name: "pub_client", allow_publish_for_client: true },
  { name: "pub_anon", allow_publish_for_client: true, allow_publish_for_anonymous: true },
  { name: "pres_subscriber", presence: true, ...subscribeForClient, allow_presence_for_subscriber: true },
  { name: "pres_client", presence: true, allow_presence_for_client: true },
  { name: "pres_off", ...subscribeForClient, allow_presence_for_subscriber: true },
  { name: "hist_subscriber", ...history, ...subscribeForClient, allow_history_for_subscriber: true },
  { name: "hist_client", ...history, allow_history_for_client: true },
  { name: "hist_off", ...subscribeForClient, allow_history_for_subscriber: true },
  { name: "hist_two", history_size: 2, history_ttl: "300s", allow_history_for_client: true },
  { name: "hist_brief", history_size: 10, history_ttl: "1s", allow_history_for_client: true },
  { name: "regex", ...subscribeForClient, channel_regex: "^[a-z]+$" },
  { name: "limited", allow_user_limited_channels: true },
  { name: "rec_force", ...history, ...subscribeForClient, force_recovery: true },
  { name: "rec_allow", ...history, ...subscribeForClient, allow_recovery: true },
  { name: "rec_none", ...history, ...subscribeForClient },
  { name: "pos_force", ...history, ...subscribeForClient, force_positioning: true },
  {
    name: "delta",
    ...history,
    ...subscribeForClient,
    force_positioning: true,
    allowed_delta_types: ["fossil"],
  },
  { name: "no_delta", ...history, ...subscribeForClient, force_positioning: true },
  {
    name: "jl",
    presence: true,
    join_leave: true,
    ...subscribeForClient,
    allow_presence_for_subscriber: true,
  },
  { name: "jl_push", join_leave: true, force_push_join_leave: true, ...subscribeForClient },
  { name: "jl_silent", force_push_join_leave: true, ...subscribeForClient },
];

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret }, allow_anonymous_connect_without_token: true },
    channel: { namespaces },
  });
});
after(() => srv.close());

type Command = Record<string, object>;
const sub = (channel: string, extra: object = {}): Command => ({ subscribe: { channel, ...extra } });
const pub = (channel: string): Command => ({ publish: { channel, data: { x: 1 } } });
const presence = (channel: string): Command => ({ presence: { channel } });
const stats = (channel: string): Command => ({ presence_stats: { channel } });
const hist = (channel: string): Command => ({ history: { channel, limit: -1 } });

/** A connected raw client as `user` ("" = anonymous, no token) that runs commands one at a time. */
async function session(protocol: ClientProtocol, user: string) {
  const client = await rawClient(srv.url, protocol);
  const token = user === "" ? undefined : await mintConnectionToken({ secret, user, ttl: 3_600_000 });
  let id = 1;
  client.send({ id, connect: token ? { token } : {} });
  const connected = await client.reply(id);
  assert.ok(connected.connect, `connect failed: ${JSON.stringify(connected)}`);
  return {
    client,
    async call(command: Command): Promise<JsonObject> {
      id += 1;
      client.send({ id, ...command });
      return client.reply(id);
    },
  };
}

/** Runs the steps; every step but the last must succeed. Answers the last reply. */
async function run(protocol: ClientProtocol, user: string, steps: Command[]): Promise<JsonObject> {
  const s = await session(protocol, user);
  try {
    let last: JsonObject = {};
    for (const [i, step] of steps.entries()) {
      last = await s.call(step);
      if (i < steps.length - 1) assert.equal(last.error, undefined, `step ${JSON.stringify(step)}`);
    }
    return last;
  } finally {
    s.client.close();
  }
}

const code = (reply: JsonObject) => (reply.error as { code?: number } | undefined)?.code ?? 0;

const alice = "alice";
const anon = "";
const ok = 0;
const [unknownChannel, permissionDenied, badRequest, notAvailable] = [102, 103, 107, 108];

/** [what, user, steps, expected code of the last step (0 = success)] */
const matrix: [string, string, Command[], number][] = [
  ["subscribe: allow_subscribe_for_client admits a user", alice, [sub("sub_client:a")], ok],
  [
    "subscribe: allow_subscribe_for_client alone refuses anonymous",
    anon,
    [sub("sub_client:a")],
    permissionDenied,
  ],
  ["subscribe: allow_subscribe_for_anonymous admits anonymous", anon, [sub("sub_anon:a")], ok],
  ["subscribe: a namespace without permissions refuses", alice, [sub("none:a")], permissionDenied],
  ["subscribe: an unknown namespace", alice, [sub("nope:a")], unknownChannel],
  ["subscribe: a private channel without token", alice, [sub("$sub_client:a")], permissionDenied],
  ["subscribe: a name over channel.max_length", alice, [sub(`sub_client:${"x".repeat(255)}`)], badRequest],
  ["subscribe: a name channel_regex accepts", alice, [sub("regex:abc")], ok],
  ["subscribe: a name channel_regex refuses", alice, [sub("regex:ABC-1")], badRequest],
  ["subscribe: a user-limited channel admits a listed user", alice, [sub("limited:chat#bob,alice")], ok],
  [
    "subscribe: a user-limited channel refuses an unlisted user",
    alice,
    [sub("limited:chat#bob")],
    permissionDenied,
  ],
  [
    "subscribe: a user-limited channel refuses anonymous",
    anon,
    [sub("limited:chat#alice")],
    permissionDenied,
  ],
  ["subscribe: twice", alice, [sub("sub_client:twice"), sub("sub_client:twice")], 105],
  [
    "publish: allow_publish_for_subscriber admits a subscriber",
    alice,
    [sub("pub_subscriber:a"), pub("pub_subscriber:a")],
    ok,
  ],
  [
    "publish: allow_publish_for_subscriber refuses a non-subscriber",
    alice,
    [pub("pub_subscriber:a")],
    permissionDenied,
  ],
  ["publish: allow_publish_for_client admits a user", alice, [pub("pub_client:a")], ok],
  ["publish: allow_publish_for_client refuses anonymous", anon, [pub("pub_client:a")], permissionDenied],
  ["publish: allow_publish_for_anonymous admits anonymous", anon, [pub("pub_anon:a")], ok],
  ["publish: a namespace without permissions refuses", alice, [pub("none:a")], permissionDenied],
  ["publish: an unknown namespace", alice, [pub("nope:a")], unknownChannel],
  [
    "presence: allow_presence_for_subscriber admits a subscriber",
    alice,
    [sub("pres_subscriber:a"), presence("pres_subscriber:a")],
    ok,
  ],
  [
    "presence: allow_presence_for_subscriber refuses a non-subscriber",
    alice,
    [presence("pres_subscriber:a")],
    permissionDenied,
  ],
  ["presence: allow_presence_for_client admits a user", alice, [presence("pres_client:a")], ok],
  [
    "presence: allow_presence_for_client refuses anonymous",
    anon,
    [presence("pres_client:a")],
    permissionDenied,
  ],
  [
    "presence: presence off is not available",
    alice,
    [sub("pres_off:a"), presence("pres_off:a")],
    notAvailable,
  ],
  ["presence: an unknown namespace", alice, [presence("nope:a")], unknownChannel],
  [
    "presence_stats: allow_presence_for_subscriber admits a subscriber",
    alice,
    [sub("pres_subscriber:b"), stats("pres_subscriber:b")],
    ok,
  ],
  [
    "presence_stats: allow_presence_for_subscriber refuses a non-subscriber",
    alice,
    [stats("pres_subscriber:b")],
    permissionDenied,
  ],
  [
    "presence_stats: presence off is not available",
    alice,
    [sub("pres_off:b"), stats("pres_off:b")],
    notAvailable,
  ],
  [
    "history: allow_history_for_subscriber admits a subscriber",
    alice,
    [sub("hist_subscriber:a"), hist("hist_subscriber:a")],
    ok,
  ],
  [
    "history: allow_history_for_subscriber refuses a non-subscriber",
    alice,
    [hist("hist_subscriber:a")],
    permissionDenied,
  ],
  ["history: allow_history_for_client admits a user", alice, [hist("hist_client:a")], ok],
  ["history: allow_history_for_client refuses anonymous", anon, [hist("hist_client:a")], permissionDenied],
  [
    "history: a namespace without history is not available",
    alice,
    [sub("hist_off:a"), hist("hist_off:a")],
    notAvailable,
  ],
  ["history: an unknown namespace", alice, [hist("nope:a")], unknownChannel],
];

/** [what, subscribe request, fields of the subscribe result that must hold] */
const subscribeResults: [string, Command, Record<string, boolean | undefined>][] = [
  [
    "force_recovery makes every subscription recoverable",
    sub("rec_force:a"),
    { recoverable: true, positioned: true },
  ],
  [
    "allow_recovery grants recovery to a client asking",
    sub("rec_allow:a", { recoverable: true }),
    { recoverable: true, positioned: true },
  ],
  [
    "allow_recovery without asking gives none",
    sub("rec_allow:b"),
    { recoverable: undefined, positioned: undefined },
  ],
  [
    "no recovery option and no history access: asking gets none",
    sub("rec_none:a", { recoverable: true }),
    { recoverable: undefined },
  ],
  [
    "force_positioning positions without recovery",
    sub("pos_force:a"),
    { positioned: true, recoverable: undefined },
  ],
  ["allowed_delta_types grants fossil", sub("delta:a", { delta: "fossil" }), { delta: true }],
  [
    "without allowed_delta_types fossil is not granted",
    sub("no_delta:a", { delta: "fossil" }),
    { delta: undefined },
  ],
];

const pick = (result: JsonObject, keys: string[]) => Object.fromEntries(keys.map((k) => [k, result[k]]));

for (const protocol of clientProtocols) {
  describe(`namespace permissions over ${protocol}`, () => {
    for (const [what, user, steps, expected] of matrix) {
      test(`${what} → ${expected === ok ? "ok" : expected}`, async () => {
        const reply = await run(protocol, user, steps);
        assert.equal(code(reply), expected, JSON.stringify(reply));
      });
    }

    for (const [what, request, expected] of subscribeResults) {
      test(`subscribe: ${what}`, async () => {
        const reply = await run(protocol, alice, [request]);
        const result = reply.subscribe as JsonObject;
        assert.ok(result, JSON.stringify(reply));
        assert.deepEqual(pick(result, Object.keys(expected)), expected);
      });
    }

    test("history_size keeps only the newest publications", async () => {
      const channel = `hist_two:${protocol}`;
      for (let i = 1; i <= 3; i++) {
        await httpApi(srv.url, "publish", { channel, data: { i } }, { "X-API-Key": srv.apiKey });
      }
      const reply = await run(protocol, alice, [hist(channel)]);
      const result = reply.history as {
        publications: { offset: number | string }[];
        offset: number | string;
      };
      assert.deepEqual(
        result.publications.map((p) => Number(p.offset)),
        [2, 3],
      );
      assert.equal(Number(result.offset), 3);
    });

    test("history_ttl drops publications but keeps the stream position", async () => {
      const channel = `hist_brief:${protocol}`;
      await httpApi(srv.url, "publish", { channel, data: { i: 1 } }, { "X-API-Key": srv.apiKey });
      const read = async () => {
        const history = (await run(protocol, alice, [hist(channel)])).history as JsonObject;
        return { publications: (history.publications ?? []) as unknown[], offset: history.offset };
      };
      assert.equal((await read()).publications.length, 1);
      let result = await read();
      for (const deadline = Date.now() + 5000; result.publications.length > 0 && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        result = await read();
      }
      assert.deepEqual(result.publications, []);
      assert.equal(Number(result.offset), 1);
    });

    describe("join and leave", () => {
      /**
       * What `watcher` is pushed while `other` subscribes: join pushes before a
       * marker publication that follows them on the same channel.
       */
      async function joinsSeen(channel: string, watcherRequest: object): Promise<string[]> {
        const watcher = await session(protocol, "watcher");
        const other = await session(protocol, "other");
        try {
          assert.equal((await watcher.call(sub(channel, watcherRequest))).error, undefined);
          assert.equal((await other.call(sub(channel))).error, undefined);
          await httpApi(srv.url, "publish", { channel, data: { marker: true } }, { "X-API-Key": srv.apiKey });
          const seen: string[] = [];
          await watcher.client.push((p) => {
            const join = p.join as { info: { user: string } } | undefined;
            if (join && p.channel === channel && !seen.includes(join.info.user)) seen.push(join.info.user);
            return p.pub !== undefined && p.channel === channel;
          });
          return seen.filter((u) => u === "other");
        } finally {
          watcher.client.close();
          other.client.close();
        }
      }

      test("join_leave pushes joins to a subscriber that asks (and has presence access)", async () => {
        assert.deepEqual(await joinsSeen(`jl:ask-${protocol}`, { join_leave: true }), ["other"]);
      });
      test("join_leave pushes nothing to a subscriber that does not ask", async () => {
        assert.deepEqual(await joinsSeen(`jl:silent-${protocol}`, {}), []);
      });
      test("force_push_join_leave pushes joins to every subscriber", async () => {
        assert.deepEqual(await joinsSeen(`jl_push:all-${protocol}`, {}), ["other"]);
      });
      test("force_push_join_leave without join_leave has nothing to push", async () => {
        assert.deepEqual(await joinsSeen(`jl_silent:none-${protocol}`, { join_leave: true }), []);
      });
    });
  });
}
