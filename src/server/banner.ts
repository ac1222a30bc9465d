import type { Config } from "../config/schema.js";
import { placeSurfaces } from "./listeners.js";

/** The ports rotor listens on once started. */
export interface ListeningPorts {
  readonly port: number;
  readonly internalPort: number | undefined;
  readonly grpcPort: number | undefined;
}

function baseUrl(tls: boolean, address: string, port: number): string {
  const host = address === "" || address === "0.0.0.0" || address === "::" ? "localhost" : address;
  return `${tls ? "https" : "http"}://${host}:${port}`;
}

/** What rotor logs once listening: a title line, and where each surface answers. */
export interface Banner {
  readonly title: string;
  readonly surfaces: Record<string, string>;
}

/** The start-up banner: one entry per surface the config enables, with its URL, and how many workers serve them. */
export function banner(config: Config, ports: ListeningPorts, version: string, workers = 1): Banner {
  const tls = config.http_server.tls.enabled;
  const placement = placeSurfaces(config);
  const main = baseUrl(tls, config.http_server.address, ports.port);
  const internal =
    ports.internalPort === undefined
      ? main
      : baseUrl(tls, placement.internal?.address ?? "", ports.internalPort);
  const ws = main.replace(/^http/, "ws");
  const api = placement.apiOnMain ? main : internal;
  const broker = config.broker.enabled ? `, broker ${config.broker.type}` : "";
  const controller = config.controller.enabled ? `, controller ${config.controller.type}` : "";
  const title = `rotor ${version} listening on ${main} (HTTP/1.1 and ${tls ? "HTTP/2 over TLS" : "h2c"}), engine ${config.engine.type}${broker}${controller}${workers > 1 ? `, ${workers} workers` : ""}`;
  const surfaces: Record<string, string> = {};
  const row = (what: string, where: string) => {
    surfaces[what] = where;
  };
  if (ports.internalPort !== undefined) row("internal listener", internal);
  if (!config.http_api.disabled)
    row("server API, HTTP JSON", `${api}${config.http_api.handler_prefix}/<method>`);
  row("server API, Connect/gRPC", `${api}/centrifugal.centrifugo.api.CentrifugoApi/<Method>`);
  row("server API, seed era (v2)", `${api}/api.Centrifugo/<Method>`);
  if (ports.grpcPort !== undefined) {
    row("gRPC API port", `${config.grpc_api.address || "0.0.0.0"}:${ports.grpcPort}`);
  }
  if (!config.websocket.disabled) row("clients, WebSocket", `${ws}${config.websocket.handler_prefix}`);
  const transports: [string, { enabled: boolean; handler_prefix: string }, string][] = [
    ["HTTP streaming", config.http_stream, main],
    ["SSE", config.sse, main],
    ["uni WebSocket", config.uni_websocket, ws],
    ["uni SSE", config.uni_sse, main],
    ["uni HTTP stream", config.uni_http_stream, main],
  ];
  for (const [name, option, root] of transports) {
    if (option.enabled) row(`clients, ${name}`, `${root}${option.handler_prefix}`);
  }
  if (config.http_stream.enabled || config.sse.enabled) {
    row("clients, emulation", `${main}${config.emulation.handler_prefix}`);
  }
  if (config.uni_grpc.enabled) {
    row("clients, uni stream", `${main}/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume`);
  }
  if (config.health.enabled) row("health", `${internal}${config.health.handler_prefix}`);
  if (config.prometheus.enabled) row("metrics", `${internal}${config.prometheus.handler_prefix}`);
  if (config.swagger.enabled)
    row("server API docs (Swagger UI)", `${internal}${config.swagger.handler_prefix}/`);
  if (config.admin.enabled) {
    const admin = placement.adminOnMain ? main : internal;
    row("admin UI", `${admin}${config.admin.handler_prefix}/`);
  }
  return { title, surfaces };
}
