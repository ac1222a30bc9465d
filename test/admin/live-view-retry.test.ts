import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { httpApi } from "../helpers/api-clients.js";
import { launchChromium } from "../helpers/browser.js";
import { centrifugeClient, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const password = "retry-password";
const secret = "retry-token-secret";

let srv: TestServer;
let browser: Browser;
let page: Page;
const clients: ReturnType<typeof centrifugeClient>[] = [];

before(async () => {
  srv = await startTestServer({
    admin: { enabled: true, password, secret: "retry-admin-secret" },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      without_namespace: { allow_subscribe_for_client: true },
      namespaces: [{ name: "chat", allow_subscribe_for_client: true, presence: true, join_leave: true }],
    },
  });
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${srv.url}/`);
  await page.fill("#password", password);
  await page.click("#login button");
  await page.waitForSelector("#nodes tbody tr");
});
after(async () => {
  for (const c of clients) c.disconnect();
  await browser?.close();
  await srv?.close();
});

/** One server API call over HTTP, answered 200. */
const call = (method: string, body: unknown) =>
  httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey }).then((r) =>
    assert.equal(r.status, 200, r.text),
  );

/** Opens the live view of `channel` and waits until its stream is live. */
async function watchLive(channel: string): Promise<void> {
  await page.goto(`${srv.url}/#live/${encodeURIComponent(channel)}`);
  await page.reload();
  await page.waitForSelector(`#live-state:text-is('watching ${channel}: live')`, { timeout: 15_000 });
}

async function join(user: string, channel: string) {
  const token = await new SignJWT({ sub: user })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
  const c = centrifugeClient(srv.url, "json", { token });
  clients.push(c);
  await subscribed(c, channel);
}

describe("the admin UI's live view when its stream ends", () => {
  test("a stream the server ends with a reconnect code is started again, and publications show after it", async () => {
    await watchLive("blip");
    await call("disconnect", { user: "rotor-admin", disconnect: { code: 4000, reason: "blip" } });
    await page.waitForSelector("#live-events li.disconnect:has-text('4000 blip')");
    await page.waitForSelector("#live-events li.gap");
    await page.waitForSelector("#live-state:text-is('watching blip: live')", { timeout: 15_000 });
    await call("publish", { channel: "blip", data: { after: "the blip" } });
    await page.waitForSelector("#live-events li.publication:has-text('the blip')");
  });

  test("a terminal disconnect code stops watching and says why", async () => {
    await watchLive("closed");
    await call("disconnect", { user: "rotor-admin", disconnect: { code: 4500, reason: "go away" } });
    await page.waitForSelector("#live-state:text-is('not watching: disconnected (4500 go away)')");
    await sleep(1500);
    assert.equal(await page.textContent("#live-state"), "not watching: disconnected (4500 go away)");
  });

  test("a stream that fails while the server is unreachable is tried again until it is back", async () => {
    const stream = "**/admin/live/**";
    await watchLive("outage");
    await page.route(stream, (route) => route.abort());
    await call("disconnect", { user: "rotor-admin", disconnect: { code: 4000, reason: "outage" } });
    await page.waitForSelector("#live-state:has-text('stream failed: watching outage again in')", {
      timeout: 15_000,
    });
    await page.unroute(stream);
    await page.waitForSelector("#live-state:text-is('watching outage: live')", { timeout: 15_000 });
    await page.waitForSelector("#error:empty");
  });

  test("after the live view is left, a presence read a join asked for is not made", async () => {
    await watchLive("chat:left");
    let reads = 0;
    page.on("request", (r) => {
      if (r.url().endsWith("/CentrifugoApi/Presence")) reads++;
    });
    // Two joins within the panels' 1 s gap: the second asks for a read after the gap.
    await join("ann", "chat:left");
    await join("bob", "chat:left");
    await page.waitForSelector("#live-events li.join:has-text('bob')");
    await page.click("nav a[href='#status']");
    const left = reads;
    await sleep(1500);
    assert.equal(reads, left, "presence reads made after the live view was left");
  });
});
