import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { httpApi } from "../helpers/api-clients.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

let native: TestServer;
let classic: TestServer;
before(async () => {
  native = await startTestServer({ prometheus: { enabled: true, native_histograms: true } });
  classic = await startTestServer({ prometheus: { enabled: true } });
});
after(async () => {
  await native?.close();
  await classic?.close();
});

/** One API publish, then the server's /metrics text. */
async function exposition(srv: TestServer): Promise<string> {
  const res = await httpApi(
    srv.url,
    "publish",
    { channel: "news", data: { n: 1 } },
    { "X-API-Key": srv.apiKey },
  );
  assert.equal(res.status, 200, res.text);
  return (await fetch(`${srv.url}/metrics`)).text();
}

const histogram = "centrifugo_api_command_duration_seconds_histogram";
const bucketLines = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.startsWith(`${histogram}_bucket{`) && line.includes('method="publish"'));

test("prometheus.native_histograms: histograms lose their explicit buckets and the deprecated summaries go", async () => {
  const text = await exposition(native);
  assert.match(text, new RegExp(`^# TYPE ${histogram} histogram$`, "m"));
  const buckets = bucketLines(text);
  assert.equal(buckets.length, 1, buckets.join("\n"));
  assert.match(buckets[0]!, /^[^{]+\{le="\+Inf",[^}]*\} 1$/);
  assert.match(text, new RegExp(`^${histogram}_count\\{[^}]*method="publish"[^}]*\\} 1$`, "m"));
  for (const summary of [
    "centrifugo_api_command_duration_seconds",
    "centrifugo_api_rpc_duration_seconds",
    "centrifugo_client_command_duration_seconds",
    "centrifugo_node_survey_duration_seconds",
    "centrifugo_proxy_duration_seconds",
  ])
    assert.doesNotMatch(text, new RegExp(`^# TYPE ${summary} summary$`, "m"), summary);
});

test("without it, the same histogram has its explicit buckets and the summaries are there", async () => {
  const text = await exposition(classic);
  assert.ok(bucketLines(text).length > 10);
  assert.match(text, /^# TYPE centrifugo_api_command_duration_seconds summary$/m);
});
