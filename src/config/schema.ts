import { z } from "zod";
import { clientConnectionShape } from "./client-connection-schema.js";
import { consumersConfigShape } from "./consumers-schema.js";
import { engineConfigShape } from "./engine-schema.js";
import { http2Schema, httpTimeouts } from "./http-limits-schema.js";
import { listenerShape, webtransportSchema } from "./listener-schema.js";
import { mapBrokerSchema, sharedPollSchema } from "./map-schema.js";
import { channelOptionsSchema, namespaceSchema } from "./namespace-schema.js";
import { internalPort, opsSchemaShape, serverSchema } from "./ops-schema.js";
import { channelProxySchema, clientProxySchema, namedProxiesSchema, rpcSchema } from "./proxy-schema.js";
import { duration, port, tlsSchema } from "./schema-types.js";
import { websocketShape } from "./websocket-schema.js";

const errorMode = () => z.enum(["", "transport"]).default("");

const tokenShape = () => ({
  hmac_secret_key: z.string().default(""),
  hmac_previous_secret_key: z.string().default(""),
  hmac_previous_secret_key_valid_until: z.number().int().min(0).default(0),
  rsa_public_key: z.string().default(""),
  ecdsa_public_key: z.string().default(""),
  jwks_public_endpoint: z.string().default(""),
  audience: z.string().default(""),
  audience_regex: z.string().default(""),
  issuer: z.string().default(""),
  issuer_regex: z.string().default(""),
  user_id_claim: z.string().default(""),
  insecure_skip_jwks_endpoint_safety_check: z.boolean().default(false),
});

const handlerShape = (prefix: string) => ({
  enabled: z.boolean().default(false),
  handler_prefix: z.string().default(prefix),
  max_request_body_size: z.number().int().min(1).default(65536),
});

const handler = (prefix: string) => z.strictObject(handlerShape(prefix)).prefault({});

/** `{code, to: {status_code, body}}`: a connect error of a unidirectional HTTP stream answered as HTTP. */
const httpResponseTransform = () =>
  z.strictObject({
    code: z.number().int().min(1, "code must be set"),
    to: z.strictObject({
      status_code: z.number().int().min(1, "to.status_code must be set"),
      body: z.string().default(""),
    }),
  });

/** A unidirectional HTTP stream endpoint (`uni_sse`, `uni_http_stream`). */
const uniHttpHandler = (prefix: string) =>
  z
    .strictObject({
      ...handlerShape(prefix),
      connect_code_to_http_response: z
        .strictObject({
          enabled: z.boolean().default(false),
          transforms: z.array(httpResponseTransform()).default([]),
        })
        .prefault({}),
    })
    .prefault({});

