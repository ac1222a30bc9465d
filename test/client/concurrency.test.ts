import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { exportJWK, generateKeyPair } from "jose";
import { sign, unix } from "../auth/token-helpers.js";
import { startTestServer, type TestServer } from "../helpers/server.js";
import { rawClient } from "./raw-websocket.js";

const secret = "concurrency-secret";
const jwksDelayMs = 400;
let keys: Awaited<ReturnType<typeof generateKeyPair>>;
const jwks = createServer((_req, res) => {
  setTimeout(async () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: "k", alg: "RS256" }] }));
  }, jwksDelayMs);
});

async function serverWith(concurrency: number): Promise<TestServer> {
  const { port } = jwks.address() as AddressInfo;
  return startTestServer({
    client: {
      concurrency,
      token: { hmac_secret_key: secret },
      subscription_token: { enabled: true, jwks_public_endpoint: `http://127.0.0.1:${port}/keys` },
    },
    channel: { namespaces: [{ name: "open", allow_publish_for_client: true }, { name: "private" }] },
  });
}

before(async () => {
  keys = await generateKeyPair("RS256");
  await new Promise<void>((resolve) => jwks.listen(0, "127.0.0.1", resolve));
});
after(() => jwks.close());

/**
 * Connects, then sends one frame: a subscribe whose token needs the (slow)
 * JWKS endpoint, then a publish that needs nothing. Answers the reply ids in
 * the order they arrived.
 */
async function replyOrder(srv: TestServer): Promise<number[]> {
  const client = await rawClient(srv.url, "json");
  try {
    client.send({ id: 1, connect: { token: await sign({ sub: "u1", exp: unix(60) }, secret, "HS256") } });
    await client.reply(1);
    const order: number[] = [];
    client.ws.on("message", (data: Buffer) => {
      for (const line of data.toString().trim().split("\n")) {
        const id = (JSON.parse(line) as { id?: number }).id;
        if (id) order.push(id);
      }
    });
    const subToken = await sign(
      { sub: "u1", channel: "private:a", exp: unix(60) },
      keys.privateKey,
      "RS256",
      {
        kid: "k",
      },
    );
    client.send(
      { id: 2, subscribe: { channel: "private:a", token: subToken } },
      { id: 3, publish: { channel: "open:b", data: { n: 1 } } },
    );
    assert.ok("subscribe" in (await client.reply(2)), "the subscribe succeeds");
    assert.ok("publish" in (await client.reply(3)), "the publish succeeds");
    return order;
  } finally {
    client.close();
  }
}

test("by default a frame's commands run in order: the publish waits for the slow subscribe", async () => {
  const srv = await serverWith(0);
  try {
    assert.deepEqual(await replyOrder(srv), [2, 3]);
  } finally {
    await srv.close();
  }
});

test("with client.concurrency 2 the publish answers while the subscribe waits for its token's keys", async () => {
  const srv = await serverWith(2);
  try {
    assert.deepEqual(await replyOrder(srv), [3, 2]);
  } finally {
    await srv.close();
  }
});
