import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { SignJWT } from "jose";
import type { Browser, Page } from "playwright-core";
import { httpApi } from "../helpers/api-clients.js";
import { artifactDir, launchChromium } from "../helpers/browser.js";
import { centrifugeClient, collectPublications, subscribed } from "../helpers/centrifuge-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const password = "ui-password";
const secret = "ui-token-secret";
const shots = artifactDir("admin-ui");
const token = (user: string) =>
  new SignJWT({ sub: user }).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(secret));

let srv: TestServer;
let browser: Browser;
let page: Page;
const clients: ReturnType<typeof centrifugeClient>[] = [];

before(async () => {
  srv = await startTestServer({
    admin: { enabled: true, password, secret: "ui-admin-secret" },
    node: { info_metrics_aggregate_interval: "1s" },
    client: { token: { hmac_secret_key: secret } },
    channel: {
      without_namespace: { allow_subscribe_for_client: true, join_leave: true },
      namespaces: [{ name: "scoreboard", subscription_type: "map", map: { mode: "persistent" } }],
    },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
});
after(async () => {
  for (const c of clients) c.disconnect();
  await browser?.close();
  await srv?.close();
});

/**
 * Waits for `selector` on `on` (the shared page unless given); when it does
 * not appear within `ms`, fails saying what was awaited and what the page
 * showed instead: the live view's state, the map state's note and the error line.
 */
async function waitFor(selector: string, what: string, on: Page = page, ms = 15_000): Promise<void> {
  try {
    await on.waitForSelector(selector, { timeout: ms });
  } catch (err) {
    const text = async (s: string) => JSON.stringify((await on.locator(s).allTextContents()).join(" "));
    const shown = `live state ${await text("#live-state")}, map note ${await text("#live-map-error")}, error line ${await text("#error")}`;
    throw new Error(`waited ${ms / 1000} s for ${what} (${selector}); the page shows ${shown}`, {
      cause: err,
    });
  }
}

async function client(user: string) {
  const c = centrifugeClient(srv.url, "json", { token: await token(user) });
  clients.push(c);
  return c;
}

/** The map methods through the HTTP API, each answered 200. */
const write = (method: string, body: unknown) =>
  httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey }).then((r) =>
    assert.equal(r.status, 200, r.text),
  );

/**
 * Opens a new live view from the navigation. From the live view itself the new
 * page replaces the old one only once the browser handles the hash change: an
 * input filled before that would go to the old page and be lost, so this waits
 * for the new page's empty form.
 */
async function freshLivePage(): Promise<void> {
  await page.click("nav a[href='#live']");
  await waitFor("#live-state:text-is('not watching')", "a new live view");
}

