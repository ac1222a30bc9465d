import type { NodeResult } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { perSecond, ratePrefix } from "./node-rates.js";

/** How far back the charts reach. */
export const windowMs = 5 * 60_000;

/** One charted quantity of a node: its key, its title, and how an Info sample gives it. */
export interface Series {
  readonly key: string;
  readonly title: string;
  readonly value: (node: NodeResult) => number | undefined;
}

export const series: readonly Series[] = [
  { key: "clients", title: "Clients", value: (n) => n.numClients },
  { key: "subscriptions", title: "Subscriptions", value: (n) => n.numSubs },
  { key: "messages_in", title: "Messages in/s", value: (n) => perSecond(n, ratePrefix.received) },
  { key: "messages_out", title: "Messages out/s", value: (n) => perSecond(n, ratePrefix.sent) },
];

/** A value at a time (ms since the epoch). */
export interface Point {
  readonly t: number;
  readonly v: number;
}

/** What the page remembers of one node: its name and, per series key, the samples in the window. */
interface NodeTrend {
  name: string;
  readonly points: Map<string, Point[]>;
}

/**
 * The Info samples of the last few minutes, per node, kept for as long as
 * the page is open (leaving the status page and coming back keeps the
 * trend; the time away is a gap). Samples older than the window are
 * dropped, and a node with none left is forgotten: memory stays bounded by
 * the window whatever the uptime.
 */
export function createNodeHistory() {
  const nodes = new Map<string, NodeTrend>();
  return {
    nodes,
    /** Adds one Info answer taken at `now`. */
    add(sample: readonly NodeResult[], now: number): void {
      for (const node of sample) {
        const trend = nodes.get(node.uid) ?? { name: node.name, points: new Map() };
        nodes.set(node.uid, trend);
        trend.name = node.name;
        for (const s of series) {
          const v = s.value(node);
          if (v === undefined) continue;
          const points = trend.points.get(s.key) ?? [];
          trend.points.set(s.key, points);
          points.push({ t: now, v });
        }
      }
      for (const [uid, trend] of nodes) {
        let left = 0;
        for (const points of trend.points.values()) {
          const first = points.findIndex((p) => p.t >= now - windowMs);
          points.splice(0, first < 0 ? points.length : first);
          left += points.length;
        }
        if (left === 0) nodes.delete(uid);
      }
    },
  };
}
