import type { StreamPosition } from "../core/publication.js";
import { disconnects } from "../errors/disconnect.js";
import type { MapMode } from "../map-broker/types.js";
import type { MapPaging } from "../node/map-channels.js";
import type { Connection } from "./connection.js";
import type { SubscribeParams } from "./subscribe-flow.js";
import type { Reservation } from "./subscription-registry.js";

/**
 * A map subscribe between its first request and going live: the client pages
 * through the state, then the stream, each page a request of its own. The
 * flow holds the channel's reservation (so a second subscribe is 105 and the
 * channel counts toward `client.channel_limit`), the options authorised by
 * its first request, and the position frozen by the first page.
 */
export interface MapFlow {
  readonly channel: string;
  readonly reservation: Reservation;
  readonly params: SubscribeParams;
  readonly paging: MapPaging;
  readonly mode: MapMode;
  /** Frozen by the first state page, or given by a client that recovers; undefined before. */
  position: StreamPosition | undefined;
  /** The stream top when the first STREAM request came; -1 before. */
  streamStart: number;
  /** A request of this flow is being answered: another one in parallel is 113. */
  busy: boolean;
  timer: NodeJS.Timeout | undefined;
}

export type MapFlowStart = Pick<MapFlow, "channel" | "reservation" | "params" | "paging" | "mode">;

const flows = new WeakMap<Connection, Map<string, MapFlow>>();

function flowsOf(s: Connection): Map<string, MapFlow> {
  let own = flows.get(s);
  if (!own) {
    own = new Map();
    flows.set(s, own);
  }
  return own;
}

/** The connection's map subscribe in progress on this channel. */
export function mapFlow(s: Connection, channel: string): MapFlow | undefined {
  return flows.get(s)?.get(channel);
}

/**
 * Starts a flow. The state and stream phases must end within the
 * namespace's `subscribe_catch_up_timeout`: a client that stops paging is
 * disconnected with 3008, so a held reservation cannot outlive it.
 */
export function startMapFlow(s: Connection, start: MapFlowStart): MapFlow {
  const flow: MapFlow = { ...start, position: undefined, streamStart: -1, busy: false, timer: undefined };
  const timeout = start.paging.catchUpTimeout;
  if (timeout > 0) {
    flow.timer = setTimeout(() => {
      if (!s.closed && mapFlow(s, flow.channel) === flow) s.close(disconnects.slow);
    }, timeout);
    flow.timer.unref();
  }
  flowsOf(s).set(flow.channel, flow);
  return flow;
}

/** Takes the flow off the connection (it goes live, or failed); the reservation stays with the caller. */
export function detachMapFlow(s: Connection, flow: MapFlow): void {
  clearTimeout(flow.timer);
  const own = flows.get(s);
  if (own?.get(flow.channel) === flow) own.delete(flow.channel);
}

/** Ends a flow that will not go live, giving its channel back. */
export function endMapFlow(s: Connection, flow: MapFlow): void {
  detachMapFlow(s, flow);
  s.subscriptions.release(flow.reservation);
}

/** The page size of a request: `limit` ≤ 0 is the default, then clamped to the namespace's bounds. */
export function pageSize(paging: MapPaging, limit: number): number {
  const asked = limit > 0 ? limit : paging.defaultPageSize;
  return Math.min(Math.max(asked, paging.minPageSize), paging.maxPageSize);
}
