import type { NodeResult } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { api } from "./api-client.js";
import { h, show } from "./dom.js";

const refreshMs = 5000;

/** Sum of the aggregated counts whose key starts with `prefix`, per second of the node's interval. */
function rate(node: NodeResult, prefix: string): string {
  const m = node.metrics;
  if (!m || m.interval <= 0) return "–";
  let total = 0;
  for (const [key, value] of Object.entries(m.items)) if (key.startsWith(prefix)) total += value;
  return (total / m.interval).toFixed(2);
}

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

/** The columns: a header, and how a node fills it (`field` names the cell for tests and styles). */
const columns: [string, string, (n: NodeResult) => string][] = [
  ["Node", "name", (n) => n.name],
  ["Version", "version", (n) => n.version],
  ["Uptime", "uptime", (n) => uptime(n.uptime)],
  ["Clients", "num_clients", (n) => String(n.numClients)],
  ["Users", "num_users", (n) => String(n.numUsers)],
  ["Subscriptions", "num_subs", (n) => String(n.numSubs)],
  ["Channels", "num_channels", (n) => String(n.numChannels)],
  [
    "Connects/s",
    "connect_rate",
    (n) => rate(n, "centrifugo.client.command_duration_seconds.count.method.connect"),
  ],
  [
    "Subscribes/s",
    "subscribe_rate",
    (n) => rate(n, "centrifugo.client.command_duration_seconds.count.method.subscribe"),
  ],
  ["API calls/s", "api_rate", (n) => rate(n, "centrifugo.api.command_duration_seconds.count.")],
  ["Messages in/s", "received_rate", (n) => rate(n, "centrifugo.transport.messages_received.")],
  ["Messages out/s", "sent_rate", (n) => rate(n, "centrifugo.transport.messages_sent.")],
  [
    "Publications/s",
    "publication_rate",
    (n) => rate(n, "centrifugo.node.messages_sent_count.type.publication"),
  ],
];

/**
 * Every node of the cluster with its counts, uptime and message rates (from
 * the metrics each node aggregates over its interval), refreshed every few
 * seconds. Returns how to stop refreshing.
 */
export function statusPage(root: HTMLElement, onError: (err: unknown) => void): () => void {
  const body = h("tbody");
  const updated = h("p", { class: "muted", id: "status-updated" });
  show(
    root,
    h("h2", {}, "Status"),
    h(
      "div",
      { id: "nodes-scroll" },
      h(
        "table",
        { id: "nodes" },
        h("thead", {}, h("tr", {}, ...columns.map(([title]) => h("th", {}, title)))),
        body,
      ),
    ),
    updated,
  );
  const refresh = async () => {
    try {
      const reply = await api.info({});
      if (reply.error) throw new Error(reply.error.message);
      const nodes = reply.result?.nodes ?? [];
      show(
        body,
        ...nodes.map((n) =>
          h(
            "tr",
            { "data-node": n.uid },
            ...columns.map(([, field, cell]) => h("td", { "data-field": field }, cell(n))),
          ),
        ),
      );
      updated.textContent = `${nodes.length} node${nodes.length === 1 ? "" : "s"}, updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      onError(err);
    }
  };
  void refresh();
  const timer = setInterval(refresh, refreshMs);
  return () => clearInterval(timer);
}
