import http2 from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethod,
  fromBinary,
  ScalarType,
  toBinary,
  toJson,
  toJsonString,
} from "@bufbuild/protobuf";
import fc from "fast-check";
import { Centrifugo } from "../../gen/api/api_pb.js";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { httpApiMethods } from "../../src/api/http-json/method-table.js";
import { ErrorCode } from "../../src/errors/rotor-error.js";
import { envelope } from "../api/raw-requests.js";
import { messageArb, type ValuePools } from "./message-arbitrary.js";
import { mutated, samples } from "./mutations.js";

/** Every way a backend can call the server API. */
export const apiSurfaces = [
  "http-json",
  "http-legacy",
  "connect-json",
  "connect-proto",
  "grpc",
  "grpc-json",
  "grpc-web",
] as const;
/** One of the API surfaces. */
export type ApiSurface = (typeof apiSurfaces)[number];

/** One fuzzed API call: where it goes, the method's descriptor, and the body as sent. */
export interface ApiBody {
  readonly surface: ApiSurface;
  readonly method: DescMethod;
  readonly body: Uint8Array;
}

const methods = [...CentrifugoApi.methods, ...Centrifugo.methods];
const httpName = new Map([...httpApiMethods.values()].map((m) => [m.input.typeName, m.name]));

/** Centrifugo's JSON: snake_case keys, and `data`-like bytes embedded as the JSON they hold. */
function centrifugoJson(desc: DescMessage, value: unknown): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    const field = desc.fields.find((f) => f.name === key);
    if (field?.fieldKind === "scalar" && field.scalar === ScalarType.BYTES && typeof inner === "string") {
      const text = Buffer.from(inner, "base64").toString();
      try {
        out[key] = key.startsWith("b64") ? inner : JSON.parse(text);
      } catch {
        out[key] = inner;
      }
    } else if (field?.fieldKind === "message") out[key] = centrifugoJson(field.message, inner);
    else out[key] = inner;
  }
  return out;
}

function encode(surface: ApiSurface, method: DescMethod, init: Record<string, unknown>): Uint8Array {
  const message = create(method.input, init);
  switch (surface) {
    case "http-json":
    case "http-legacy": {
      const params = centrifugoJson(method.input, toJson(method.input, message, { useProtoFieldName: true }));
      const body = surface === "http-json" ? params : { method: httpName.get(method.input.typeName), params };
      return Buffer.from(JSON.stringify(body));
    }
    case "connect-json":
      return Buffer.from(toJsonString(method.input, message));
    case "grpc-json": {
      const json = Buffer.from(toJsonString(method.input, message));
      return envelope(0, json.length, json);
    }
    case "connect-proto":
      return toBinary(method.input, message);
    default: {
      const bytes = toBinary(method.input, message);
      return envelope(0, bytes.length, bytes);
    }
  }
}

/** Calls to every method on every surface, built from the method's own request message, sometimes damaged. */
export function apiBodyArb(pools: ValuePools): fc.Arbitrary<ApiBody> {
  return fc
    .tuple(fc.constantFrom(...apiSurfaces), fc.constantFrom(...methods))
    .filter(
      ([surface, method]) =>
        !surface.startsWith("http") ||
        (method.parent === CentrifugoApi && httpName.has(method.input.typeName)),
    )
    .chain(([surface, method]) => callArb(pools, surface, method));
}

/** Calls of one method on one surface, built from the method's own request message, sometimes damaged. */
export function callArb(pools: ValuePools, surface: ApiSurface, method: DescMethod): fc.Arbitrary<ApiBody> {
  return mutated(messageArb(method.input, pools).map((init) => encode(surface, method, init))).map(
    (body) => ({
      surface,
      method,
      body,
    }),
  );
}

const publishMethod = (name: string) => CentrifugoApi.methods.find((m) => m.name === name)!;

/**
 * HTTP JSON publish, broadcast and batch bodies in the shape publishers send
 * (`channel` or `channels` and `data` only, batches of publishes), with keys
 * in either order, sometimes damaged: the bodies the publish path reads
 * without the descriptors.
 */
