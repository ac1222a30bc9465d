import type { Config } from "../config/schema.js";

/** The lines rotor prints once listening: where each surface answers. */
export function banner(
  config: Config,
  port: number,
  grpcPort: number | undefined,
  version: string,
): string[] {
  const scheme = config.http_server.tls.enabled ? "https" : "http";
  const ws = config.http_server.tls.enabled ? "wss" : "ws";
  const host = config.http_server.address || "0.0.0.0";
  const base = `${scheme}://${host === "0.0.0.0" || host === "::" ? "localhost" : host}:${port}`;
  const broker = config.broker.enabled ? `, broker ${config.broker.type}` : "";
  const lines = [
    `rotor ${version} listening on ${host}:${port} (HTTP/1.1 and ${config.http_server.tls.enabled ? "HTTP/2 over TLS" : "h2c"}), engine ${config.engine.type}${broker}`,
    `  server API, HTTP JSON      ${base}${config.http_api.handler_prefix}/<method>`,
    `  server API, Connect/gRPC   ${base}/centrifugal.centrifugo.api.CentrifugoApi/<Method>  (gRPC, gRPC-Web, Connect JSON and binary)`,
    `  server API, seed era (v2)  ${base}/api.Centrifugo/<Method>`,
  ];
  if (grpcPort !== undefined) {
    lines.push(`  gRPC API port              ${config.grpc_api.address || "0.0.0.0"}:${grpcPort}`);
  }
  const wsBase = `${ws}://${base.split("://")[1]}`;
  if (!config.websocket.disabled)
    lines.push(`  clients, WebSocket         ${wsBase}${config.websocket.handler_prefix}`);
  const enabled: [string, { enabled: boolean; handler_prefix: string }, string][] = [
    ["HTTP streaming", config.http_stream, base],
    ["SSE", config.sse, base],
    ["uni WebSocket", config.uni_websocket, wsBase],
    ["uni SSE", config.uni_sse, base],
    ["uni HTTP stream", config.uni_http_stream, base],
  ];
  for (const [name, option, root] of enabled) {
    if (option.enabled) lines.push(`  clients, ${name.padEnd(18)}${root}${option.handler_prefix}`);
  }
  if (config.http_stream.enabled || config.sse.enabled) {
    lines.push(`  clients, emulation         ${base}${config.emulation.handler_prefix}`);
  }
  if (config.uni_grpc.enabled) {
    lines.push(
      `  clients, uni stream        ${base}/centrifugal.centrifugo.unistream.CentrifugoUniStream/Consume  (gRPC, gRPC-Web, Connect)`,
    );
  }
  if (config.health.enabled) lines.push(`  health                     ${base}/health`);
  return lines;
}
