import type { Registry } from "prom-client";
import { metricKinds, type TallyCell } from "./metric-kinds.js";

/** What the node-level gauges read, at scrape time only. */
export interface NodeCounts {
  readonly numClients: number;
  readonly numUsers: number;
  readonly numSubs: number;
  readonly numChannels: number;
  readonly numNodes: number;
}

/** Node actions Centrifugo counts in `centrifugo_node_action_count`. */
export type NodeAction =
  | "add_client"
  | "remove_client"
  | "add_subscription"
  | "remove_subscription"
  | "add_presence"
  | "remove_presence"
  | "presence"
  | "presence_stats"
  | "history"
  | "history_recover"
  | "history_recover_cache"
  | "history_remove"
  | "broker_subscribe"
  | "broker_unsubscribe"
  | "survey"
  | "notify"
  | "map_publish"
  | "map_remove"
  | "map_state_read"
  | "map_stream_read"
  | "map_stream_position"
  | "map_stats"
  | "map_clear"
  | "map_broker_subscribe"
  | "map_broker_unsubscribe";

/** Message types a node sends to and receives from its broker. */
export type BrokerMessageType = "publication" | "join" | "leave" | "control";

/** Map changes a node sends to its map broker; they come back as publications. */
export type MapMessageType = "map_publication" | "map_removal";

/**
 * The `centrifugo_node_*` metrics. The gauges cost nothing between scrapes:
 * they read the node's counts when Prometheus asks. Counters and histograms
 * are bumped once per broker message or per action, never per subscriber.
 */
export function createNodeMetrics(registry: Registry, version: string) {
  const m = metricKinds(registry, "node");
  let counts: (() => NodeCounts) | undefined;
  const gauge = (name: string, help: string, pick: (c: NodeCounts) => number) =>
    m.gauge(name, help, [], function collect() {
      if (counts) this.set(pick(counts()));
    });
  gauge("num_clients", "Number of clients connected to this node.", (c) => c.numClients);
  gauge("num_users", "Number of unique users connected to this node.", (c) => c.numUsers);
  gauge("num_subscriptions", "Number of subscriptions on this node.", (c) => c.numSubs);
  gauge(
    "num_channels",
    "Number of channels with at least one subscriber on this node.",
    (c) => c.numChannels,
  );
  gauge("num_nodes", "Number of nodes in the cluster.", (c) => c.numNodes);
  m.gauge("build", "Node build info.", ["version"]).set({ version: version || "_" }, 1);

  const actionCell = m.tallyCounter("action_count", "Number of node actions.", [
    "action",
    "channel_namespace",
  ]);
  const actions = new Map<NodeAction, TallyCell>();
  const types: BrokerMessageType[] = ["publication", "join", "leave", "control"];
  const sentCell = m.tallyCounter("messages_sent_count", "Number of messages sent by node to broker.", [
    "type",
    "channel_namespace",
  ]);
  const receivedCell = m.tallyCounter(
    "messages_received_count",
    "Number of messages received by node from broker.",
    ["type", "channel_namespace"],
  );
  const sentTypes: (BrokerMessageType | MapMessageType)[] = [...types, "map_publication", "map_removal"];
  const sent = new Map(sentTypes.map((type) => [type, sentCell({ type, channel_namespace: "" })]));
  const received = new Map(types.map((type) => [type, receivedCell({ type, channel_namespace: "" })]));
  const broadcast = m
    .tallyHistogram("broadcast_duration_seconds", "Broadcast duration in seconds.", [
      "type",
      "channel_namespace",
    ])
    .cell({ type: "publication", channel_namespace: "" });
  const surveySummary = m.summary("survey_duration_seconds", "Survey duration in seconds.", ["op"]);
  const surveyHistogram = m.histogram("survey_duration_seconds_histogram", "Survey duration in seconds.", [
    "op",
  ]);
  const connectionLimit = m.counter(
    "client_connection_limit",
    "Number of refused requests due to node client connection limit.",
  );
  const tagsFilterDropped = m.tallyCounter(
    "tags_filter_dropped_publications",
    "Number of publications dropped by subscribers' tags filters.",
    ["channel_namespace"],
  )({ channel_namespace: "" });
  const lag = m
    .tallyHistogram("pub_sub_lag_seconds", "Pub sub lag in seconds.", ["channel_namespace"])
    .cell({ channel_namespace: "" });
  const http = m.counter("incoming_http_requests_total", "Number of incoming HTTP requests.", [
    "path",
    "method",
    "status",
  ]);

  return {
    /** Where the gauges read their values from (the node, once it exists). */
    watch(source: () => NodeCounts): void {
      counts = source;
    },
    /** `count` actions of one kind (a batched broker subscribe counts each channel). */
    action(action: NodeAction, count = 1): void {
      let cell = actions.get(action);
      if (!cell) {
        cell = actionCell({ action, channel_namespace: "" });
        actions.set(action, cell);
      }
      cell.value += count;
    },
    sent(type: BrokerMessageType | MapMessageType): void {
      sent.get(type)!.value += 1;
    },
    received(type: BrokerMessageType): void {
      received.get(type)!.value += 1;
    },
    /** One publication handed to every local subscriber, in seconds. */
    broadcast(seconds: number): void {
      broadcast.observe(seconds);
    },
    /** One survey of the other nodes (channels, presence…), in seconds. */
    survey(op: string, seconds: number): void {
      surveySummary.observe({ op }, seconds);
      surveyHistogram.observe({ op }, seconds);
    },
    /** One HTTP response, with `prometheus.instrument_http_handlers`. */
    httpRequest(path: string, method: string, status: number): void {
      http.inc({ path, method, status: String(status) });
    },
    /** A connection refused because the node holds `client.connection_limit` clients. */
    connectionLimited(): void {
      connectionLimit.inc();
    },
    /** Subscribers whose tags filter rejected one broadcast publication. */
    tagsFilterDropped(count: number): void {
      tagsFilterDropped.value += count;
    },
    /** How long a publication took from the publishing node to this one through the broker. */
    pubSubLag(seconds: number): void {
      lag.observe(seconds);
    },
  };
}

export type NodeMetrics = ReturnType<typeof createNodeMetrics>;
