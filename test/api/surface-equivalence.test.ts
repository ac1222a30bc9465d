import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { JsonValue } from "@bufbuild/protobuf";
import type { Centrifuge } from "centrifuge";
import { SignJWT } from "jose";
import { centrifugeClient, nextEvent, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { type ApiSurface, apiSurfaces } from "./api-surfaces.js";

const secret = "equivalence-secret";

let srv: TestServer;
let surfaces: ApiSurface[];
let closeSurfaces: () => void;
const clients: Centrifuge[] = [];
let alex: Centrifuge;
/** Client ids of the two connections subscribed to chat:room, by user. */
const roomIds: Record<string, string> = {};

function token(sub: string, info: unknown): Promise<string> {
  return new SignJWT({ sub, info })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
}

async function connected(user: string, info: unknown): Promise<Centrifuge> {
  const client = centrifugeClient(srv.url, "json", { token: await token(user, info) });
  clients.push(client);
  const ready = nextEvent<{ client: string }>(client, "connected");
  client.connect();
  roomIds[user] = (await ready).client;
  return client;
}

async function http(route: string, body: unknown): Promise<void> {
  const res = await fetch(`${srv.url}/api/${route}`, {
    method: "POST",
    headers: { "x-api-key": srv.apiKey },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, await res.text());
}

before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [
        {
          name: "chat",
          history_size: 10,
          history_ttl: "300s",
          presence: true,
          allow_subscribe_for_client: true,
        },
      ],
    },
  });
  ({ surfaces, close: closeSurfaces } = apiSurfaces(srv));
  alex = await connected("42", { name: "Alex" });
  await subscribed(alex, "chat:room");
  const bo = await connected("43", { name: "Bo" });
  await subscribed(bo, "chat:room");
  for (const n of [1, 2, 3]) {
    await http("publish", { channel: "chat:kept", data: { n }, tags: { k: `v${n}` } });
  }
  await http("publish", { channel: "chat:removed", data: {} });
});

after(async () => {
  for (const client of clients) client.disconnect();
  closeSurfaces();
  await srv.close();
});

// biome-ignore lint/suspicious/noExplicitAny: responses of any shape
type Json = any;

interface Case {
  readonly method: string;
  readonly request: Json;
  /** What every surface must answer, after `vary` took out what legitimately differs. */
  readonly expected?: Json | (() => Json);
  /** Runs before the call on each surface. */
  readonly before?: () => Promise<unknown>;
  /** Checks a side effect after the call on each surface (its argument is what `before` gave). */
  readonly after?: (prepared: unknown) => Promise<void>;
  /** Takes the parts that must differ between surfaces out of a response, returning them. */
  readonly vary?: (response: Json) => unknown[];
}

/** The event a `before` hook started waiting for (wrapped, so that awaiting the hook does not wait for it). */
const eventOf = <T>(prepared: unknown) => (prepared as { event: Promise<T> }).event;

