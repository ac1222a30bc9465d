import type {
  DescMessage,
  DescMethodBiDiStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { Logger } from "pino";
import type { ProxyOptions } from "../config/proxy-schema.js";
import type { ProxyMetrics } from "../metrics/proxy-metrics.js";
import type { CallOutcome, ProxyBackend, StreamOutcome } from "./backend.js";
import { callHeaders, type ForwardedHeaders, headerRules } from "./forwarded-headers.js";

/** What a proxy call needs from the client connection it is made for. */
export interface ProxyClient {
  readonly id: string;
  /** Transport name: websocket, sse, http_stream, uni_websocket… */
  readonly transportName: string;
  /** Client protocol: json or protobuf. */
  readonly protocol: string;
  readonly user: string;
  /** Connection meta from the connect proxy, sent with `include_connection_meta`. */
  readonly meta: Uint8Array | undefined;
  readonly forwarded: ForwardedHeaders | undefined;
  /** Aborted when the connection ends. */
  readonly signal: AbortSignal;
}

/** The fields every proxy request starts with (1–4 in the proto). */
export interface CommonFields {
  client: string;
  transport: string;
  protocol: string;
  encoding: string;
}

/**
 * One proxy definition (`client.proxy.connect`, `channel.proxy.publish`, a
 * named entry of `proxies[]`…) with its backend: it builds the common request
 * fields and the call's headers, bounds the calls in flight, and gives every
 * call a deadline and the client's lifetime, so neither a slow backend nor a
 * departed client leaves a call behind.
 */
export interface BackendProxy {
  /** The config path of the definition, for logs. */
  readonly name: string;
  readonly options: ProxyOptions;
  common(client: ProxyClient): CommonFields;
  /** The client's payload as the request carries it: `data` (raw), or `b64data` with `binary_encoding`. */
  payload(data: Uint8Array): { data?: Uint8Array; b64data?: string };
  /** The connection meta, when this proxy includes it. */
  meta(client: ProxyClient): { meta?: Uint8Array };
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    client: ProxyClient,
  ): Promise<CallOutcome<MessageShape<O>>>;
  /** Opens a stream; it lasts until `signal` or the client's signal aborts it. */
  stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O> | DescMethodBiDiStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
    client: ProxyClient,
    signal: AbortSignal,
  ): Promise<StreamOutcome<MessageShape<O>>>;
  close(): Promise<void>;
}

/** The proxy kind a method of CentrifugoProxy serves, as metrics name it. */
const kindOfMethod: Record<string, string> = {
  Connect: "connect",
  Refresh: "refresh",
  Subscribe: "subscribe",
  Publish: "publish",
  SubRefresh: "sub_refresh",
  RPC: "rpc",
  SubscribeUnidirectional: "subscribe_stream",
  SubscribeBidirectional: "subscribe_stream",
  MapPublish: "map_publish",
  MapRemove: "map_remove",
  SharedPollRefresh: "shared_poll_refresh",
};

/** Aborts `controller` when `signal` does; returns the undo. */
/** A stream's messages, telling `onFailure` why they stopped when the backend's stream failed. */
async function* reportingFailure<T>(messages: AsyncIterable<T>, onFailure: (failure: string) => void) {
  try {
    yield* messages;
  } catch (err) {
    onFailure((err as Error).message);
    throw err;
  }
}

function follow(signal: AbortSignal, controller: AbortController): () => void {
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const abort = () => controller.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

/**
 * `name` is the definition's config path (for logs); `metricsName` the name
 * metrics label its calls with (`default`, or the entry's name in `proxies[]`).
 */
export function createBackendProxy(
  name: string,
  options: ProxyOptions,
  backend: ProxyBackend,
  log: Logger,
  metrics: { readonly proxy: ProxyMetrics; readonly name: string },
): BackendProxy {
  const rules = headerRules(options);
  const encoding = options.binary_encoding ? "binary" : "json";
  const timeoutMs = options.timeout;
  let inFlight = 0;
  const measure = (method: { name: string }) =>
    metrics.proxy.begin({
      protocol: backend.protocol,
      type: kindOfMethod[method.name] ?? method.name,
      name: metrics.name,
    });

  function failed(client: ProxyClient, method: string, failure: string): void {
    if (client.signal.aborted) return;
    log.warn({ proxy: name, method, client: client.id, failure }, "proxy call failed");
  }

  return {
    name,
    options,
    common: (client) => ({
      client: client.id,
      transport: client.transportName,
      protocol: client.protocol,
      encoding,
    }),
    payload: (data) =>
      options.binary_encoding ? { b64data: Buffer.from(data).toString("base64") } : { data },
    meta: (client) => (options.include_connection_meta && client.meta ? { meta: client.meta } : {}),
    async unary(method, request, client) {
      if (inFlight >= options.max_in_flight) {
        failed(client, method.name, `over max_in_flight (${options.max_in_flight}) calls in flight`);
        return { failure: "overloaded" };
      }
      inFlight++;
      const done = measure(method);
      let failedCall = true;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(new Error(`timeout after ${timeoutMs} ms`)), timeoutMs);
      const unfollow = follow(client.signal, controller);
      try {
        const headers = callHeaders(options, backend.protocol, rules, client.forwarded);
        const outcome = await backend.unary(method, request, {
          signal: controller.signal,
          timeoutMs,
          headers,
        });
        if ("failure" in outcome) {
          const reason = controller.signal.aborted ? String(controller.signal.reason) : outcome.failure;
          failed(client, method.name, reason);
          return { failure: reason };
        }
        failedCall = false;
        return outcome;
      } finally {
        done(failedCall);
        clearTimeout(timer);
        unfollow();
        inFlight--;
      }
    },
    async stream(method, requests, client, signal) {
      const controller = new AbortController();
      const unfollowClient = follow(client.signal, controller);
      const unfollowCaller = follow(signal, controller);
      controller.signal.addEventListener("abort", () => {
        unfollowClient();
        unfollowCaller();
      });
      const headers = callHeaders(options, backend.protocol, rules, client.forwarded);
      const done = measure(method);
      const outcome = await backend.stream(method, requests, { signal: controller.signal, headers });
      done("failure" in outcome);
      if ("failure" in outcome) {
        failed(client, method.name, outcome.failure);
        controller.abort();
        return outcome;
      }
      const onFailure = (failure: string) => {
        if (!controller.signal.aborted) failed(client, method.name, failure);
      };
      return { messages: reportingFailure(outcome.messages, onFailure) };
    },
    close: () => backend.close(),
  };
}
