import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { fromBinary, toJsonString } from "@bufbuild/protobuf";
import fc from "fast-check";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { TestServer } from "../helpers/server.js";
import { type ApiBody, type ApiSurface, apiBodyArb, callArb, publishShapeArb } from "./api-bodies.js";
import type { ValuePools } from "./message-arbitrary.js";
import { samples } from "./mutations.js";

/** The surfaces whose unary calls are answered on the HTTP/2 stream itself, and their Content-Type. */
const directTypes: Partial<Record<ApiSurface, string>> = {
  grpc: "application/grpc",
  "grpc-web": "application/grpc-web+proto",
  "connect-json": "application/json",
  "connect-proto": "application/proto",
};

/** The HTTP JSON API methods answered before Fastify over HTTP/1.1. */
const httpJsonDirect = ["Publish", "Broadcast", "Batch"];

/**
 * Envelope framings a fuzzed draw seldom makes, sent as-is to both paths on
 * each enveloped surface: the trailers flag on a request (alone and with the
 * other bits set), the compressed flag without `grpc-encoding`, a header cut
 * short, a length beyond the body, and a second message after the first.
 */
const envelopeEdges = [
  "8000000000",
  "de00000000",
  "0100000000",
  "00000000",
  "0000000005",
  "00000000000000000000",
];

/** Those framings, as calls of Batch on native gRPC and gRPC-Web. */
export const envelopeEdgeCalls: readonly ApiBody[] = (["grpc", "grpc-web"] as const).flatMap((surface) =>
  envelopeEdges.map((hex) => ({
    surface,
    method: CentrifugoApi.method.batch,
    body: Buffer.from(hex, "hex"),
  })),
);

/** One answer, every part a client can see, and what the call added to the API metrics. */
interface Seen {
  status: number;
  /** gRPC's status trailers, and the Content-Type of an HTTP JSON answer. */
  trailers: Record<string, string>;
  body: string;
  metrics: Record<string, number>;
}

/** What a run of pairs saw: how many pairs, and each difference (at most the first few). */
export interface DirectVsRouterReport {
  pairs: number;
  perSurface: Record<string, number>;
  differences: string[];
}

const grpcTrailers = ["grpc-status", "grpc-message", "grpc-status-details-bin", "content-type"];

function trailersOf(
  headers: http.IncomingHttpHeaders | http2.IncomingHttpHeaders,
  names = grpcTrailers.slice(0, 3),
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}

/** Where a call goes: the Connect path, or the HTTP JSON API's route. */
function pathOf(call: ApiBody): string {
  return call.surface === "http-json"
    ? `/api/${call.method.name.toLowerCase()}`
    : `/${CentrifugoApi.typeName}/${call.method.name}`;
}

