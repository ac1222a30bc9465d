import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SignJWT } from "jose";
import { startTestServer, type TestServer } from "../helpers/server.js";

const admin = { enabled: true, password: "admin-password", secret: "admin-secret" };
const clientSecret = "client-token-secret";
const consume = "/admin/live/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume";

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    admin,
    client: {
      token: { hmac_secret_key: clientSecret },
      allow_anonymous_connect_without_token: true,
      insecure: true,
    },
  });
});
after(() => srv?.close());

/** Opens the live view's Connect stream with `token`; the first message the server sends (JSON). */
async function firstMessage(token: string): Promise<Record<string, unknown>> {
  const body = Buffer.from(JSON.stringify({ token }));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  const controller = new AbortController();
  const res = await fetch(`${srv.url}${consume}`, {
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: Buffer.concat([head, body]),
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  let bytes = Buffer.alloc(0);
  try {
    while (bytes.length < 5 || bytes.length < 5 + bytes.readUInt32BE(1)) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes = Buffer.concat([bytes, value]);
    }
  } finally {
    controller.abort();
  }
  return JSON.parse(bytes.subarray(5, 5 + bytes.readUInt32BE(1)).toString()) as Record<string, unknown>;
}

async function loginToken(): Promise<string> {
  const res = await fetch(`${srv.url}/admin/auth`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ password: admin.password }),
  });
  return ((await res.json()) as { token: string }).token;
}

test("the live stream refuses an empty token and a client token even with anonymous and insecure clients allowed; its own token connects", async () => {
  const empty = await firstMessage("");
  assert.ok(!("connect" in empty), `an empty token connected: ${JSON.stringify(empty)}`);
  const clientToken = await new SignJWT({ sub: "alice" })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(clientSecret));
  const client = await firstMessage(clientToken);
  assert.ok(!("connect" in client), `a client token connected: ${JSON.stringify(client)}`);
  const minted = await fetch(`${srv.url}/admin/live/token`, {
    method: "POST",
    headers: { authorization: `token ${await loginToken()}` },
    body: JSON.stringify({ channel: "news" }),
  });
  const own = await firstMessage(((await minted.json()) as { token: string }).token);
  assert.ok("connect" in own, JSON.stringify(own));
});

test("live/token refuses a channel in no configured namespace with 102; live/watchers counts the open watchers and needs a login", async () => {
  const headers = { authorization: `token ${await loginToken()}` };
  const unknown = await fetch(`${srv.url}/admin/live/token`, {
    method: "POST",
    headers,
    body: JSON.stringify({ channel: "nope:room" }),
  });
  assert.equal(unknown.status, 400);
  assert.equal(await unknown.text(), '102: unknown channel "nope:room": its namespace is not configured');
  assert.equal((await fetch(`${srv.url}/admin/live/watchers`)).status, 401);
  const watchers = async () =>
    (await (await fetch(`${srv.url}/admin/live/watchers`, { headers })).json()) as Record<string, unknown>;
  assert.deepEqual(
    { ...(await watchers()), node: "" },
    { node: "", clients: 0, users: 0, subs: 0, channels: 0 },
  );
});
