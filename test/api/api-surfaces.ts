import {
  create,
  type DescField,
  type DescMessage,
  fromJson,
  type JsonValue,
  type Message,
  ScalarType,
  toJson,
} from "@bufbuild/protobuf";
import { CentrifugoApi } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import {
  type ConnectProtocol,
  connectClient,
  connectProtocols,
  grpcJsCall,
  grpcJsClient,
  protobufjsPlain,
} from "../helpers/api-clients.js";
import type { TestServer } from "../helpers/server.js";

/** A value in Centrifugo's HTTP JSON form: snake_case keys, payloads as raw JSON, 64-bit ints as numbers. */
// biome-ignore lint/suspicious/noExplicitAny: JSON of any message shape
type CentrifugoJson = any;

const int64Types = new Set([
  ScalarType.INT64,
  ScalarType.UINT64,
  ScalarType.SINT64,
  ScalarType.FIXED64,
  ScalarType.SFIXED64,
]);

function scalar(type: ScalarType, value: CentrifugoJson): unknown {
  if (type === ScalarType.BYTES) return new TextEncoder().encode(JSON.stringify(value));
  return int64Types.has(type) ? BigInt(value) : value;
}

function fieldValue(field: DescField, value: CentrifugoJson): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return scalar(field.scalar, value);
    case "message":
      return fromCentrifugoJson(field.message, value);
    case "list":
      return (value as CentrifugoJson[]).map((v) =>
        field.listKind === "message" ? fromCentrifugoJson(field.message, v) : scalar(field.scalar!, v),
      );
    case "map":
      return Object.fromEntries(
        Object.entries(value as object).map(([k, v]) => [
          k,
          field.mapKind === "message"
            ? fromCentrifugoJson(field.message, v)
            : scalar(field.scalar ?? ScalarType.STRING, v),
        ]),
      );
    case "enum":
      return value;
  }
}

/**
 * Reads Centrifugo's JSON form of a message into a protobuf-es message, written
 * here independently of rotor's codec: payload bytes are the JSON text of the
 * value, so the same request can be sent and the same answer compared on
 * protobuf and JSON surfaces alike.
 */
export function fromCentrifugoJson<D extends DescMessage>(desc: D, json: CentrifugoJson): Message {
  const init: Record<string, unknown> = {};
  for (const field of desc.fields) {
    const value = json?.[field.name];
    if (value !== undefined && value !== null) init[field.localName] = fieldValue(field, value);
  }
  return create(desc, init as never) as Message;
}

/** One way to reach the `CentrifugoApi` service, answering each response as protobuf JSON. */
export interface ApiSurface {
  readonly name: string;
  /** Calls a method by proto name (`PresenceStats`) with a request in Centrifugo's JSON form. */
  call(method: string, request: CentrifugoJson): Promise<JsonValue>;
}

function descOf(method: string) {
  const desc = CentrifugoApi.methods.find((m) => m.name === method);
  if (!desc) throw new Error(`CentrifugoApi has no method ${method}`);
  return desc;
}

const asJson = (desc: DescMessage, message: Message) =>
  toJson(desc, message as never, { useProtoFieldName: true });

function connectSurface(srv: TestServer, protocol: ConnectProtocol): ApiSurface {
  const client = connectClient(CentrifugoApi, protocol, srv.url, srv.apiKey) as unknown as Record<
    string,
    (req: Message) => Promise<Message>
  >;
  return {
    name: protocol,
    async call(method, request) {
      const desc = descOf(method);
      const response = await client[desc.localName]!(fromCentrifugoJson(desc.input, request));
      return asJson(desc.output, response);
    },
  };
}

/** Every surface of the main port: grpc-js, the four connect-node protocols and `/api/<route>`. */
export function apiSurfaces(srv: TestServer): { surfaces: ApiSurface[]; close(): void } {
  const grpcJs = grpcJsClient(
    "centrifugal/centrifugo/api/api.proto",
    "centrifugal.centrifugo.api.CentrifugoApi",
    `127.0.0.1:${srv.port}`,
  );
  const metadata = { authorization: `apikey ${srv.apiKey}` };
  const surfaces: ApiSurface[] = [
    {
      name: "grpc-js",
      async call(method, request) {
        const desc = descOf(method);
        const wire = asJson(desc.input, fromCentrifugoJson(desc.input, request));
        const response = await grpcJsCall(grpcJs, method, wire, metadata);
        return asJson(desc.output, fromJson(desc.output, protobufjsPlain(response) ?? {}) as Message);
      },
    },
    ...connectProtocols.map((protocol) => connectSurface(srv, protocol)),
    {
      name: "http-json",
      async call(method, request) {
        const desc = descOf(method);
        const route = routeOf(desc.input);
        const res = await fetch(`${srv.url}/api/${route}`, {
          method: "POST",
          headers: { "x-api-key": srv.apiKey },
          body: JSON.stringify(request),
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`/api/${route}: ${res.status} ${text}`);
        return asJson(desc.output, fromCentrifugoJson(desc.output, JSON.parse(text)));
      },
    },
  ];
  return { surfaces, close: () => grpcJs.close() };
}

/** `/api/<route>` is named after the Command field holding the request (`PresenceStats` → `presence_stats`). */
function routeOf(input: DescMessage): string {
  if (input.typeName.endsWith(".BatchRequest")) return "batch";
  const command = CentrifugoApi.methods.find((m) => m.name === "Batch")!.input.fields[0]!;
  const commandDesc =
    command.fieldKind === "list" && command.listKind === "message" ? command.message : undefined;
  const field = commandDesc?.fields.find((f) => f.message?.typeName === input.typeName);
  if (!field) throw new Error(`no route for ${input.typeName}`);
  return field.name;
}
