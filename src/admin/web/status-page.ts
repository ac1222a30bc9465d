import type { NodeResult } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { api } from "./api-client.js";
import { h, show } from "./dom.js";
import { createNodeHistory, series, windowMs } from "./node-history.js";
import { perSecond, ratePrefix } from "./node-rates.js";
import type { Report } from "./report.js";
import { liveWatchers, type WatcherCounts } from "./session.js";
import { trendChart } from "./trend-chart.js";

const refreshMs = 5000;

/** The trends outlive the page: coming back to Status shows the minutes before. */
const history = createNodeHistory();

function rate(node: NodeResult, prefix: string): string {
  return perSecond(node, prefix)?.toFixed(2) ?? "–";
}

function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return d > 0 ? `${d}d ${h}h` : h > 0 ? `${h}h ${m}m` : `${m}m ${seconds % 60}s`;
}

/** A node's counts without the admin UI's live-view watchers on it. */
function withoutWatchers(node: NodeResult, w: WatcherCounts): NodeResult {
  if (node.uid !== w.node) return node;
  return {
    ...node,
    numClients: node.numClients - w.clients,
    numUsers: node.numUsers - w.users,
    numSubs: node.numSubs - w.subs,
    numChannels: node.numChannels - w.channels,
  };
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
  ["Connects/s", "connect_rate", (n) => rate(n, ratePrefix.connect)],
  ["Subscribes/s", "subscribe_rate", (n) => rate(n, ratePrefix.subscribe)],
  ["API calls/s", "api_rate", (n) => rate(n, ratePrefix.api)],
  ["Messages in/s", "received_rate", (n) => rate(n, ratePrefix.received)],
  ["Messages out/s", "sent_rate", (n) => rate(n, ratePrefix.sent)],
  ["Publications/s", "publication_rate", (n) => rate(n, ratePrefix.publication)],
];

/** Each node's series as small charts over the window, from the samples kept so far. */
function renderTrends(root: HTMLElement, now: number): void {
  show(
    root,
    ...[...history.nodes].map(([uid, trend]) =>
      h(
        "section",
        { class: "node-trends", "data-node": uid },
        h("h3", {}, trend.name),
        h(
          "div",
          { class: "trend-row" },
          ...series.map((s) => {
            const chart = trendChart(s.title, trend.points.get(s.key) ?? [], now, windowMs, 3 * refreshMs);
            chart.dataset.series = s.key;
            return chart;
          }),
        ),
      ),
    ),
  );
}

/**
 * Every node of the cluster with its counts, uptime and message rates (from
 * the metrics each node aggregates over its interval), refreshed every few
 * seconds — the counts without the admin UI's own live-view watchers, which
 * Info counts as clients like any other — and below the table each node's clients, subscriptions and
 * message rates charted over the last minutes from those refreshes.
 * Returns how to stop refreshing.
 */
export function statusPage(root: HTMLElement, report: Report): () => void {
  const body = h("tbody");
  const updated = h("p", { class: "muted", id: "status-updated" });
  const trends = h("div", { id: "trends" });
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
    h("h2", {}, `Last ${windowMs / 60_000} minutes`),
    trends,
  );
  renderTrends(trends, Date.now());
  const refresh = async () => {
    try {
      const [watchers, reply] = await Promise.all([liveWatchers(), api.info({})]);
      if (reply.error) throw new Error(reply.error.message);
      report.succeeded();
      const nodes = (reply.result?.nodes ?? []).map((n) => withoutWatchers(n, watchers));
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
      const now = Date.now();
      history.add(nodes, now);
      renderTrends(trends, now);
      const left =
        watchers.clients > 0
          ? `, ${watchers.clients} live-view watcher${watchers.clients === 1 ? "" : "s"} of the admin UI not counted`
          : "";
      updated.textContent = `${nodes.length} node${nodes.length === 1 ? "" : "s"}${left}, updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      report.failed(err);
    }
  };
  void refresh();
  const timer = setInterval(refresh, refreshMs);
  return () => clearInterval(timer);
}
