import assert from "node:assert/strict";
import type { Centrifuge, Subscription } from "centrifuge";
import {
  type ClientProtocol,
  collectPublications,
  decoded,
  payloadFor,
} from "../helpers/centrifuge-clients.js";
import type { TestServer } from "../helpers/server.js";
import type { Behaviour, ProxyMethod } from "./backends/script.js";
import { connected, eventWhere, nextEvent } from "./events.js";
import { type Clients, type ProxyEnv, sessionOf, unixNow, waitUntil } from "./proxy-fixture.js";

export type Kind =
  | "connect"
  | "refresh"
  | "subscribe"
  | "publish"
  | "rpc"
  | "sub_refresh"
  | "subscribe_stream";
export type Outcome = "allow" | "error" | "disconnect" | "timeout" | "down" | "malformed";

/** One case run: the rotor it talks to (the `down` one for backend-down cases) and its clients. */
export interface CaseRun {
  readonly env: ProxyEnv;
  readonly server: TestServer;
  readonly clients: Clients;
  readonly caseName: string;
  readonly protocol: ClientProtocol;
}

export interface OutcomeCase {
  readonly kind: Kind;
  readonly outcome: Outcome;
  /** Needs subscribe streams: gRPC and Connect backends only. */
  readonly streams?: boolean;
  /** What the backend answers for this case, by method. */
  readonly behaviours?: (caseName: string) => Partial<Record<ProxyMethod, Behaviour>>;
  run(r: CaseRun): Promise<void>;
}

const hang: Behaviour = { hang: true };
const malformed: Behaviour = { malformed: true };
const refuse = (code: number, message: string): Behaviour => ({ answer: { error: { code, message } } });
const disconnect = (code: number, reason: string): Behaviour => ({
  answer: { disconnect: { code, reason } },
});
const expiringIn = (seconds: number) => ({ answer: { result: { expire_at: unixNow() + seconds } } });
const internal = { code: 100, message: "internal server error", temporary: true };

/** The first error a client reports for `type` (connect, subscribe…). */
function firstError(emitter: Centrifuge | Subscription, type: string) {
  return eventWhere<{ type: string; error: { code: number; message: string; temporary?: boolean } }>(
    emitter,
    "error",
    (ctx) => ctx.type === type,
  ).then((ctx) => ({ ...ctx.error, temporary: ctx.error.temporary ?? false }));
}

async function connectedClient(r: CaseRun): Promise<{ client: Centrifuge; id: string }> {
  const client = r.server === r.env.down ? await r.clients.withToken(r.server) : r.clients.open(r.server);
  const ctx = await connected(client);
  return { client, id: ctx.client };
}

async function subscribeError(r: CaseRun, channel: string) {
  const { client } = await connectedClient(r);
  const sub = client.newSubscription(channel);
  const error = firstError(sub, "subscribe");
  sub.subscribe();
  assert.deepEqual(await error, internal);
}

async function publishRejected(r: CaseRun, expected: object) {
  const { client } = await connectedClient(r);
  await assert.rejects(client.publish(`px:${r.caseName}`, payloadFor(r.protocol, { text: "hi" })), (err) => {
    assert.deepEqual(
      { ...(err as object), temporary: (err as { temporary?: boolean }).temporary ?? false },
      expected,
    );
    return true;
  });
}

async function rpcRejected(r: CaseRun, expected: object) {
  const { client } = await connectedClient(r);
  await assert.rejects(client.rpc("work", payloadFor(r.protocol, { n: 1 })), (err) => {
    assert.deepEqual(
      { ...(err as object), temporary: (err as { temporary?: boolean }).temporary ?? false },
      expected,
    );
    return true;
  });
}

/** A connection expiring in a second, then the state its refresh leaves it in. */
async function refreshed(r: CaseRun): Promise<{ client: Centrifuge; id: string }> {
  const client =
    r.server === r.env.down ? await r.clients.withToken(r.server, 2000) : r.clients.open(r.server);
  const ctx = await connected(client);
  return { client, id: ctx.client };
}