export function publishShapeArb(pools: ValuePools): fc.Arbitrary<ApiBody> {
  const channel = fc.constantFrom(...pools.channels).map((c) => JSON.stringify(c));
  const data = fc.constantFrom(...pools.payloads);
  const object = (members: string[], reversed: boolean) =>
    `{${(reversed ? members.reverse() : members).join(",")}}`;
  const publish = fc
    .tuple(channel, data, fc.boolean())
    .map(([c, d, reversed]) => object([`"channel":${c}`, `"data":${d}`], reversed));
  const broadcast = fc
    .tuple(fc.array(channel, { maxLength: 4 }), data, fc.boolean())
    .map(([cs, d, reversed]) => object([`"channels":[${cs.join(",")}]`, `"data":${d}`], reversed));
  const batch = fc
    .tuple(fc.array(publish, { maxLength: 4 }), fc.boolean(), fc.boolean())
    .map(([ps, parallel, reversed]) =>
      object(
        [`"parallel":${parallel}`, `"commands":[${ps.map((p) => `{"publish":${p}}`).join(",")}]`],
        reversed,
      ),
    );
  return fc
    .oneof(
      publish.map((text) => ({ method: publishMethod("Publish"), text })),
      broadcast.map((text) => ({ method: publishMethod("Broadcast"), text })),
      batch.map((text) => ({ method: publishMethod("Batch"), text })),
    )
    .chain(({ method, text }) =>
      mutated(fc.constant(Buffer.from(text))).map((body) => ({
        surface: "http-json" as const,
        method,
        body,
      })),
    );
}

/** What came back from one call, reduced to its codes. */
interface Answer {
  status: number;
  grpcStatus?: number;
  text: string;
  bytes: Uint8Array;
}

const documentedErrors = new Set<number>(Object.values(ErrorCode));
const documentedHttp = new Set([200, 400, 404, 413]);
const documentedConnect = new Set([
  "invalid_argument",
  "internal",
  "resource_exhausted",
  "unimplemented",
  "not_found",
  "out_of_range",
]);
const documentedGrpc = new Set([0, 3, 5, 8, 11, 12, 13]);

