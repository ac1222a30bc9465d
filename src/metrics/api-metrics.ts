import type { Registry } from "prom-client";
import { metricKinds } from "./metric-kinds.js";
import type { HistogramCell } from "./tally-histogram.js";

/**
 * How a server API call arrived. Centrifugo says `http` or `grpc`; rotor
 * answers more protocols on one service and tells them apart: its HTTP JSON
 * API is `http_json`. Calls from the async consumers are `consuming`, as in Centrifugo.
 */
export type ApiProtocol = "http_json" | "grpc" | "grpc_web" | "connect_json" | "connect_proto" | "consuming";

/** The protocol of a Connect-router request, from its Content-Type. */
export function apiProtocolOf(contentType: string | null | undefined): ApiProtocol {
  const type = contentType ?? "";
  if (type.startsWith("application/grpc-web")) return "grpc_web";
  if (type.startsWith("application/grpc")) return "grpc";
  if (type.startsWith("application/json") || type.startsWith("application/connect+json"))
    return "connect_json";
  return "connect_proto";
}

/** `PresenceStats` or `presenceStats` → `presence_stats`: the method label Centrifugo uses. */
export function apiMethodLabel(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

interface Series {
  readonly summary: { observe(value: number): void };
  readonly histogram: HistogramCell;
}

/**
 * `centrifugo_api_command_duration_seconds` (summary and histogram) and
 * `centrifugo_api_command_errors_total`: every server API call, by protocol
 * and method, once per call; errors when the reply carries one (`error` is
 * its numeric code). `centrifugo_api_rpc_duration_seconds` (summary and
 * histogram) is declared as Centrifugo declares it.
 */
export function createApiMetrics(registry: Registry) {
  const m = metricKinds(registry, "api");
  const labels = ["protocol", "method"] as const;
  const summary = m.summary("command_duration_seconds", "Duration of API per command.", labels);
  const histogram = m.tallyHistogram(
    "command_duration_seconds_histogram",
    "Duration of API per command.",
    labels,
  );
  const errors = m.counter("command_errors_total", "Number of errors in API commands.", [
    "protocol",
    "method",
    "error",
  ]);
  // Centrifugo times an `rpc` call here only when a server-API RPC extension serves its method. Neither
  // Centrifugo OSS nor rotor registers one, so the families are declared with Centrifugo's types and labels
  // and stay empty: an unknown method answers 104 and never becomes a label value.
  m.summary("rpc_duration_seconds", "Duration of API per command.", labels);
  m.histogram("rpc_duration_seconds_histogram", "Duration of API per command.", labels);
  /** The duration cells of each protocol and method, made on the first call of that pair. */
  const series = new Map<ApiProtocol, Map<string, Series>>();
  return {
    call(protocol: ApiProtocol, method: string, seconds: number, error?: number | string): void {
      let methods = series.get(protocol);
      if (!methods) {
        methods = new Map();
        series.set(protocol, methods);
      }
      let cells = methods.get(method);
      if (!cells) {
        const callLabels = { protocol, method };
        cells = { summary: summary.cell(callLabels), histogram: histogram.cell(callLabels) };
        methods.set(method, cells);
      }
      cells.summary.observe(seconds);
      cells.histogram.observe(seconds);
      if (error !== undefined) errors.inc({ protocol, method, error: String(error) });
    },
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
