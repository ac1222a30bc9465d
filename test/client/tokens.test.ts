import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { exportSPKI, generateKeyPair } from "jose";
import { mintConnectionToken, mintSubscriptionToken } from "../../src/auth/mint.js";
import { sign, unix, unsigned } from "../auth/token-helpers.js";
import {
  centrifugeClient,
  clientProtocols,
  connected,
  nextEvent,
  subscribed,
} from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const secret = "tokens-secret";
const hour = 3_600_000;
const invalidToken = { code: 3500, reason: "invalid token" };

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    client: { token: { hmac_secret_key: secret } },
    channel: {
      namespaces: [{ name: "open", allow_subscribe_for_client: true }, { name: "locked" }],
    },
  });
});
after(() => srv.close());

const token = (user: string, ttl = hour) => mintConnectionToken({ secret, user, ttl });
const subToken = (user: string, channel: string, ttl = hour) =>
  mintSubscriptionToken({ secret, user, channel, ttl });

for (const protocol of clientProtocols) {
  describe(`connection tokens over ${protocol}`, () => {
    test("an expired token gets 109; the client fetches a fresh one with getToken and connects", async () => {
      const expired = await sign({ sub: "ann", exp: unix(-60) }, secret, "HS256");
      let asked = 0;
      const client = centrifugeClient(srv.url, protocol, {
        token: expired,
        getToken: async () => {
          asked += 1;
          return token("ann");
        },
      });
      try {
        const ctx = await connected(client);
        assert.equal(typeof ctx.client, "string");
        assert.equal(asked, 1);
      } finally {
        client.disconnect();
      }
    });

    test("a connection whose token runs out is refreshed through getToken and stays up", async () => {
      let asked = 0;
      const client = centrifugeClient(srv.url, protocol, {
        token: await token("ben", 2000),
        getToken: async () => {
          asked += 1;
          return token("ben");
        },
      });
      try {
        const { client: id } = await connected(client);
        const session = srv.server.node.hub.client(id) as unknown as { identity: { expireAt: number } };
        const before = session.identity.expireAt;
        assert.ok(before > 0);
        await waitFor(() => session.identity.expireAt > before);
        assert.equal(asked, 1);
        assert.ok(session.identity.expireAt >= unix(3000));
        assert.equal(client.state, "connected");
      } finally {
        client.disconnect();
      }
    });

    test("a token signed with another secret is refused with 3500", async () => {
      const client = centrifugeClient(srv.url, protocol, {
        token: await mintConnectionToken({ secret: "not-the-secret", user: "eve", ttl: hour }),
      });
      const closed = nextEvent(client, "disconnected");
      client.connect();
      assert.deepEqual(await closed, invalidToken);
    });

    test("an unsigned alg:none token is refused with 3500", async () => {
      const client = centrifugeClient(srv.url, protocol, { token: unsigned({ sub: "eve" }) });
      const closed = nextEvent(client, "disconnected");
      client.connect();
      assert.deepEqual(await closed, invalidToken);
    });
  });

  describe(`subscription tokens over ${protocol}`, () => {
    test("a channel that needs a token admits a valid subscription token", async () => {
      const client = centrifugeClient(srv.url, protocol, { token: await token("cat") });
      try {
        const { context } = await subscribed(client, "locked:room", {
          token: await subToken("cat", "locked:room"),
        });
        assert.equal((context as { channel: string }).channel, "locked:room");
      } finally {
        client.disconnect();
      }
    });

    test("without a subscription token it is 103 permission denied", async () => {
      const client = centrifugeClient(srv.url, protocol, { token: await token("cat") });
      try {
        await connected(client);
        const sub = client.newSubscription("locked:room");
        const unsubscribed = nextEvent(sub, "unsubscribed");
        sub.subscribe();
        assert.deepEqual(await unsubscribed, {
          channel: "locked:room",
          code: 103,
          reason: "permission denied",
        });
      } finally {
        client.disconnect();
      }
    });

    test("a subscription token for another channel ends the connection with 3500", async () => {
      const client = centrifugeClient(srv.url, protocol, { token: await token("cat") });
      await connected(client);
      const closed = nextEvent(client, "disconnected");
      client.newSubscription("locked:room", { token: await subToken("cat", "locked:other") }).subscribe();
      assert.deepEqual(await closed, invalidToken);
    });

    test("a subscription token minted for another user ends the connection with 3500", async () => {
      const client = centrifugeClient(srv.url, protocol, { token: await token("cat") });
      await connected(client);
      const closed = nextEvent(client, "disconnected");
      client.newSubscription("locked:room", { token: await subToken("dog", "locked:room") }).subscribe();
      assert.deepEqual(await closed, invalidToken);
    });

    test("an expired subscription token gets 109; the subscription fetches a fresh one and subscribes", async () => {
      const expired = await sign({ sub: "cat", channel: "locked:room", exp: unix(-60) }, secret, "HS256");
      const client = centrifugeClient(srv.url, protocol, { token: await token("cat") });
      let asked = 0;
      try {
        const { context } = await subscribed(client, "locked:room", {
          token: expired,
          getToken: async () => {
            asked += 1;
            return subToken("cat", "locked:room");
          },
        });
        assert.equal((context as { channel: string }).channel, "locked:room");
        assert.equal(asked, 1);
      } finally {
        client.disconnect();
      }
    });
  });
}

describe("a server configured with an RSA public key", () => {
  let rsaServer: TestServer;
  let pem: string;
  let privateKey: CryptoKey;
  before(async () => {
    const pair = await generateKeyPair("RS256", { extractable: true });
    pem = await exportSPKI(pair.publicKey);
    privateKey = pair.privateKey;
    rsaServer = await startTestServer({ client: { token: { rsa_public_key: pem } } });
  });
  after(() => rsaServer.close());

  for (const protocol of clientProtocols) {
    test(`over ${protocol} accepts RS256 and refuses an HS256 token keyed with its public key (3500)`, async () => {
      const good = centrifugeClient(rsaServer.url, protocol, {
        token: await sign({ sub: "rsa-user", exp: unix(3600) }, privateKey, "RS256"),
      });
      try {
        await connected(good);
      } finally {
        good.disconnect();
      }
      const forged = centrifugeClient(rsaServer.url, protocol, {
        token: await sign({ sub: "rsa-user", exp: unix(3600) }, pem, "HS256"),
      });
      const closed = nextEvent(forged, "disconnected");
      forged.connect();
      assert.deepEqual(await closed, invalidToken);
    });
  }
});

/** Waits for a condition the server reaches on its own (a refresh round trip), checking every 20 ms. */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
