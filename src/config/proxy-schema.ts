import { z } from "zod";
import { duration } from "./schema-types.js";

const ascii = /^[\x20-\x7e]*$/;

/** Client TLS for a backend call, Centrifugo's TLS object: PEM values are a file path, PEM text or base64 PEM. */
const proxyTlsSchema = () =>
  z
    .strictObject({
      enabled: z.boolean().default(false),
      cert_pem: z.string().default(""),
      key_pem: z.string().default(""),
      server_ca_pem: z.string().default(""),
      client_ca_pem: z.string().default(""),
      insecure_skip_verify: z.boolean().default(false),
      server_name: z.string().default(""),
    })
    .prefault({});

const transformMessage = () =>
  z
    .string()
    .default("")
    .refine((s) => s.length <= 123 && ascii.test(s), "must be ASCII and at most 123 characters");

/** A non-200 HTTP status the backend answers with, turned into a client error or disconnect. */
const statusTransformSchema = () =>
  z
    .strictObject({
      status_code: z.number().int().min(100).max(599),
      to_error: z
        .strictObject({
          code: z.number().int().min(0).default(0),
          message: transformMessage(),
          temporary: z.boolean().default(false),
        })
        .optional(),
      to_disconnect: z
        .strictObject({ code: z.number().int().min(0).default(0), reason: transformMessage() })
        .optional(),
    })
    .refine(
      (t) => ((t.to_error?.code ?? 0) !== 0) !== ((t.to_disconnect?.code ?? 0) !== 0),
      "set exactly one of to_error.code and to_disconnect.code",
    );

const names = () => z.array(z.string()).default([]);
const stringMap = () => z.record(z.string(), z.string()).default({});

/**
 * One backend endpoint and how to call it: Centrifugo v6's proxy object, plus
 * rotor's `connect_rpc` (the Connect protocol instead of HTTP JSON) and the
 * bounds that keep a slow or hostile backend from piling up calls or memory
 * (`max_in_flight`, `http.max_connections`, `max_receive_message_size`).
 */
export const proxyShape = () => ({
  endpoint: z.string().default(""),
  timeout: duration("1s").refine((ms) => ms > 0, "must be above 0"),
  http_headers: names(),
  emulated_headers: names(),
  grpc_metadata: names(),
  binary_encoding: z.boolean().default(false),
  include_connection_meta: z.boolean().default(false),
  max_in_flight: z.number().int().min(1).default(4096),
  /** Bytes of one backend answer (HTTP JSON body, gRPC or Connect message, each stream message); larger ones fail the call. */
  max_receive_message_size: z
    .number()
    .int()
    .min(1024)
    .default(16 * 1024 * 1024),
  http: z
    .strictObject({
      tls: proxyTlsSchema(),
      static_headers: stringMap().transform((headers) =>
        Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])),
      ),
      status_to_code_transforms: z.array(statusTransformSchema()).default([]),
      max_connections: z.number().int().min(1).default(256),
    })
    .prefault({}),
  grpc: z
    .strictObject({
      tls: proxyTlsSchema(),
      credentials_key: z.string().default(""),
      credentials_value: z.string().default(""),
      compression: z.boolean().default(false),
      static_metadata: stringMap(),
    })
    .prefault({}),
  connect_rpc: z
    .strictObject({
      enabled: z.boolean().default(false),
      binary: z.boolean().default(false),
      http2: z.boolean().default(false),
    })
    .prefault({}),
});

const proxyObject = () => z.strictObject(proxyShape()).prefault({});
const switchedProxy = () =>
  z.strictObject({ enabled: z.boolean().default(false), ...proxyShape() }).prefault({});

/** `client.proxy`: the connect and refresh proxies, each switched on with `enabled`. */
export const clientProxySchema = () =>
  z.strictObject({ connect: switchedProxy(), refresh: switchedProxy() }).prefault({});

/** `channel.proxy`: the default proxies namespaces use with `<kind>_proxy_name: "default"`. */
export const channelProxySchema = () =>
  z
    .strictObject({
      subscribe: proxyObject(),
      publish: proxyObject(),
      sub_refresh: proxyObject(),
      subscribe_stream: proxyObject(),
      map_publish: proxyObject(),
      map_remove: proxyObject(),
      shared_poll_refresh: proxyObject(),
    })
    .prefault({});

const proxyName = () =>
  z
    .string()
    .regex(/^[-a-zA-Z0-9_.]{2,}$/, "proxy name must match ^[-a-zA-Z0-9_.]{2,}$")
    .refine((name) => name !== "default", '"default" is reserved for the channel.proxy / rpc.proxy objects');

/** `proxies[]`: named proxies that namespaces and rpc namespaces refer to. */
export const namedProxiesSchema = () =>
  z.array(z.strictObject({ name: proxyName(), ...proxyShape() })).default([]);

/** Proxy switches of a channel namespace (and of channels without namespace). */
export const namespaceProxyShape = () => ({
  subscribe_proxy_enabled: z.boolean().default(false),
  subscribe_proxy_name: z.string().default("default"),
  publish_proxy_enabled: z.boolean().default(false),
  publish_proxy_name: z.string().default("default"),
  sub_refresh_proxy_enabled: z.boolean().default(false),
  sub_refresh_proxy_name: z.string().default("default"),
  subscribe_stream_proxy_enabled: z.boolean().default(false),
  subscribe_stream_proxy_name: z.string().default("default"),
  subscribe_stream_proxy_bidirectional: z.boolean().default(false),
});

const rpcNamespaceShape = () => ({
  proxy_enabled: z.boolean().default(false),
  proxy_name: z.string().default("default"),
});

/** `rpc`: client RPC calls routed by method namespace (`ns:method`) to a proxy, and the built-in ping method. */
export const rpcSchema = () =>
  z
    .strictObject({
      proxy: proxyObject(),
      namespace_boundary: z.string().min(1).default(":"),
      without_namespace: z.strictObject(rpcNamespaceShape()).prefault({}),
      namespaces: z
        .array(
          z.strictObject({
            name: z
              .string()
              .regex(/^[-a-zA-Z0-9_.]{2,}$/, "rpc namespace name must match ^[-a-zA-Z0-9_.]{2,}$"),
            ...rpcNamespaceShape(),
          }),
        )
        .default([]),
      ping: z
        .strictObject({ enabled: z.boolean().default(false), method: z.string().min(1).default("ping") })
        .prefault({}),
    })
    .prefault({});

/** A proxy object after defaults: what `src/proxy` builds a backend from. */
export type ProxyOptions = z.output<z.ZodObject<ReturnType<typeof proxyShape>>>;
export type ProxyTlsOptions = z.output<ReturnType<typeof proxyTlsSchema>>;
export type StatusTransform = z.output<ReturnType<typeof statusTransformSchema>>;
