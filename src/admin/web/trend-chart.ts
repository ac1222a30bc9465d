import { h, svg } from "./dom.js";
import type { Point } from "./node-history.js";

const width = 240;
const height = 60;
const top = 12;

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2);
}

/** The smallest of 1, 2, 5 × 10ⁿ at or above `v`: a y-axis top that reads as a round number. */
function roundUp(v: number): number {
  if (v <= 1) return 1;
  const base = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 5, 10].find((m) => m * base >= v) ?? 10) * base;
}

/** The line as an SVG path; a pause longer than `gapMs` between samples starts a new segment. */
function linePath(
  points: readonly Point[],
  x: (t: number) => number,
  y: (v: number) => number,
  gapMs: number,
) {
  return points
    .map((p, i) => {
      const move = i === 0 || p.t - points[i - 1]!.t > gapMs;
      return `${move ? "M" : "L"}${x(p.t).toFixed(1)} ${y(p.v).toFixed(1)}`;
    })
    .join(" ");
}

/**
 * A small line chart of one series over the window ending at `now`, drawn
 * as SVG: the latest value in the caption, the y-axis top as a round number
 * at or above the largest sample, the x-axis the last `windowMs`.
 */
export function trendChart(
  title: string,
  points: readonly Point[],
  now: number,
  windowMs: number,
  gapMs: number,
): HTMLElement {
  const last = points.at(-1);
  const max = roundUp(Math.max(0, ...points.map((p) => p.v)));
  const x = (t: number) => ((t - (now - windowMs)) / windowMs) * width;
  const y = (v: number) => height - (v / max) * (height - top);
  const chart = svg(
    "svg",
    { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": title },
    svg("line", { x1: 0, y1: height - 0.5, x2: width, y2: height - 0.5, class: "axis" }),
    svg("line", { x1: 0, y1: top, x2: width, y2: top, class: "grid" }),
    svg("text", { x: 2, y: top - 3, class: "scale" }, format(max)),
    svg("path", { d: linePath(points, x, y, gapMs), class: "line" }),
    last ? svg("circle", { cx: x(last.t).toFixed(1), cy: y(last.v).toFixed(1), r: 2.5 }) : null,
  );
  return h(
    "figure",
    { class: "trend", "data-samples": String(points.length), "data-last": last ? format(last.v) : "" },
    h("figcaption", {}, h("span", {}, title), h("b", { class: "trend-value" }, last ? format(last.v) : "–")),
    chart,
  );
}