/** Offsets advance by one per publish: take them out and return them. */
function takeOffsets(...results: Json[]): unknown[] {
  return results.map((r) => {
    const offset = r.offset;
    delete r.offset;
    return Number(offset);
  });
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64");
const notFound = { error: { code: 104, message: "not found" } };
const badRequest = { error: { code: 107, message: "bad request" } };

const cases: Record<string, Case> = {
  "Publish into a channel with history": {
    method: "Publish",
    request: { channel: "chat:published", data: { text: "hi" }, tags: { k: "v" } },
    vary: (r) => takeOffsets(r.result),
  },
  "Publish into a channel without history": {
    method: "Publish",
    request: { channel: "plain", data: { text: "hi" } },
    expected: { result: {} },
  },
  "Publish to an unknown namespace": {
    method: "Publish",
    request: { channel: "nowhere:x", data: {} },
    expected: { error: { code: 102, message: "unknown channel" } },
  },
  "Publish without data": { method: "Publish", request: { channel: "chat:x" }, expected: badRequest },
  Broadcast: {
    method: "Broadcast",
    request: { channels: ["chat:broadcast", "nowhere:x", "plain"], data: { b: 1 } },
    vary: (r) => takeOffsets(r.result.responses[0].result),
  },
  "Subscribe (server-side)": {
    method: "Subscribe",
    request: { user: "42", channel: "chat:server" },
    expected: { result: {} },
    before: async () => {
      await http("unsubscribe", { user: "42", channel: "chat:server" });
      return { event: nextEvent<{ channel: string }>(alex, "subscribed") };
    },
    after: async (prepared) =>
      assert.equal((await eventOf<{ channel: string }>(prepared)).channel, "chat:server"),
  },
  Unsubscribe: {
    method: "Unsubscribe",
    request: { user: "42", channel: "chat:server" },
    expected: { result: {} },
    before: async () => {
      await http("unsubscribe", { user: "42", channel: "chat:server" });
      const subscribedEvent = nextEvent(alex, "subscribed");
      await http("subscribe", { user: "42", channel: "chat:server" });
      await subscribedEvent;
      return { event: nextEvent<{ channel: string }>(alex, "unsubscribed") };
    },
    after: async (prepared) =>
      assert.equal((await eventOf<{ channel: string }>(prepared)).channel, "chat:server"),
  },
  Disconnect: {
    method: "Disconnect",
    request: { user: "leaver", disconnect: { code: 4501, reason: "bye" } },
    expected: { result: {} },
    before: async () => ({ event: nextEvent(await connected("leaver", {}), "disconnected") }),
    after: async (prepared) => {
      const ctx = await eventOf<{ code: number; reason: string }>(prepared);
      assert.deepEqual([ctx.code, ctx.reason], [4501, "bye"]);
    },
  },
  Presence: {
    method: "Presence",
    request: { channel: "chat:room" },
    expected: () => ({
      result: {
        presence: {
          [roomIds["42"]!]: { user: "42", client: roomIds["42"], conn_info: b64({ name: "Alex" }) },
          [roomIds["43"]!]: { user: "43", client: roomIds["43"], conn_info: b64({ name: "Bo" }) },
        },
      },
    }),
  },
  PresenceStats: {
    method: "PresenceStats",
    request: { channel: "chat:room" },
    expected: { result: { num_clients: 2, num_users: 2 } },
  },
  "Presence where it is off": {
    method: "Presence",
    request: { channel: "plain" },
    expected: { error: { code: 108, message: "not available" } },
  },
  History: {
    method: "History",
    request: { channel: "chat:kept", limit: -1 },
    expected: {
      result: {
        publications: [1, 2, 3].map((n) => ({ data: b64({ n }), offset: String(n), tags: { k: `v${n}` } })),
        offset: "3",
      },
    },
    vary: (r) => {
      const epoch = r.result.epoch;
      delete r.result.epoch;
      return [epoch];
    },
  },
  "History from another epoch": {
    method: "History",
    request: { channel: "chat:kept", limit: 1, since: { offset: 1, epoch: "other" } },
    expected: { error: { code: 112, message: "unrecoverable position" } },
  },
  HistoryRemove: {
    method: "HistoryRemove",
    request: { channel: "chat:removed" },
    expected: { result: {} },
    before: () => http("publish", { channel: "chat:removed", data: {} }),
    after: async () => {
      const res = await fetch(`${srv.url}/api/history`, {
        method: "POST",
        headers: { "x-api-key": srv.apiKey },
        body: '{"channel":"chat:removed","limit":-1}',
      });
      assert.deepEqual(((await res.json()) as Json).result.publications, []);
    },
  },
  Info: {
    method: "Info",
    request: {},
    vary: (r) => {
      delete r.result.nodes[0].uptime;
      return [];
    },
  },
  "RPC of an unknown method": { method: "RPC", request: { method: "x" }, expected: notFound },
  "RPC without a method": { method: "RPC", request: {}, expected: badRequest },
  Refresh: {
    method: "Refresh",
    request: { user: "42", expire_at: 0 },
    expected: { result: {} },
  },
  Channels: {
    method: "Channels",
    request: { pattern: "chat:r*" },
    expected: { result: { channels: { "chat:room": { num_clients: 2 } } } },
  },
  "Batch, parallel": {
    method: "Batch",
    request: {
      parallel: true,
      commands: [
        { publish: { channel: "plain", data: {} } },
        { presence_stats: { channel: "chat:room" } },
        {},
        { rpc: { method: "" } },
        { history: { channel: "chat:kept", limit: 1, reverse: true } },
        { publish: { channel: "nowhere:x", data: {} } },
      ],
    },
    vary: (r) => {
      const epoch = r.replies[4].history.epoch;
      delete r.replies[4].history.epoch;
      return [epoch];
    },
    expected: {
      replies: [
        { publish: {} },
        { presence_stats: { num_clients: 2, num_users: 2 } },
        notFound,
        badRequest,
        { history: { publications: [{ data: b64({ n: 3 }), offset: "3", tags: { k: "v3" } }], offset: "3" } },
        { error: { code: 102, message: "unknown channel" } },
      ],
    },
  },
};

for (const [name, c] of Object.entries(cases)) {
  test(`${name}: the same request gets the same answer over every surface`, async () => {
    const answers: JsonValue[] = [];
    const varied: unknown[][] = [];
    for (const surface of surfaces) {
      const prepared = await c.before?.();
      const answer = (await surface.call(c.method, c.request)) as Json;
      varied.push(c.vary?.(answer) ?? []);
      answers.push(answer);
      await c.after?.(prepared);
    }
    const first = answers[0];
    const expected = typeof c.expected === "function" ? c.expected() : c.expected;
    if (expected !== undefined) assert.deepEqual(first, expected, surfaces[0]!.name);
    for (let i = 1; i < surfaces.length; i++) assert.deepEqual(answers[i], first, surfaces[i]!.name);
    if (c.vary && (c.method === "Publish" || c.method === "Broadcast")) {
      const offsets = varied.map((v) => v[0] as number);
      assert.deepEqual(
        offsets,
        offsets.map((_, i) => offsets[0]! + i),
        "offsets advance by one per publish",
      );
    } else if (c.vary) {
      assert.equal(new Set(varied.map((v) => JSON.stringify(v))).size, 1, "what varies stays equal");
    }
  });
}