const buildConfigSchema = () =>
  z.strictObject({
    log: z
      .strictObject({
        // Centrifugo's "none" turns logging off like "silent".
        level: z
          .enum(["trace", "debug", "info", "warn", "error", "fatal", "silent", "none"])
          .default("info")
          .transform((level) => (level === "none" ? "silent" : level)),
        /** Log to this file (appended, JSON lines) instead of the console. */
        file: z.string().default(""),
      })
      .prefault({}),
    http_server: z
      .strictObject({
        address: z.string().default(""),
        port: port(8000),
        internal_address: z.string().default(""),
        internal_port: internalPort(),
        tls: tlsSchema(),
        ...listenerShape(),
        http2: http2Schema(),
        ...httpTimeouts(),
      })
      .prefault({}),
    http_api: z
      .strictObject({
        disabled: z.boolean().default(false),
        handler_prefix: z.string().default("/api"),
        key: z.string().default(""),
        insecure: z.boolean().default(false),
        error_mode: errorMode(),
        external: z.boolean().default(false),
      })
      .prefault({}),
    grpc_api: z
      .strictObject({
        enabled: z.boolean().default(false),
        address: z.string().default(""),
        port: port(10000),
        key: z.string().default(""),
        insecure: z.boolean().default(false),
        error_mode: errorMode(),
        reflection: z.boolean().default(true),
        max_receive_message_size: z.number().int().min(0).default(0),
        tls: tlsSchema(),
      })
      .prefault({}),
    client: z
      .strictObject({
        insecure: z.boolean().default(false),
        allow_anonymous_connect_without_token: z.boolean().default(false),
        disallow_anonymous_connection_tokens: z.boolean().default(false),
        token: z.strictObject(tokenShape()).prefault({}),
        subscription_token: z
          .strictObject({ enabled: z.boolean().default(false), ...tokenShape() })
          .prefault({}),
        allowed_origins: z.array(z.string()).default([]),
        ping_interval: duration("25s"),
        pong_timeout: duration("8s"),
        channel_limit: z.number().int().min(0).default(128),
        user_connection_limit: z.number().int().min(0).default(0),
        concurrency: z.number().int().min(0).default(0),
        queue_max_size: z.number().int().min(0).default(1048576),
        history_max_publication_limit: z.number().int().min(0).default(300),
        recovery_max_publication_limit: z.number().int().min(0).default(300),
        expired_close_delay: duration("25s"),
        expired_sub_close_delay: duration("25s"),
        stale_close_delay: duration("10s"),
        presence_update_interval: duration("27s"),
        channel_position_check_delay: duration("40s"),
        channel_position_max_time_lag: duration("0"),
        connect_include_server_time: z.boolean().default(false),
        proxy: clientProxySchema(),
        ...clientConnectionShape(),
      })
      .prefault({}),
    channel: z
      .strictObject({
        max_length: z.number().int().min(1).default(255),
        private_prefix: z.string().default("$"),
        namespace_boundary: z.string().min(1).default(":"),
        user_boundary: z.string().default("#"),
        user_separator: z.string().default(","),
        history_meta_ttl: duration("720h"),
        without_namespace: channelOptionsSchema().prefault({}),
        namespaces: z.array(namespaceSchema()).default([]),
        proxy: channelProxySchema(),
      })
      .prefault({}),
    websocket: z
      .strictObject({
        disabled: z.boolean().default(false),
        handler_prefix: z.string().default("/connection/websocket"),
        ...websocketShape(),
        write_timeout: duration("1s"),
      })
      .prefault({}),
    http_stream: handler("/connection/http_stream"),
    sse: handler("/connection/sse"),
    emulation: z
      .strictObject({
        handler_prefix: z.string().default("/emulation"),
        max_request_body_size: z.number().int().min(1).default(65536),
      })
      .prefault({}),
    uni_websocket: z
      .strictObject({
        ...handlerShape("/connection/uni_websocket"),
        ...websocketShape(),
        write_timeout: duration("1s"),
        join_push_messages: z.boolean().default(false),
        disable_disconnect_push: z.boolean().default(false),
        disable_closing_handshake: z.boolean().default(false),
      })
      .prefault({}),
    uni_sse: uniHttpHandler("/connection/uni_sse"),
    uni_http_stream: uniHttpHandler("/connection/uni_http_stream"),
    uni_grpc: z
      .strictObject({
        enabled: z.boolean().default(false),
        address: z.string().default(""),
        port: port(11000),
        max_receive_message_size: z.number().int().min(0).default(0),
        tls: tlsSchema(),
        heartbeat_interval: duration("25s"),
      })
      .prefault({}),
    webtransport: webtransportSchema(),
    init: z
      .strictObject({
        enabled: z.boolean().default(false),
        handler_prefix: z.string().default("/connection/init"),
      })
      .prefault({}),
    /** Write the process ID here at start; removed on a graceful exit. */
    pid_file: z.string().default(""),
    /** Gates Centrifugo's experimental brokers; rotor has none behind it, so it changes nothing. */
    enable_unreleased_features: z.boolean().default(false),
    ...engineConfigShape(),
    map_broker: mapBrokerSchema(),
    shared_poll: sharedPollSchema(),
    server: serverSchema(),
    shutdown: z.strictObject({ timeout: duration("30s") }).prefault({}),
    proxies: namedProxiesSchema(),
    rpc: rpcSchema(),
    ...opsSchemaShape(),
    ...consumersConfigShape(),
  });

type ConfigSchema = ReturnType<typeof buildConfigSchema>;

let built: WeakRef<ConfigSchema> | undefined;

/**
 * rotor's configuration, in Centrifugo v6's nested shape: the subset rotor
 * implements, with Centrifugo's defaults. Unknown keys are rejected.
 * Built when asked for and held only weakly: its ~2,000 zod schemas (several
 * MB of heap) are needed to load a configuration, not by a running server.
 */
export function configSchema(): ConfigSchema {
  const live = built?.deref();
  if (live) return live;
  const schema = buildConfigSchema();
  built = new WeakRef(schema);
  return schema;
}

/** rotor's configuration after defaults and validation. */
export type Config = z.output<ConfigSchema>;
