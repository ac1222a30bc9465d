import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { httpApi } from "../helpers/api-clients.js";
import { artifactDir, launchChromium } from "../helpers/browser.js";
import { centrifugeClient, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const password = "channels-password";
const secret = "channels-token-secret";
const shots = artifactDir("admin-ui");

let srv: TestServer;
let browser: Browser;
let page: Page;
const clients: ReturnType<typeof centrifugeClient>[] = [];

before(async () => {
  srv = await startTestServer({
    admin: { enabled: true, password, secret: "channels-admin-secret" },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      without_namespace: { allow_subscribe_for_client: true },
      namespaces: [
        {
          name: "chat",
          allow_subscribe_for_client: true,
          presence: true,
          join_leave: true,
          history_size: 10,
          history_ttl: "60s",
        },
      ],
    },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
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

/** A centrifuge-js client of `user` (its connection info names the user) subscribed to `channel`. */
async function subscriber(user: string, channel: string) {
  const token = await new SignJWT({ sub: user, info: { name: user.toUpperCase() } })
    .setProtectedHeader({ alg: "HS256" })
    .sign(new TextEncoder().encode(secret));
  const c = centrifugeClient(srv.url, "json", { token });
  clients.push(c);
  await subscribed(c, channel);
}

const publish = (channel: string, data: unknown) =>
  httpApi(srv.url, "publish", { channel, data }, { "X-API-Key": srv.apiKey }).then((r) =>
    assert.equal(r.status, 200, r.text),
  );

/** The table's rows as [first cell, data-field cell] pairs. */
const rows = (selector: string, field: string) =>
  page.$$eval(
    `${selector} tbody tr`,
    (trs, f) =>
      trs.map((tr) => [tr.children[0]?.textContent, tr.querySelector(`[data-field=${f}]`)?.textContent]),
    field,
  );

describe("admin web UI: channels, presence and history", () => {
  test("the channels page lists channels with their clients, filtered by a pattern", async () => {
    await subscriber("alice", "chat:room1");
    await subscriber("bob", "chat:room1");
    await subscriber("carol", "chat:room2");
    await subscriber("dave", "news");
    await page.click("nav a[href='#channels']");
    await page.waitForSelector("#channels-summary:text-is('3 channels, 4 clients')");
    assert.deepEqual(await rows("#channels", "num_clients"), [
      ["chat:room1", "2"],
      ["chat:room2", "1"],
      ["news", "1"],
    ]);
    await page.fill("#channels-pattern", "chat:*");
    await page.click("#channels-form button");
    await page.waitForSelector("#channels-summary:text-is('2 channels, 3 clients')");
    assert.deepEqual(await rows("#channels", "num_clients"), [
      ["chat:room1", "2"],
      ["chat:room2", "1"],
    ]);
    assert.equal(new URL(page.url()).hash, "#channels/chat%3A*");
    await page.screenshot({ path: join(shots, "channels.png") });
    await page.fill("#channels-pattern", "nothing:*");
    await page.click("#channels-form button");
    await page.waitForSelector("#channels-summary:text-is('0 channels, 0 clients')");
    assert.equal(await page.locator("#channels tbody tr").count(), 0);
  });

  test("a malformed pattern shows the API's error until a later request succeeds, and a link opens the channel's live view", async () => {
    await page.fill("#channels-pattern", "chat:[");
    await page.click("#channels-form button");
    await page.waitForSelector("#error:not(:empty)");
    await page.fill("#channels-pattern", "chat:*");
    await page.click("#channels-form button");
    // The request that succeeds clears the error the malformed one showed.
    await page.waitForSelector("#error:empty");
    await page.waitForSelector("#channels a:text-is('chat:room1')");
    await page.click("#channels a:text-is('chat:room1')");
    await page.waitForSelector("#live-state:has-text('watching chat:room1: live')");
    assert.equal(new URL(page.url()).hash, "#live/chat%3Aroom1");
    assert.equal(await page.inputValue("#live-channel"), "chat:room1");
  });

  test("the presence panel shows who is in the channel and follows joins", async () => {
    await page.waitForSelector("#presence-summary:text-is('2 clients, 2 users')");
    const users = () =>
      page.$$eval("#presence td[data-field=user]", (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(await users(), ["alice", "bob"]);
    assert.equal(
      await page.textContent("#presence tbody tr:nth-child(1) td:nth-child(3)"),
      '{"name":"ALICE"}',
    );
    const presence = await httpApi(
      srv.url,
      "presence",
      { channel: "chat:room1" },
      { "X-API-Key": srv.apiKey },
    );
    const ids = Object.keys((presence.body as { result: { presence: object } }).result.presence).sort();
    const shown = await page.$$eval("#presence tbody tr", (trs) => trs.map((tr) => tr.dataset.client).sort());
    assert.deepEqual(shown, ids);
    await subscriber("erin", "chat:room1");
    await page.waitForSelector("#presence-summary:text-is('3 clients, 3 users')");
    assert.deepEqual(await users(), ["alice", "bob", "erin"]);
  });

  test("the history panel shows the last publications newest first, as many as asked", async () => {
    for (let n = 1; n <= 3; n++) await publish("chat:room1", { n });
    await page.waitForSelector("#history tbody tr:nth-child(3)");
    const history = await httpApi(
      srv.url,
      "history",
      { channel: "chat:room1", limit: 1 },
      { "X-API-Key": srv.apiKey },
    );
    const { epoch } = (history.body as { result: { epoch: string } }).result;
    assert.equal(await page.textContent("#history-summary"), `offset 3, epoch ${epoch}`);
    assert.deepEqual(
      await page.$$eval("#history tbody tr", (trs) =>
        trs.map((tr) => [tr.dataset.offset, tr.children[1]?.textContent]),
      ),
      [
        ["3", '{"n":3}'],
        ["2", '{"n":2}'],
        ["1", '{"n":1}'],
      ],
    );
    await page.screenshot({ path: join(shots, "live-panels.png"), fullPage: true });
    await page.fill("#history-limit", "2");
    await page.click("#history-refresh");
    await page.waitForSelector("#history tbody tr:nth-child(3)", { state: "detached" });
    assert.deepEqual(await page.$$eval("#history tbody tr", (trs) => trs.map((tr) => tr.dataset.offset)), [
      "3",
      "2",
    ]);
  });

  test("a channel without presence or history says so in each panel", async () => {
    await page.fill("#live-channel", "news");
    await page.click("#live-form button");
    await page.waitForSelector("#live-state:has-text('watching news: live')");
    await page.waitForSelector("#presence-error:text-is('108: not available')");
    await page.waitForSelector("#history-error:text-is('108: not available')");
    assert.equal(await page.locator("#presence tbody tr").count(), 0);
    assert.equal(await page.locator("#history tbody tr").count(), 0);
    assert.equal(new URL(page.url()).hash, "#live/news");
  });

  test("markup in channel names, user names and payloads is shown as text", async () => {
    const markup = "<img src=x onerror=window.injected=1>";
    await subscriber(markup, `chat:${markup}`);
    await publish(`chat:${markup}`, markup);
    await page.click("nav a[href='#channels']");
    await page.fill("#channels-pattern", "chat:<*");
    await page.click("#channels-form button");
    await page.click(`#channels a:text-is('chat:${markup}')`);
    await page.waitForSelector("#history tbody tr");
    await page.waitForSelector("#presence tbody tr");
    assert.equal(await page.textContent("#presence td[data-field=user]"), markup);
    assert.equal(await page.textContent("#history td[data-field=data]"), JSON.stringify(markup));
    assert.equal(await page.locator("#page img").count(), 0);
    assert.equal(await page.evaluate(() => (window as { injected?: number }).injected), undefined);
  });
});
