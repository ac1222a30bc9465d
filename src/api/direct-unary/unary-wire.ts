import type { ServerHttp2Stream } from "node:http2";
import type { DescMessage, DescMethod, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import type { ApiProtocol } from "../../metrics/api-metrics.js";
import type { RequestHeader } from "../api-key.js";

/**
 * How one protocol carries a unary call on an HTTP/2 stream, as connect-es
 * reads and writes it: native gRPC, gRPC-Web and Connect each have one. Every
 * answer says the HTTP status it sent.
 */
export interface UnaryWire {
  readonly protocol: ApiProtocol;
  /** The error connect-es raises for the request's timeout header before reading the body, if any. */
  timeoutError(header: RequestHeader): Error | undefined;
  /** The one request message, or the error connect-es gives the body. */
  read<I extends DescMessage>(
    stream: ServerHttp2Stream,
    header: RequestHeader,
    method: DescMethod & { input: I },
  ): Promise<MessageShape<I>>;
  /** Answers with the method's response message. */
  answer(stream: ServerHttp2Stream, method: DescMethod, response: MessageInitShape<DescMessage>): number;
  /** Answers with an error: a ConnectError as itself, anything else as Internal without its text. */
  fail(stream: ServerHttp2Stream, err: unknown): number;
}