/** The refresh backend failed: the connection got a minute more and is still up. */
async function refreshPostponed(r: CaseRun) {
  const { client, id } = await refreshed(r);
  const session = sessionOf(r.server, id);
  await waitUntil(() => session.expireAt >= unixNow() + 50, "the expiry moves a minute on");
  assert.equal(client.state, "connected");
}

async function refreshExpired(r: CaseRun) {
  const client = r.clients.open(r.server);
  const reconnecting = eventWhere<{ code: number; reason: string }>(
    client,
    "connecting",
    (c) => c.code !== 0,
  );
  await connected(client);
  assert.deepEqual(await reconnecting, { code: 3005, reason: "connection expired" });
}

/** A subscription expiring in a second, on `live:` for the down rotor (its subscribe proxy is up). */
async function expiringSubscription(r: CaseRun) {
  const { client, id } = await connectedClient(r);
  const channel = `${r.server === r.env.down ? "live" : "px"}:${r.caseName}`;
  const sub = client.newSubscription(channel);
  const ready = nextEvent(sub, "subscribed");
  sub.subscribe();
  await ready;
  const subscription = sessionOf(r.server, id).subscriptions.get(channel);
  assert.ok(subscription);
  return { sub, subscription };
}

async function subRefreshPostponed(r: CaseRun) {
  const { sub, subscription } = await expiringSubscription(r);
  await waitUntil(
    () => subscription.expireAt >= unixNow() + 50,
    "the subscription's expiry moves a minute on",
  );
  assert.equal(sub.state, "subscribed");
}

async function subRefreshExpired(r: CaseRun) {
  const { sub } = await expiringSubscription(r);
  const resubscribing = await nextEvent<{ code: number; reason: string }>(sub, "subscribing");
  assert.deepEqual(
    { code: resubscribing.code, reason: resubscribing.reason },
    { code: 2501, reason: "subscription expired" },
  );
}

const subscribeExpiring = (name: string): Partial<Record<ProxyMethod, Behaviour>> => ({
  Subscribe: () => expiringIn(1),
  Connect: { answer: { result: { user: name } } },
});

const streamAnswer = (message: Record<string, unknown>): Behaviour => ({ stream: (io) => io.send(message) });

/**
 * Every proxy kind × allow, refuse with an error, refuse with a disconnect,
 * backend timeout, backend down and malformed answer, with what a
 * centrifuge-js client sees. Run once per backend transport and client
 * protocol.
 */
