import type {
  DescMessage,
  DescMethodBiDiStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { ProxyProtocol } from "../config/proxy-endpoint.js";

/** What one backend call carries besides its message. */
export interface CallOptions {
  /** Aborted when the call times out or its client goes away. */
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  /** Forwarded and static headers (gRPC metadata for gRPC backends). */
  readonly headers: Headers;
}

/**
 * How a call ended. A `failure` is Centrifugo's "transport error": the backend
 * could not be reached, did not answer in time, answered with a non-200 or
 * non-OK status, or sent something that does not decode. Each proxy kind maps
 * it to its own client-visible outcome, so it is a value, not an exception.
 */
export type CallOutcome<T> = { readonly response: T } | { readonly failure: string };

type StreamMethod<I extends DescMessage, O extends DescMessage> =
  | DescMethodServerStreaming<I, O>
  | DescMethodBiDiStreaming<I, O>;

/** The response messages of a stream call, until the backend ends it or the call is aborted. */
export type StreamOutcome<T> = { readonly messages: AsyncIterable<T> } | { readonly failure: string };

/**
 * One backend endpoint reached over one protocol: HTTP JSON, gRPC or Connect.
 * The proxy kinds speak in CentrifugoProxy messages; a backend only moves them.
 */
export interface ProxyBackend {
  readonly protocol: ProxyProtocol;
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    call: CallOptions,
  ): Promise<CallOutcome<MessageShape<O>>>;
  /** Subscribe streams; only gRPC and Connect backends have them (the config check sees to it). */
  stream<I extends DescMessage, O extends DescMessage>(
    method: StreamMethod<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
    call: Omit<CallOptions, "timeoutMs">,
  ): Promise<StreamOutcome<MessageShape<O>>>;
  /** Closes pooled connections; calls still running fail. */
  close(): Promise<void>;
}
