import { fileURLToPath } from "node:url";
import type { DescService, JsonValue } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
} from "@connectrpc/connect-node";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

/** The four connect-node transports that reach rotor's Connect routes. */
export type ConnectProtocol = "grpc" | "grpc-web" | "connect-json" | "connect-binary";
export const connectProtocols: readonly ConnectProtocol[] = [
  "grpc",
  "grpc-web",
  "connect-json",
  "connect-binary",
];

const withKey =
  (key: string | undefined): Interceptor =>
  (next) =>
  (req) => {
    if (key !== undefined) req.header.set("authorization", `apikey ${key}`);
    return next(req);
  };

/** A connect-node transport for one protocol, sending `authorization: apikey <key>` when a key is given. */
export function transport(protocol: ConnectProtocol, baseUrl: string, key?: string): Transport {
  const interceptors = [withKey(key)];
  switch (protocol) {
    case "grpc":
      return createGrpcTransport({ baseUrl, interceptors });
    case "grpc-web":
      return createGrpcWebTransport({ baseUrl, httpVersion: "1.1", interceptors });
    case "connect-json":
      return createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false, interceptors });
    case "connect-binary":
      return createConnectTransport({ baseUrl, httpVersion: "2", useBinaryFormat: true, interceptors });
  }
}

export function connectClient<T extends DescService>(
  service: T,
  protocol: ConnectProtocol,
  baseUrl: string,
  key?: string,
): Client<T> {
  return createClient(service, transport(protocol, baseUrl, key));
}

/** POSTs a JSON body to the HTTP API and returns status and parsed body. */
export async function httpApi(
  baseUrl: string,
  method: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; text: string }> {
  const res = await fetch(`${baseUrl}/api/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed, text };
}

const protoRoot = fileURLToPath(new URL("../../proto", import.meta.url));

/**
 * A dynamic @grpc/grpc-js client (an implementation independent of connect-es)
 * for a service in proto/, e.g. ("centrifugal/centrifugo/api/api.proto",
 * "centrifugal.centrifugo.api.CentrifugoApi").
 */
export function grpcJsClient(
  file: string,
  service: string,
  address: string,
): grpc.Client & Record<string, Function> {
  const definition = protoLoader.loadSync(file, {
    includeDirs: [protoRoot],
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition);
  const Ctor = service
    .split(".")
    .reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], loaded) as grpc.ServiceClientConstructor;
  return new Ctor(address, grpc.credentials.createInsecure()) as unknown as grpc.Client &
    Record<string, Function>;
}

/** Calls a unary grpc-js method with metadata and resolves with the response or rejects with the status. */
export function grpcJsCall<T = Record<string, unknown>>(
  client: grpc.Client & Record<string, Function>,
  method: string,
  request: unknown,
  metadata: Record<string, string> = {},
): Promise<T> {
  const md = new grpc.Metadata();
  for (const [k, v] of Object.entries(metadata)) md.set(k, v);
  return new Promise((resolve, reject) => {
    client[method]!(request, md, (err: grpc.ServiceError | null, res: T) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/**
 * A protobufjs object, as grpc-js answers it (`longs: String`, `defaults: true`),
 * in the shape protobuf JSON has: bytes as base64, unset messages left out.
 */
export function protobufjsPlain(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (Array.isArray(value)) return value.map((v) => protobufjsPlain(v) ?? null);
  if (typeof value === "object") {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = protobufjsPlain(v);
      if (p !== undefined) out[k] = p;
    }
    return out;
  }
  return value as JsonValue;
}