export const outcomeCases: readonly OutcomeCase[] = [
  {
    kind: "connect",
    outcome: "allow",
    async run(r) {
      const client = r.clients.open(r.server);
      const ctx = await connected(client);
      assert.equal(sessionOf(r.server, ctx.client).user, r.caseName);
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "connect",
      outcome,
      behaviours: () => ({
        Connect: outcome === "error" ? refuse(1001, "banned") : disconnect(4501, "unauthorized"),
      }),
      async run(r) {
        const client = r.clients.open(r.server);
        const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
        client.connect();
        const expected =
          outcome === "error" ? { code: 1001, reason: "banned" } : { code: 4501, reason: "unauthorized" };
        assert.deepEqual(await closed, expected);
      },
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "connect",
      outcome,
      behaviours: () => ({ Connect: outcome === "timeout" ? hang : malformed }),
      async run(r) {
        const client = r.clients.open(r.server);
        const error = firstError(client, "connect");
        client.connect();
        assert.deepEqual(await error, internal);
      },
    }),
  ),

  {
    kind: "refresh",
    outcome: "allow",
    behaviours: (name) => ({
      Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 1 } } }),
    }),
    async run(r) {
      const { client, id } = await refreshed(r);
      const session = sessionOf(r.server, id);
      await waitUntil(() => session.expireAt > unixNow() + 1000, "the refresh proxy extends the connection");
      assert.equal(client.state, "connected");
      const call = await r.env.script.waitForCall((c) => c.caseName === r.caseName && c.method === "Refresh");
      assert.equal(call.request.user, r.caseName);
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "refresh",
      outcome,
      behaviours: (name) => ({
        Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 1 } } }),
        Refresh: outcome === "error" ? refuse(1001, "ignored") : disconnect(4501, "ignored"),
      }),
      run: refreshExpired,
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "refresh",
      outcome,
      behaviours: (name) => ({
        Connect: () => ({ answer: { result: { user: name, expire_at: unixNow() + 1 } } }),
        Refresh: outcome === "timeout" ? hang : malformed,
      }),
      run: refreshPostponed,
    }),
  ),

  {
    kind: "subscribe",
    outcome: "allow",
    behaviours: () => ({ Subscribe: { answer: { result: { data: { welcome: true } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const ready = nextEvent<{ data: unknown }>(sub, "subscribed");
      sub.subscribe();
      assert.deepEqual(decoded((await ready).data), { welcome: true });
    },
  },
  {
    kind: "subscribe",
    outcome: "error",
    behaviours: () => ({ Subscribe: refuse(1002, "nope") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const gone = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      sub.subscribe();
      const ctx = await gone;
      assert.deepEqual({ code: ctx.code, reason: ctx.reason }, { code: 1002, reason: "nope" });
    },
  },
  {
    kind: "subscribe",
    outcome: "disconnect",
    behaviours: () => ({ Subscribe: disconnect(4502, "bye") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.newSubscription(`px:${r.caseName}`).subscribe();
      assert.deepEqual(await closed, { code: 4502, reason: "bye" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "subscribe",
      outcome,
      behaviours: () => ({ Subscribe: outcome === "timeout" ? hang : malformed }),
      run: (r) => subscribeError(r, `px:${r.caseName}`),
    }),
  ),

  {
    kind: "publish",
    outcome: "allow",
    behaviours: () => ({ Publish: { answer: { result: { data: { text: "hi", checked: true } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`px:${r.caseName}`);
      const received = collectPublications(sub);
      const ready = nextEvent(sub, "subscribed");
      sub.subscribe();
      await ready;
      await sub.publish(payloadFor(r.protocol, { text: "hi" }));
      const [pub] = await received.take(1, 15_000);
      assert.deepEqual(pub?.data, { text: "hi", checked: true });
    },
  },
  {
    kind: "publish",
    outcome: "error",
    behaviours: () => ({ Publish: refuse(1003, "flood") }),
    run: (r) => publishRejected(r, { code: 1003, message: "flood", temporary: false }),
  },
  {
    kind: "publish",
    outcome: "disconnect",
    behaviours: () => ({ Publish: disconnect(4503, "stop") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.publish(`px:${r.caseName}`, payloadFor(r.protocol, { text: "hi" })).catch(() => {});
      assert.deepEqual(await closed, { code: 4503, reason: "stop" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "publish",
      outcome,
      behaviours: () => ({ Publish: outcome === "timeout" ? hang : malformed }),
      run: (r) => publishRejected(r, internal),
    }),
  ),

  {
    kind: "rpc",
    outcome: "allow",
    behaviours: () => ({ RPC: { answer: { result: { data: { answer: 42 } } } } }),
    async run(r) {
      const { client } = await connectedClient(r);
      const result = await client.rpc("work", payloadFor(r.protocol, { n: 1 }));
      assert.deepEqual(decoded(result.data), { answer: 42 });
      const call = await r.env.script.waitForCall((c) => c.caseName === r.caseName && c.method === "RPC");
      assert.deepEqual(call.request.data, { n: 1 });
      assert.equal(call.request.method, "work");
    },
  },
  {
    kind: "rpc",
    outcome: "error",
    behaviours: () => ({ RPC: refuse(1004, "no such object") }),
    run: (r) => rpcRejected(r, { code: 1004, message: "no such object", temporary: false }),
  },
  {
    kind: "rpc",
    outcome: "disconnect",
    behaviours: () => ({ RPC: disconnect(4504, "go") }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.rpc("work", payloadFor(r.protocol, { n: 1 })).catch(() => {});
      assert.deepEqual(await closed, { code: 4504, reason: "go" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "rpc",
      outcome,
      behaviours: () => ({ RPC: outcome === "timeout" ? hang : malformed }),
      run: (r) => rpcRejected(r, internal),
    }),
  ),

  {
    kind: "sub_refresh",
    outcome: "allow",
    behaviours: (name) => ({ ...subscribeExpiring(name), SubRefresh: () => expiringIn(3600) }),
    async run(r) {
      const { sub, subscription } = await expiringSubscription(r);
      await waitUntil(() => subscription.expireAt > unixNow() + 1000, "the sub_refresh proxy extends it");
      assert.equal(sub.state, "subscribed");
    },
  },
  ...(["error", "disconnect"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "sub_refresh",
      outcome,
      behaviours: (name) => ({
        ...subscribeExpiring(name),
        SubRefresh: outcome === "error" ? refuse(1001, "ignored") : disconnect(4501, "ignored"),
      }),
      run: subRefreshExpired,
    }),
  ),
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "sub_refresh",
      outcome,
      behaviours: (name) => ({
        ...subscribeExpiring(name),
        SubRefresh: outcome === "timeout" ? hang : malformed,
      }),
      run: subRefreshPostponed,
    }),
  ),

  {
    kind: "subscribe_stream",
    outcome: "allow",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: {
        stream(io) {
          io.send({ subscribe_response: { result: { data: { streaming: true } } } });
          for (let n = 1; n <= 3; n++) io.send({ publication: { data: { n } } });
        },
      },
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`stream:${r.caseName}`);
      const received = collectPublications(sub);
      const ready = nextEvent<{ data: unknown }>(sub, "subscribed");
      sub.subscribe();
      assert.deepEqual(decoded((await ready).data), { streaming: true });
      const pubs = await received.take(3, 15_000);
      assert.deepEqual(
        pubs.map((p) => p.data),
        [{ n: 1 }, { n: 2 }, { n: 3 }],
      );
    },
  },
  {
    kind: "subscribe_stream",
    outcome: "error",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: streamAnswer({
        subscribe_response: { error: { code: 1005, message: "no stream", temporary: true } },
      }),
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const sub = client.newSubscription(`stream:${r.caseName}`);
      const gone = nextEvent<{ code: number; reason: string }>(sub, "unsubscribed");
      sub.subscribe();
      const ctx = await gone;
      // The stream proxy drops `temporary`: the refusal is final.
      assert.deepEqual({ code: ctx.code, reason: ctx.reason }, { code: 1005, reason: "no stream" });
    },
  },
  {
    kind: "subscribe_stream",
    outcome: "disconnect",
    streams: true,
    behaviours: () => ({
      SubscribeUnidirectional: streamAnswer({
        subscribe_response: { disconnect: { code: 4505, reason: "no" } },
      }),
    }),
    async run(r) {
      const { client } = await connectedClient(r);
      const closed = nextEvent<{ code: number; reason: string }>(client, "disconnected");
      client.newSubscription(`stream:${r.caseName}`).subscribe();
      assert.deepEqual(await closed, { code: 4505, reason: "no" });
    },
  },
  ...(["timeout", "down", "malformed"] as const).map(
    (outcome): OutcomeCase => ({
      kind: "subscribe_stream",
      outcome,
      streams: true,
      behaviours: () => ({
        SubscribeUnidirectional:
          outcome === "timeout"
            ? { stream: () => {} }
            : streamAnswer({ publication: { data: { early: true } } }),
      }),
      run: (r) => subscribeError(r, `stream:${r.caseName}`),
    }),
  ),
];
