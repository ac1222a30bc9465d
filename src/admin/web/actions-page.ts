import { type DescMethod, fromJson, toJson } from "@bufbuild/protobuf";
import { CentrifugoApi } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { api } from "./api-client.js";
import { h, show } from "./dom.js";
import { fromProtoJson, toProtoJson } from "./raw-json.js";
import type { Report } from "./report.js";

/**
 * Every OSS server API method with a request to start from, in Centrifugo's
 * HTTP API JSON; the map methods need a map namespace (`scoreboard` here),
 * shared_poll_publish a versioned shared poll one with `publish_enabled` (`scores`).
 */
const examples: Record<string, unknown> = {
  publish: { channel: "news", data: { text: "hello" } },
  broadcast: { channels: ["news", "updates"], data: { text: "hello" } },
  subscribe: { user: "alice", channel: "news" },
  unsubscribe: { user: "alice", channel: "news" },
  disconnect: { user: "alice", disconnect: { code: 4000, reason: "bye" } },
  refresh: { user: "alice", expired: true },
  presence: { channel: "news" },
  presence_stats: { channel: "news" },
  history: { channel: "news", limit: 10 },
  history_remove: { channel: "news" },
  channels: { pattern: "*" },
  info: {},
  rpc: { method: "ping", params: {} },
  map_publish: { channel: "scoreboard:main", key: "player1", data: { score: 100 }, tags: { team: "red" } },
  map_remove: { channel: "scoreboard:main", key: "player1" },
  map_read_state: { channel: "scoreboard:main", limit: 100 },
  map_read_stream: { channel: "scoreboard:main", limit: 10 },
  map_stats: { channel: "scoreboard:main" },
  map_clear: { channel: "scoreboard:main" },
  shared_poll_publish: { channel: "scores:live", key: "match1", data: { home: 1 }, version: 2, epoch: "" },
  batch: { commands: [{ publish: { channel: "news", data: { n: 1 } } }] },
};

const snake = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
const methods = new Map(CentrifugoApi.methods.map((m) => [snake(m.name), m]));

async function call(method: DescMethod, requestJson: unknown): Promise<unknown> {
  const request = fromJson(method.input, toProtoJson(method.input, requestJson) as never);
  const run = (api as unknown as Record<string, (r: unknown) => Promise<never>>)[method.localName]!;
  const response = await run(request);
  return fromProtoJson(method.output, toJson(method.output, response, { useProtoFieldName: true }));
}

/**
 * A form for each OSS server API method: the request as JSON (payloads as
 * JSON values, as in Centrifugo's HTTP API), sent over Connect with the typed
 * client, and the JSON answer.
 */
export function actionsPage(root: HTMLElement, report: Report): void {
  const select = h(
    "select",
    { id: "action-method" },
    ...Object.keys(examples).map((m) => h("option", { value: m }, m)),
  );
  const request = h("textarea", { id: "action-request", rows: "10", spellcheck: "false" });
  const answer = h("pre", { id: "action-answer" });
  const send = h("button", { id: "action-send", type: "submit" }, "Send");
  const fill = () => {
    request.value = JSON.stringify(examples[select.value], null, 2);
  };
  select.addEventListener("change", fill);
  fill();
  const form = h("form", { class: "action" }, h("label", {}, "Method ", select), request, send);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    answer.textContent = "…";
    try {
      const result = await call(methods.get(select.value)!, JSON.parse(request.value));
      answer.textContent = JSON.stringify(result, null, 2);
      report.succeeded();
    } catch (err) {
      answer.textContent = String(err);
      report.failed(err);
    }
  });
  show(root, h("h2", {}, "Actions"), form, h("h3", {}, "Answer"), answer);
}