/** Over HTTP/1.1: the router answers Connect calls, the direct path HTTP JSON publishes. */
function viaHttp1(agent: http.Agent, url: string, headers: Record<string, string>, call: ApiBody) {
  return new Promise<Omit<Seen, "metrics">>((resolve, reject) => {
    const req = http.request(
      `${url}${pathOf(call)}`,
      { method: "POST", agent, headers: { ...headers, "content-length": String(call.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            trailers: { ...trailersOf(res.headers, namesOf(call)), ...trailersOf(res.trailers) },
            body: Buffer.concat(chunks).toString("latin1"),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(call.body);
  });
}

/** Over HTTP/2: the direct path answers Connect calls, the Fastify routes HTTP JSON ones. */
function viaHttp2(session: http2.ClientHttp2Session, headers: Record<string, string>, call: ApiBody) {
  return new Promise<Omit<Seen, "metrics">>((resolve, reject) => {
    const req = session.request({
      ":method": "POST",
      ":path": pathOf(call),
      ...headers,
    });
    const seen: Omit<Seen, "metrics"> = { status: 0, trailers: {}, body: "" };
    const chunks: Buffer[] = [];
    req.on("response", (h) => {
      seen.status = Number(h[":status"]);
      Object.assign(seen.trailers, trailersOf(h, namesOf(call)));
    });
    req.on("trailers", (h) => Object.assign(seen.trailers, trailersOf(h)));
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", reject);
    req.on("end", () => {
      seen.body = Buffer.concat(chunks).toString("latin1");
      resolve(seen);
    });
    req.end(call.body);
  });
}

/** The headers compared: the Content-Type too for HTTP JSON, whose body it describes. */
const namesOf = (call: ApiBody) => (call.surface === "http-json" ? grpcTrailers : grpcTrailers.slice(0, 3));

/** Every API metric sample (errors by code, calls by protocol and method) as one flat count per label set. */
async function apiMetricCounts(srv: TestServer): Promise<Record<string, number>> {
  const { registry } = srv.server.metrics;
  const out: Record<string, number> = {};
  for (const name of [
    "centrifugo_api_command_errors_total",
    "centrifugo_api_command_duration_seconds_histogram",
  ]) {
    const metric = await registry.getSingleMetric(name)?.get();
    for (const v of metric?.values ?? []) {
      const sample = (v as { metricName?: string }).metricName;
      if (sample !== undefined && !sample.endsWith("_count")) continue;
      out[`${name} ${JSON.stringify(v.labels)}`] = v.value;
    }
  }
  return out;
}

function added(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) {
    if (value !== (before[key] ?? 0)) out[key] = value - (before[key] ?? 0);
  }
  return out;
}

/**
 * A successful answer with what legitimately changes between two identical
 * calls masked: publication offsets (the second publish is the next one) and
 * Info's live figures. Failed answers are compared byte for byte.
 */
function comparable(call: ApiBody, seen: Omit<Seen, "metrics">): string {
  const ok = seen.status === 200 && (seen.trailers["grpc-status"] ?? "0") === "0";
  if (!ok) return seen.body;
  let text = seen.body;
  if (call.surface !== "connect-json" && call.surface !== "http-json") {
    const bytes = Buffer.from(seen.body, "latin1");
    const message = call.surface === "connect-proto" ? bytes : bytes.subarray(5, 5 + bytes.readUInt32BE(1));
    try {
      text = toJsonString(call.method.output, fromBinary(call.method.output, message));
    } catch (err) {
      return `not a ${call.method.output.typeName}: ${(err as Error).message}`;
    }
    if (call.surface === "grpc-web") text += bytes.subarray(5 + message.length).toString("latin1");
  }
  if (call.method.name === "Info") return text.replace(/\d+/g, "#");
  return text.replace(/"offset":"?\d+"?/g, '"offset":#');
}

/**
 * Sends `count` fuzzed unary Connect calls and a quarter as many HTTP JSON
 * publishes (seeded, most of them damaged in some way) to the surfaces the
 * direct paths answer, one at a time, each once to the
 * generic path and once to the direct one, and records every pair whose
 * status, gRPC trailers (Content-Type for HTTP JSON), body or API metrics
 * differ. Connect calls reach the router over HTTP/1.1 and the direct path
 * over HTTP/2; HTTP JSON publishes, broadcasts and batches the direct path
 * over HTTP/1.1 and the Fastify routes over HTTP/2.
 */
export async function compareDirectAndRouter(
  srv: TestServer,
  pools: ValuePools,
  o: { count: number; seed: number },
): Promise<DirectVsRouterReport> {
  const report: DirectVsRouterReport = { pairs: 0, perSurface: {}, differences: [] };
  const connect = apiBodyArb(pools).filter(
    (call) => directTypes[call.surface] !== undefined && call.method.parent === CentrifugoApi,
  );
  const httpJson = fc.oneof(
    ...CentrifugoApi.methods
      .filter((m) => httpJsonDirect.includes(m.name))
      .map((m) => callArb(pools, "http-json", m)),
    publishShapeArb(pools),
  );
  // The Connect calls as they always were, then a quarter as many HTTP JSON publishes, then the envelope edges.
  function* calls() {
    yield* samples(connect, o.seed, o.count);
    yield* samples(httpJson, o.seed, Math.round(o.count / 4));
    yield* envelopeEdgeCalls;
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const open = () => {
    const next = http2.connect(srv.url, {
      createConnection: () => net.connect({ port: srv.port, host: "127.0.0.1", noDelay: true }),
    });
    next.on("error", () => {});
    return next;
  };
  let session = open();
  try {
    for (const call of calls()) {
      if (session.destroyed || session.closed) session = open();
      const h1IsDirect = call.surface === "http-json";
      const headers = {
        "content-type": directTypes[call.surface] ?? "application/json",
        te: "trailers",
        authorization: `apikey ${srv.apiKey}`,
      };
      const start = await apiMetricCounts(srv);
      const first = await (h1IsDirect
        ? viaHttp2(session, headers, call)
        : viaHttp1(agent, srv.url, headers, call));
      const between = await apiMetricCounts(srv);
      const second = await (h1IsDirect
        ? viaHttp1(agent, srv.url, headers, call)
        : viaHttp2(session, headers, call));
      const end = await apiMetricCounts(srv);
      const pair = {
        router: { ...first, body: comparable(call, first), metrics: added(start, between) },
        direct: { ...second, body: comparable(call, second), metrics: added(between, end) },
      };
      report.pairs++;
      report.perSurface[call.surface] = (report.perSurface[call.surface] ?? 0) + 1;
      if (JSON.stringify(pair.router) !== JSON.stringify(pair.direct) && report.differences.length < 20) {
        report.differences.push(
          `${call.surface} ${call.method.name} ${Buffer.from(call.body).toString("hex").slice(0, 200)}: ${JSON.stringify(pair)}`,
        );
      }
    }
  } finally {
    session.close();
    agent.destroy();
  }
  return report;
}
