import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SignJWT } from "jose";
import { loadConfig } from "../../src/config/load.js";
import { httpApi } from "../helpers/api-clients.js";
import { centrifugeClient, nextEvent } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const secret = "personal-secret";
const token = (user: string) =>
  new SignJWT({ sub: user }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: {
      token: { hmac_secret_key: secret },
      allow_anonymous_connect_without_token: true,
      subscribe_to_user_personal_channel: {
        enabled: true,
        personal_channel_namespace: "personal",
        single_connection: true,
      },
    },
    channel: { namespaces: [{ name: "personal", presence: true }] },
  });
});
after(() => srv.close());

test("a user is subscribed to its personal channel on connect and gets what is published there", async () => {
  const client = centrifugeClient(srv.url, "json", { token: await token("42") });
  try {
    const subscribed = nextEvent<{ channel: string }>(client, "subscribed");
    client.connect();
    assert.equal((await subscribed).channel, "personal:#42");
    const publication = nextEvent<{ channel: string; data: unknown }>(client, "publication");
    await httpApi(
      srv.url,
      "publish",
      { channel: "personal:#42", data: { hi: 1 } },
      { "X-API-Key": srv.apiKey },
    );
    const got = await publication;
    assert.equal(got.channel, "personal:#42");
    assert.deepEqual(got.data, { hi: 1 });
  } finally {
    client.disconnect();
  }
});

test("with single_connection, a second connection of the user closes the first with 3504, and anonymous connections get no personal channel", async () => {
  const first = centrifugeClient(srv.url, "json", { token: await token("7") });
  const second = centrifugeClient(srv.url, "json", { token: await token("7") });
  const anonymous = centrifugeClient(srv.url, "json");
  try {
    const firstSubscribed = nextEvent(first, "subscribed");
    first.connect();
    await firstSubscribed;
    const closed = nextEvent<{ code: number; reason: string }>(first, "disconnected");
    const secondSubscribed = nextEvent<{ channel: string }>(second, "subscribed");
    second.connect();
    assert.deepEqual(await closed, { code: 3504, reason: "connection limit" });
    assert.equal((await secondSubscribed).channel, "personal:#7");
    let anonymousSubs = 0;
    anonymous.on("subscribed", () => anonymousSubs++);
    const connected = nextEvent(anonymous, "connected");
    anonymous.connect();
    await connected;
    assert.equal(anonymousSubs, 0);
    assert.equal(second.state, "connected");
  } finally {
    for (const c of [first, second, anonymous]) c.disconnect();
  }
});

test("the personal channel's namespace must exist, and single_connection needs presence there", () => {
  const cases: [Record<string, unknown>, string][] = [
    [
      {
        client: { subscribe_to_user_personal_channel: { enabled: true, personal_channel_namespace: "nope" } },
      },
      "namespace for user personal channel not found: nope",
    ],
    [
      {
        client: { subscribe_to_user_personal_channel: { enabled: true, single_connection: true } },
      },
      "presence must be enabled on top level to maintain single connection",
    ],
    [
      {
        client: {
          subscribe_to_user_personal_channel: {
            enabled: true,
            personal_channel_namespace: "p1",
            single_connection: true,
          },
        },
        channel: { namespaces: [{ name: "p1" }] },
      },
      "presence must be enabled for namespace p1 to maintain single connection",
    ],
  ];
  for (const [object, message] of cases) {
    const loaded = loadConfig({ object });
    assert.ok(loaded.error?.includes(message), `${loaded.error} should say ${message}`);
  }
});
