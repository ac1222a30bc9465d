import type { Registry } from "prom-client";
import { codeLabel } from "./code-label.js";
import { commandBuckets, metricKinds, type TallyCell } from "./metric-kinds.js";
import type { NodeMetrics } from "./node-metrics.js";

type ConnectionLabels = Record<"transport" | "accept_protocol" | "client_name" | "client_version", string>;

/** Where the subscriptions of clients of one `client_name` are counted. */
interface SubscriptionCells {
  readonly accepted: TallyCell;
  readonly inflight: TallyCell;
}

/** Where one kind of connection is counted, and the `client_name` its subscriptions are counted by. */
interface ConnectionCells {
  readonly accepted: TallyCell;
  readonly inflight: TallyCell;
  readonly clientName: string;
}

/** Transports whose disconnects travel as a close frame, counted in `transport_outgoing_close_count`. */
const closeFrameTransports = new Set(["websocket", "uni_websocket"]);

/**
 * The `centrifugo_client_*` and `centrifugo_transport_*` metrics, counted per
 * connection event and per command. Publications, joins and leaves fanned
 * out to many subscribers are counted once per broadcast (see channel-tally).
 * OSS Centrifugo registers no client names, so `client_name` is `unnamed`
 * or `unregistered`, and `client_version` `unversioned` or `unregistered`.
 */
