import { type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { Centrifugo } from "../../gen/api/api_pb.js";
import {
  type ConnectProtocol,
  connectProtocols,
  grpcJsCall,
  grpcJsClient,
  transport,
} from "./api-clients.js";

/** A v2 request: every field of the v2 requests is one word, so one object suits every client. */
export type V2Request = Record<string, string | string[] | Uint8Array>;

/**
 * Calls one `api.Centrifugo` method (by its proto name, e.g. "PresenceStats")
 * and answers the response as proto-field-name JSON with bytes in base64 and
 * unset fields left out, so responses from different clients compare equal.
 */
export type V2Call = (method: string, request?: V2Request) => Promise<JsonValue>;

export interface V2Caller {
  readonly name: string;
  readonly call: V2Call;
  /** Releases the client's connection (grpc-js keeps one open). */
  close(): void;
}

/** protobufjs objects (as grpc-js answers them) in the shape protobuf-es' toJson gives. */
function plain(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map((v) => plain(v) ?? null);
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = plain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return value as JsonValue;
}

/** The v2 service over native gRPC with @grpc/grpc-js (independent of connect-es). */
export function grpcJsV2Caller(address: string, key?: string): V2Caller {
  const client = grpcJsClient("api/api.proto", "api.Centrifugo", address);
  const metadata: Record<string, string> = key === undefined ? {} : { authorization: `apikey ${key}` };
  return {
    name: "grpc-js",
    call: async (method, request = {}) => plain(await grpcJsCall(client, method, request, metadata)) ?? null,
    close: () => client.close(),
  };
}

type UnaryCall = (request: V2Request) => Promise<Parameters<typeof toJson>[1]>;

/** The v2 service over one connect-node transport. */
export function connectV2Caller(protocol: ConnectProtocol, baseUrl: string, key?: string): V2Caller {
  const client: Client<typeof Centrifugo> = createClient(Centrifugo, transport(protocol, baseUrl, key));
  return {
    name: protocol,
    call: async (method, request = {}) => {
      const desc = Centrifugo.methods.find((m) => m.name === method);
      if (!desc) throw new Error(`api.Centrifugo has no method ${method}`);
      const unary = (client as unknown as Record<string, UnaryCall>)[desc.localName]!;
      const response = await unary(request);
      return toJson(desc.output, response, { useProtoFieldName: true, alwaysEmitImplicit: true });
    },
    close: () => {},
  };
}

/** Every client of the v2 service: grpc-js on the gRPC port, the four connect-node transports on the main port. */
export function v2Callers(grpcAddress: string, baseUrl: string, key?: string): V2Caller[] {
  return [
    grpcJsV2Caller(grpcAddress, key),
    ...connectProtocols.map((protocol) => connectV2Caller(protocol, baseUrl, key)),
  ];
}
