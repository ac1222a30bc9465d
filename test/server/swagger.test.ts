import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import SwaggerParser from "@apidevtools/swagger-parser";
import type { Browser } from "playwright-core";
import { PublishRequestSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { httpApiMethods } from "../../src/api/http-json/method-table.js";
import { artifactDir, launchChromium } from "../helpers/browser.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

interface Document {
  basePath: string;
  paths: Record<string, { post: { tags: string[] } }>;
  definitions: Record<string, { properties: Record<string, unknown> }>;
}

let server: TestServer;
let browser: Browser | undefined;

before(async () => {
  server = await startTestServer({ swagger: { enabled: true }, channel: { namespaces: [{ name: "news" }] } });
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function fetchDocument(): Promise<Document> {
  const res = await fetch(`${server.url}/swagger/swagger.json`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  return (await res.json()) as Document;
}

test("the document is valid Swagger 2.0 and lists exactly the HTTP API methods rotor runs", async () => {
  const document = await fetchDocument();
  await SwaggerParser.validate(structuredClone(document) as never);
  assert.equal(document.basePath, "/api");
  const running = [...httpApiMethods.values()].filter((m) => m.run !== undefined).map((m) => `/${m.name}`);
  assert.deepEqual(Object.keys(document.paths).sort(), running.sort());
  assert.ok(running.includes("/map_publish") && running.includes("/publish"));
  assert.deepEqual(document.paths["/publish"]!.post.tags, ["publication"]);
});

test("a request's schema names the fields the API reads, as the HTTP JSON API spells them", async () => {
  const document = await fetchDocument();
  assert.deepEqual(
    Object.keys(document.definitions.PublishRequest!.properties).sort(),
    PublishRequestSchema.fields.map((f) => f.name).sort(),
  );
  assert.deepEqual(document.definitions.PublishRequest!.properties.data, {
    description: "any JSON value (the payload as it is)",
  });
});

test("the prefix redirects to the UI; source maps and the stock initializer are not served", async () => {
  const bare = await fetch(`${server.url}/swagger`, { redirect: "manual" });
  assert.equal(bare.status, 302);
  assert.equal(bare.headers.get("location"), "/swagger/");
  const initializer = await (await fetch(`${server.url}/swagger/swagger-initializer.js`)).text();
  assert.match(initializer, /url: "\.\/swagger\.json"/);
  assert.doesNotMatch(initializer, /petstore/);
  assert.equal((await fetch(`${server.url}/swagger/swagger-ui-bundle.js.map`)).status, 404);
});

test("Swagger UI in Chromium lists the methods and publishes with the API key", async () => {
  browser = await launchChromium();
  const page = await browser.newPage();
  await page.goto(`${server.url}/swagger/`);
  await page.locator(".opblock").first().waitFor({ timeout: 15_000 });
  const document = await fetchDocument();
  assert.equal(await page.locator(".opblock").count(), Object.keys(document.paths).length);

  await page.locator("button.authorize").first().click();
  await page.locator(".auth-container input").fill(server.apiKey);
  await page.locator(".auth-btn-wrapper button.authorize").click();
  await page.locator(".auth-btn-wrapper button.btn-done").click();

  const publish = page.locator("#operations-publication-publish");
  await publish.locator(".opblock-summary").click();
  await publish.locator("button.try-out__btn").click();
  await publish.locator("textarea.body-param__text").fill('{"channel":"news:ui","data":{"hello":"swagger"}}');
  await publish.locator("button.execute").click();
  const body = publish.locator(".live-responses-table .response-col_description pre.microlight").first();
  await body.waitFor({ timeout: 15_000 });
  const text = (await body.textContent()) ?? "";
  await page.screenshot({ path: join(artifactDir("swagger"), "publish.png"), fullPage: false });
  assert.match(text, /"result"/, `the UI's response: ${text}`);
  assert.doesNotMatch(text, /"error"/);
  assert.match(
    (await publish.locator(".live-responses-table tbody .response-col_status").first().textContent()) ?? "",
    /200/,
  );
});