export function createClientMetrics(
  registry: Registry,
  node: NodeMetrics,
  options: { recoveredHistogram: boolean },
) {
  const c = metricKinds(registry, "client");
  const t = metricKinds(registry, "transport");
  const connectionLabels = ["transport", "accept_protocol", "client_name", "client_version"] as const;
  const accepted = c.tallyCounter(
    "connections_accepted",
    "Number of accepted connections.",
    connectionLabels,
  );
  const inflight = c.tallyGauge("connections_inflight", "Number of inflight connections.", connectionLabels);
  const subscriptionLabels = ["client_name", "channel_namespace"] as const;
  const subsAccepted = c.tallyCounter(
    "subscriptions_accepted",
    "Number of accepted subscriptions.",
    subscriptionLabels,
  );
  const subsInflight = c.tallyGauge(
    "subscriptions_inflight",
    "Number of inflight subscriptions.",
    subscriptionLabels,
  );
  const commandSummary = c.summary("command_duration_seconds", "Client command duration summary.", [
    "method",
    "channel_namespace",
  ]);
  const commandHistogram = c.histogram(
    "command_duration_seconds_histogram",
    "Client command duration histogram.",
    ["method", "channel_namespace"],
    commandBuckets,
  );
  const replyErrors = c.counter("num_reply_errors", "Number of errors in replies sent to clients.", [
    "method",
    "code",
    "channel_namespace",
  ]);
  const unsubscribes = c.counter("num_server_unsubscribes", "Number of server initiated unsubscribes.", [
    "code",
    "channel_namespace",
  ]);
  const disconnects = c.counter("num_server_disconnects", "Number of server initiated disconnects.", [
    "code",
  ]);
  const recovers = c.counter("recover", "Count of recover operations.", [
    "recovered",
    "channel_namespace",
    "has_recovered_publications",
  ]);
  const recoveredPublications = options.recoveredHistogram
    ? c.histogram(
        "recovered_publications",
        "Number of publications recovered during subscription recovery.",
        ["channel_namespace"],
      )
    : undefined;
  const pingPong = c.histogram("ping_pong_duration_seconds", "Ping/Pong duration in seconds.", ["transport"]);
  const frameLabels = ["transport", "frame_type", "channel_namespace"] as const;
  const frames = (name: string, help: string) => {
    const cellOf = t.tallyCounter(name, help, frameLabels);
    const cells = new Map<string, { value: number }>();
    return (transport: string, frameType: string) => {
      const key = `${transport} ${frameType}`;
      let cell = cells.get(key);
      if (!cell) {
        cell = cellOf({ transport, frame_type: frameType, channel_namespace: "" });
        cells.set(key, cell);
      }
      return cell;
    };
  };
  const sentCell = frames(
    "messages_sent",
    "Number of messages sent to client connections over specific transport.",
  );
  const sentSizeCell = frames("messages_sent_size", "Size in bytes of messages sent to client connections.");
  const receivedCell = frames("messages_received", "Number of messages received from client connections.");
  const receivedSizeCell = frames(
    "messages_received_size",
    "Size in bytes of messages received from clients.",
  );
  const closes = t.counter("outgoing_close_count", "Number of close frames sent to client connections.", [
    "transport",
    "code",
  ]);

  /** The subscription cells of clients by `client_name`. */
  const subscriptionCells = new Map<string, SubscriptionCells>();
  const subscriptionsOf = (client_name: string): SubscriptionCells => {
    let cells = subscriptionCells.get(client_name);
    if (!cells) {
      const labels = { client_name, channel_namespace: "" };
      cells = { accepted: subsAccepted(labels), inflight: subsInflight(labels) };
      subscriptionCells.set(client_name, cells);
    }
    return cells;
  };
  /** The cells one kind of connection counts in, made once per kind (transport, named or not, versioned or not). */
  const kinds = new Map<string, ConnectionCells>();
  const cellsOf = (transport: string, name: string, version: string): ConnectionCells => {
    const client_name = name ? "unregistered" : "unnamed";
    const client_version = version ? "unregistered" : "unversioned";
    const key = `${transport} ${client_name} ${client_version}`;
    let cells = kinds.get(key);
    if (!cells) {
      const labels: ConnectionLabels = { transport, accept_protocol: "", client_name, client_version };
      cells = { accepted: accepted(labels), inflight: inflight(labels), clientName: client_name };
      kinds.set(key, cells);
    }
    return cells;
  };
  /** A client's cells, kept after it disconnects for the unsubscribes that follow. */
  const cellsOfClient = new WeakMap<object, ConnectionCells>();
  const live = new WeakSet<object>();
  const subscriptionsOfClient = (client: object) =>
    subscriptionsOf(cellsOfClient.get(client)?.clientName ?? "unnamed");

  return {
    /** A connection authenticated: counted by transport and by what it says it is. */
    connected(client: object, transport: string, name: string, version: string): void {
      const cells = cellsOf(transport, name, version);
      cellsOfClient.set(client, cells);
      live.add(client);
      cells.accepted.value += 1;
      cells.inflight.value += 1;
      node.action("add_client");
    },
    disconnected(client: object): void {
      if (!live.delete(client)) return;
      cellsOfClient.get(client)!.inflight.value -= 1;
      node.action("remove_client");
    },
    subscribed(client: object): void {
      const cells = subscriptionsOfClient(client);
      cells.accepted.value += 1;
      cells.inflight.value += 1;
      node.action("add_subscription");
    },
    unsubscribed(client: object): void {
      subscriptionsOfClient(client).inflight.value -= 1;
      node.action("remove_subscription");
    },
    /** A command arrived: `bytes` is its share of the frame that carried it. */
    received(transport: string, method: string, bytes: number): void {
      receivedCell(transport, method).value += 1;
      receivedSizeCell(transport, method).value += bytes;
    },
    /** A command was handled, successfully or with an error reply. */
    command(method: string, seconds: number): void {
      const labels = { method, channel_namespace: "" };
      commandSummary.observe(labels, seconds);
      commandHistogram.observe(labels, seconds);
    },
    replyError(method: string, code: number): void {
      replyErrors.inc({ method, code: codeLabel("error", code), channel_namespace: "" });
    },
    /** A reply or push written to one connection. */
    sent(transport: string, frameType: string, bytes: number): void {
      sentCell(transport, frameType).value += 1;
      sentSizeCell(transport, frameType).value += bytes;
    },
    /** One broadcast was rejected by `count` subscribers' tags filters (delta subscribers get it anyway). */
    tagsFilterDropped(count: number): void {
      node.tagsFilterDropped(count);
    },
    /** One broadcast reached `count` connections of a transport. */
    broadcastSent(transport: string, frameType: string, count: number): void {
      sentCell(transport, frameType).value += count;
    },
    serverDisconnect(transport: string, code: number): void {
      const label = codeLabel("disconnect", code);
      disconnects.inc({ code: label });
      if (closeFrameTransports.has(transport)) closes.inc({ transport, code: label });
    },
    serverUnsubscribe(code: number): void {
      unsubscribes.inc({ code: codeLabel("unsubscribe", code), channel_namespace: "" });
    },
    recover(recovered: boolean, publications: number): void {
      const has = publications > 0 ? "yes" : "no";
      recovers.inc({
        recovered: recovered ? "yes" : "no",
        channel_namespace: "",
        has_recovered_publications: has,
      });
      node.action("history_recover");
      if (recovered) recoveredPublications?.observe({ channel_namespace: "" }, publications);
    },
    pingPong(transport: string, seconds: number): void {
      pingPong.observe({ transport }, seconds);
    },
  };
}

export type ClientMetrics = ReturnType<typeof createClientMetrics>;