// A wait that no bounded step ends (a request without a timeout) fails the suite, naming the test it was in.
describe("admin web UI in Chromium", { timeout: 5 * 60_000 }, () => {
  test("a wrong password is refused, the right one logs in to the status page", async () => {
    await page.goto(`${srv.url}/`);
    await page.fill("#password", "wrong");
    await page.click("#login button");
    await page.waitForSelector("#login-error:has-text('Wrong password')");
    await page.screenshot({ path: join(shots, "login-refused.png") });
    await page.fill("#password", password);
    await page.click("#login button");
    await page.waitForSelector("#nodes tbody tr");
  });

  test("the status page shows the same counts as /api/info", async () => {
    for (const user of ["alice", "bob"]) await subscribed(await client(user), "news");
    await page.goto(`${srv.url}/#status`);
    await page.reload();
    await page.waitForSelector("#nodes td[data-field=num_clients]:text-is('2')");
    const info = await httpApi(srv.url, "info", {}, { "x-api-key": srv.apiKey });
    const node = (info.body as { result: { nodes: Record<string, unknown>[] } }).result.nodes[0]!;
    const cell = (field: string) => page.textContent(`#nodes td[data-field=${field}]`);
    assert.equal(await cell("name"), node.name);
    for (const field of ["num_clients", "num_users", "num_subs", "num_channels"]) {
      assert.equal(await cell(field), String(node[field] ?? 0), field);
    }
    await page.screenshot({ path: join(shots, "status.png") });
  });

  test("the status page charts each node's clients, subscriptions and message rates over the last minutes", async () => {
    const api = (method: string, body: unknown) =>
      httpApi(srv.url, method, body, { "X-API-Key": srv.apiKey });
    const info = async () =>
      ((await api("info", {})).body as { result: { nodes: Record<string, unknown>[] } }).result.nodes[0]!;
    // A page of its own (logged in: the same storage) on a paused fake clock: each refresh (every 5 s) happens
    // when the test moves the clock on.
    const context = await browser.newContext({
      storageState: await page.context().storageState(),
      viewport: { width: 1280, height: 900 },
    });
    const charts = await context.newPage();
    const start = Date.now();
    await charts.clock.install({ time: start });
    await charts.clock.pauseAt(start + 1000);
    await charts.goto(`${srv.url}/#status`);
    const node = String((await info()).uid);
    const chart = (series: string) =>
      charts.locator(`.node-trends[data-node='${node}'] figure[data-series=${series}]`);
    const samples = async (n: number) => {
      for (const series of ["clients", "subscriptions", "messages_out"]) {
        await chart(series)
          .and(charts.locator(`[data-samples='${n}']`))
          .waitFor();
      }
    };
    await samples(1);
    const before = await info();
    assert.equal(await chart("clients").getAttribute("data-last"), String(before.num_clients));
    assert.equal(await chart("subscriptions").getAttribute("data-last"), String(before.num_subs));

    // Publications to "news" go out to its subscribers all the while the clock moves on.
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        await api("publish", { channel: "news", data: { tick: Date.now() } });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await subscribed(await client("frank"), "news");
    const sent = "centrifugo.transport.messages_sent.";
    const outRate = (n: Record<string, unknown>) =>
      Object.entries((n.metrics as { items: Record<string, number> }).items)
        .filter(([key]) => key.startsWith(sent))
        .reduce((sum, [, v]) => sum + v, 0);
    while (outRate(await info()) === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    // Two minutes of refreshes, a client joining every 20 s.
    const steps = 24;
    for (let n = 2; n <= steps; n++) {
      if (n % 4 === 0) await subscribed(await client(`watcher${n}`), "news");
      await charts.clock.runFor(5000);
      await samples(n);
    }
    publishing = false;
    await publisher;

    const after = await info();
    assert.equal(await chart("clients").getAttribute("data-last"), String(after.num_clients));
    assert.equal(Number(after.num_clients), Number(before.num_clients) + 1 + steps / 4);
    assert.ok(Number(await chart("messages_out").getAttribute("data-last")) > 0);
    // One unbroken line through every sample.
    const path = (await chart("messages_out").locator("path.line").getAttribute("d")) ?? "";
    assert.match(path, /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+)+$/);
    assert.equal(path.split(" L").length, steps);
    assert.equal(await chart("clients").locator("figcaption b").textContent(), String(after.num_clients));
    await charts.screenshot({ path: join(shots, "status-charts.png"), fullPage: true });
    await context.close();
  });

  test("a publish from the actions page reaches a centrifuge-js subscriber", async () => {
    const { sub } = await subscribed(await client("carol"), "news");
    const received = collectPublications(sub);
    await page.click("nav a[href='#actions']");
    await page.selectOption("#action-method", "publish");
    await page.fill(
      "#action-request",
      JSON.stringify({ channel: "news", data: { text: "from the admin UI" } }),
    );
    await page.click("#action-send");
    await page.waitForSelector("#action-answer:has-text('\"result\"')");
    assert.deepEqual((await received.take(1))[0]?.data, { text: "from the admin UI" });
    assert.deepEqual(JSON.parse((await page.textContent("#action-answer")) ?? ""), { result: {} });
    await page.screenshot({ path: join(shots, "actions.png") });
  });

  test("the actions page runs the map methods from their example requests", async () => {
    await page.click("nav a[href='#actions']");
    const send = async (method: string) => {
      await page.selectOption("#action-method", method);
      await page.click("#action-send");
      await page.waitForSelector("#action-answer:has-text('\"result\"')");
      return JSON.parse((await page.textContent("#action-answer")) ?? "");
    };
    const published = await send("map_publish");
    assert.equal(Number(published.result.offset), 1);
    const state = await send("map_read_state");
    const { key, data, tags, offset } = state.result.entries[0];
    assert.deepEqual(
      { key, data, tags, offset: Number(offset), count: state.result.entries.length },
      { key: "player1", data: { score: 100 }, tags: { team: "red" }, offset: 1, count: 1 },
    );
    assert.deepEqual(await send("map_stats"), { result: { num_keys: 1 } });
    await page.screenshot({ path: join(shots, "actions-map.png") });
    assert.deepEqual(await send("map_clear"), { result: {} });
    assert.deepEqual(await send("map_stats"), { result: {} });
  });

  test("the live view shows a publication made with curl, and joins", async () => {
    await page.click("nav a[href='#live']");
    await page.fill("#live-channel", "news");
    await page.click("#live-form button");
    await page.waitForSelector("#live-state:has-text('live')");
    await subscribed(await client("dave"), "news");
    await page.waitForSelector("#live-events li.join:has-text('dave')");
    await promisify(execFile)("curl", [
      "-sS",
      "-X",
      "POST",
      "-H",
      `X-API-Key: ${srv.apiKey}`,
      "-d",
      '{"channel":"news","data":{"text":"sent with curl"}}',
      `${srv.url}/api/publish`,
    ]);
    await page.waitForSelector("#live-events li.publication:has-text('sent with curl')");
    await page.screenshot({ path: join(shots, "live.png") });
  });

  test("the live view of a map channel shows its keys and keeps them current", async () => {
    await write("map_publish", { channel: "scoreboard:live", key: "alice", data: { score: 3 } });
    await freshLivePage();
    await page.fill("#live-channel", "scoreboard:live");
    await page.click("#live-form button");
    await waitFor("#live-map tr[data-key='alice']:has-text('3')", "the key read from the map's state");
    await write("map_publish", { channel: "scoreboard:live", key: "bob", data: { score: 7 } });
    await write("map_publish", { channel: "scoreboard:live", key: "alice", data: { score: 4 } });
    await waitFor("#live-map tr[data-key='bob']:has-text('7')", "a key added live");
    await waitFor("#live-map tr[data-key='alice']:has-text('4')", "a key changed live");
    await write("map_remove", { channel: "scoreboard:live", key: "bob" });
    await page.waitForSelector("#live-map tr[data-key='bob']", { state: "detached", timeout: 15_000 });
    assert.equal(await page.locator("#live-map caption").textContent(), "1 key");
    await waitFor("#live-events li.publication:has-text('key \"bob\" removed')", "the removal in the events");
    await page.screenshot({ path: join(shots, "live-map.png") });
  });

  test("a failed read of a map's state shows its error and is read again until it succeeds", async () => {
    await write("map_publish", { channel: "scoreboard:retry", key: "carol", data: { score: 5 } });
    const reads = "**/centrifugal.centrifugo.api.CentrifugoApi/MapReadState";
    let failed = 0;
    await page.route(reads, (route) => (++failed <= 2 ? route.abort() : route.continue()));
    await freshLivePage();
    await page.fill("#live-channel", "scoreboard:retry");
    await page.click("#live-form button");
    await waitFor(
      "#live-map-error:has-text('map state not read: trying again in')",
      "the failed read's retry note",
    );
    await waitFor(`#error:has-text('map state of "scoreboard:retry" not read')`, "the failed read's error");
    await waitFor("#live-map tr[data-key='carol']:has-text('5')", "the key read by a retry");
    await page.unroute(reads);
    assert.equal(failed, 3);
    assert.equal(await page.textContent("#live-map-error"), "");
    assert.equal(await page.textContent("#error"), "");
  });

  test("at most four tabs of one browser hold a live stream, so the others' pages and reads still load", async () => {
    const context = await browser.newContext({ storageState: await page.context().storageState() });
    try {
      const tabs: Page[] = [];
      for (let i = 0; i < 5; i++) {
        const tab = await context.newPage();
        await tab.goto(`${srv.url}/#live/tab${i}`);
        tabs.push(tab);
      }
      for (const [i, tab] of tabs.slice(0, 4).entries()) {
        await waitFor(`#live-state:has-text('watching tab${i}: live')`, `tab ${i} going live`, tab);
      }
      const fifth = tabs[4]!;
      await waitFor(
        "#live-state:has-text('waiting: 4 other tabs')",
        "the fifth tab waiting for a stream",
        fifth,
      );
      // The six connections a browser keeps to a server are not all held: a sixth and a seventh tab load and read.
      for (const hash of ["#status", "#channels"]) {
        const tab = await context.newPage();
        await tab.goto(`${srv.url}/${hash}`, { timeout: 15_000 });
        await waitFor(
          hash === "#status" ? "#nodes tbody tr" : "#channels-summary:not(:empty)",
          `the ${hash} page's read`,
          tab,
        );
      }
      await tabs[0]!.close();
      await waitFor(
        "#live-state:has-text('watching tab4: live')",
        "the waiting tab going live once a tab closed",
        fifth,
      );
    } finally {
      await context.close();
    }
  });

  test("a failed status refresh shows its error, and the next refresh that succeeds clears it", async () => {
    await page.goto(`${srv.url}/#status`);
    await page.waitForSelector("#nodes tbody tr");
    await page.route("**/centrifugal.centrifugo.api.CentrifugoApi/Info", (route) => route.abort());
    await page.reload();
    await page.waitForSelector("#error:not(:empty)");
    await page.unroute("**/centrifugal.centrifugo.api.CentrifugoApi/Info");
    // The page refreshes every 5 s: the first refresh that reaches the server clears the error.
    await page.waitForSelector("#error:empty", { timeout: 10_000 });
    await page.waitForSelector("#nodes tbody tr");
  });

  test("the live view names a channel in no configured namespace as unknown, and watches a known one after", async () => {
    await page.goto(`${srv.url}/#live/nope%3Aroom`);
    await page.reload();
    await page.waitForSelector("#live-state:has-text('unknown channel')");
    assert.equal(
      await page.textContent("#live-state"),
      'not watching: 102: unknown channel "nope:room": its namespace is not configured',
    );
    await page.screenshot({ path: join(shots, "live-unknown.png") });
    await page.fill("#live-channel", "news");
    await page.click("#live-form button");
    await page.waitForSelector("#live-state:has-text('watching news: live')");
  });

  test("the status page does not count the admin UI's own live-view watchers", async () => {
    const context = await browser.newContext({ storageState: await page.context().storageState() });
    const watcher = await context.newPage();
    await watcher.goto(`${srv.url}/#live/watched-alone`);
    await watcher.waitForSelector("#live-state:has-text('watching watched-alone: live')");
    await page.goto(`${srv.url}/#status`);
    await page.reload();
    await page.waitForSelector("#status-updated:has-text('1 live-view watcher')");
    const info = await httpApi(srv.url, "info", {}, { "x-api-key": srv.apiKey });
    const node = (info.body as { result: { nodes: Record<string, number>[] } }).result.nodes[0]!;
    const cell = async (field: string) => Number(await page.textContent(`#nodes td[data-field=${field}]`));
    // Info counts the watcher (one client, user, subscription, and the channel only it is in); the page does not.
    for (const field of ["num_clients", "num_users", "num_subs", "num_channels"]) {
      assert.equal(await cell(field), (node[field] ?? 0) - 1, field);
    }
    await context.close();
    await page.reload();
    await page.waitForSelector("#status-updated:not(:has-text('watcher'))");
    const after = await httpApi(srv.url, "info", {}, { "x-api-key": srv.apiKey });
    const same = (after.body as { result: { nodes: Record<string, number>[] } }).result.nodes[0]!;
    assert.equal(await cell("num_clients"), same.num_clients);
  });

  test("a session that is no longer valid leads back to the login page", async () => {
    await page.goto(`${srv.url}/#status`);
    await page.waitForSelector("#nodes tbody tr");
    await page.evaluate(() => localStorage.setItem("token", "no-longer-valid"));
    await page.click("nav a[href='#channels']");
    await page.waitForSelector("#login-error:text-is('Your session ended: log in again.')");
    await page.fill("#password", password);
    await page.click("#login button");
    await page.waitForSelector("#channels-summary:not(:empty)");
  });
});