/** Why an answer is not one the README documents, or undefined when it is. */
function undocumented(call: ApiBody, answer: Answer): string | undefined {
  const bodyErrors = (text: string) => {
    for (const code of text.matchAll(/"error":\{"code":(\d+)/g)) {
      if (!documentedErrors.has(Number(code[1]))) return `in-body error ${code[1]}`;
    }
    return undefined;
  };
  switch (call.surface) {
    case "http-json":
    case "http-legacy":
      // 500 only with error 100: a result holding binary data (fuzzed publications put some there).
      if (answer.status === 500 && /^\{"error":\{"code":100,/.test(answer.text)) return undefined;
      if (!documentedHttp.has(answer.status)) return `HTTP ${answer.status}`;
      return bodyErrors(answer.text);
    case "connect-json":
    case "connect-proto": {
      if (answer.status === 200) {
        if (call.surface === "connect-json") return bodyErrors(answer.text);
        const reply = fromBinary(call.method.output, answer.bytes) as { error?: { code: number } };
        return reply.error && !documentedErrors.has(reply.error.code)
          ? `in-body error ${reply.error.code}`
          : undefined;
      }
      const code = /"code":"([a-z_]+)"/.exec(answer.text)?.[1];
      return code && documentedConnect.has(code)
        ? undefined
        : `HTTP ${answer.status} ${answer.text.slice(0, 80)}`;
    }
    default:
      if (answer.status !== 200 || answer.grpcStatus === undefined)
        return `HTTP ${answer.status} without grpc-status`;
      return documentedGrpc.has(answer.grpcStatus) ? undefined : `grpc-status ${answer.grpcStatus}`;
  }
}

const contentType: Record<ApiSurface, string> = {
  "http-json": "application/json",
  "http-legacy": "application/json",
  "connect-json": "application/json",
  "connect-proto": "application/proto",
  grpc: "application/grpc",
  "grpc-json": "application/grpc+json",
  "grpc-web": "application/grpc-web+proto",
};

function path(call: ApiBody): string {
  if (call.surface === "http-json") return `/api/${httpName.get(call.method.input.typeName)}`;
  if (call.surface === "http-legacy") return "/api";
  return `/${call.method.parent.typeName}/${call.method.name}`;
}

async function overHttp1(url: string, key: string, call: ApiBody): Promise<Answer> {
  const res = await fetch(`${url}${path(call)}`, {
    method: "POST",
    headers: { "content-type": contentType[call.surface], "x-api-key": key, authorization: `apikey ${key}` },
    body: call.body as Uint8Array<ArrayBuffer>,
    signal: AbortSignal.timeout(10_000),
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = Buffer.from(bytes).toString("latin1");
  const trailer = /grpc-status: ?(\d+)/.exec(text)?.[1] ?? res.headers.get("grpc-status") ?? undefined;
  return { status: res.status, grpcStatus: trailer === undefined ? undefined : Number(trailer), text, bytes };
}

function overHttp2(session: http2.ClientHttp2Session, key: string, call: ApiBody): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ":method": "POST",
      ":path": path(call),
      "content-type": contentType[call.surface],
      te: "trailers",
      authorization: `apikey ${key}`,
    });
    const answer: Answer = { status: 0, text: "", bytes: new Uint8Array() };
    const chunks: Buffer[] = [];
    const read = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) answer.grpcStatus = Number(h["grpc-status"]);
    };
    req.setTimeout(10_000, () => req.close(http2.constants.NGHTTP2_CANCEL));
    req.on("response", (h) => {
      answer.status = Number(h[":status"]);
      read(h);
    });
    req.on("trailers", read);
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("error", reject);
    req.on("end", () => {
      answer.bytes = Buffer.concat(chunks);
      answer.text = Buffer.from(answer.bytes).toString("latin1");
      // gRPC-Web carries its status in a trailer envelope at the end of the body.
      const inBody = /grpc-status: ?(\d+)/.exec(answer.text)?.[1];
      if (answer.grpcStatus === undefined && inBody !== undefined) answer.grpcStatus = Number(inBody);
      resolve(answer);
    });
    req.end(call.body);
  });
}

/** What a body fuzz run saw. */
export interface BodyReport {
  bodies: number;
  perSurface: Record<string, number>;
  statuses: Record<string, number>;
  undocumented: string[];
}

/**
 * Sends `count` fuzzed API calls (seeded) spread over every surface, `concurrency`
 * at a time, and checks that each answer carries a documented code.
 */
export async function fuzzApiBodies(
  url: string,
  key: string,
  pools: ValuePools,
  o: { count: number; seed: number; concurrency?: number },
): Promise<BodyReport> {
  const report: BodyReport = { bodies: 0, perSurface: {}, statuses: {}, undocumented: [] };
  const calls = samples(apiBodyArb(pools), o.seed, o.count);
  let session = http2.connect(url);
  session.on("error", () => {});
  const worker = async () => {
    for (let next = calls.next(); !next.done; next = calls.next()) {
      const call = next.value;
      if (session.destroyed || session.closed) {
        session = http2.connect(url);
        session.on("error", () => {});
      }
      let answer: Answer;
      // gRPC-Web and Connect take turns: over HTTP/2 the direct unary path answers them, over HTTP/1.1 the router.
      const h2 =
        call.surface === "grpc" ||
        call.surface === "grpc-json" ||
        (!call.surface.startsWith("http") && report.bodies % 2 === 1);
      try {
        answer = h2 ? await overHttp2(session, key, call) : await overHttp1(url, key, call);
      } catch (err) {
        report.undocumented.push(`${call.surface} ${call.method.name}: failed: ${(err as Error).message}`);
        continue;
      }
      report.bodies++;
      report.perSurface[call.surface] = (report.perSurface[call.surface] ?? 0) + 1;
      const status = `${call.surface} ${answer.status}${answer.grpcStatus === undefined ? "" : `/${answer.grpcStatus}`}`;
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      const why = undocumented(call, answer);
      if (why) report.undocumented.push(`${call.surface} ${call.method.name}: ${why}`);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency ?? 16 }, worker));
  session.close();
  return report;
}
