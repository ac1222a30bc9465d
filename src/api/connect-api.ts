import type { DescMessage, DescMethod, MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { CentrifugoApi, ErrorSchema } from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { RotorError } from "../errors/rotor-error.js";
import { errorInit, transportStatus } from "./api-errors.js";
import type { RequestHeader } from "./api-key.js";
import type { ApiMethod, ApiOutcome, ApiService } from "./api-service.js";
import { httpApiMethods } from "./http-json/method-table.js";

/** `""` answers errors in the body (Centrifugo's default); `"transport"` maps them to statuses. */
export type ErrorMode = "" | "transport";

/** The mode of one request: the `x-centrifugo-error-mode` header overrides the configured default. */
export function requestErrorMode(fallback: ErrorMode, header: string | null | undefined): ErrorMode {
  return header?.toLowerCase() === "transport" ? "transport" : fallback;
}

/** A gRPC / Connect error for transport mode, carrying the API error as a detail. */
function toConnectError(error: RotorError): ConnectError {
  return new ConnectError(error.message, transportStatus(error.code).grpc, undefined, [
    { desc: ErrorSchema, value: errorInit(error) },
  ]);
}

/** Turns an outcome into a `XxxResponse`, or throws it as a status in transport mode. */
function respond<M extends ApiMethod>(outcome: ApiOutcome<M>, mode: ErrorMode) {
  if ("result" in outcome) return { result: outcome.result };
  if (mode === "transport") throw toConnectError(outcome.error);
  return { error: errorInit(outcome.error) };
}

type Impl = Partial<ServiceImpl<typeof CentrifugoApi>>;

/** One API method: its request message and the request's headers in, its `XxxResponse` out. */
export type ApiUnary = (req: never, header: RequestHeader) => Promise<MessageInitShape<DescMessage>>;

/**
 * What rotor runs for each request type. The service method's local name is
 * not the API method's name for every rpc (`RPC` becomes `rPC`), the request's
 * Command field name is: the HTTP JSON routes already map by it.
 */
const runByInput = new Map([...httpApiMethods.values()].map((m) => [m.input.typeName, m.run]));

/**
 * The methods of `centrifugal.centrifugo.api.CentrifugoApi` that rotor
 * implements, as every binary surface runs them (the Connect router, and the
 * direct gRPC unary path beside it). Methods rotor does not implement
 * (Centrifugo PRO's, shared poll) are left out, so callers answer them
 * with Unimplemented.
 */
export function apiUnaryMethods(service: ApiService, defaultMode: ErrorMode): Map<DescMethod, ApiUnary> {
  const out = new Map<DescMethod, ApiUnary>();
  for (const method of CentrifugoApi.methods) {
    const run = runByInput.get(method.input.typeName);
    if (run === "batch") {
      out.set(method, (req: never) => service.batch(req));
    } else if (run !== undefined) {
      out.set(method, async (req: never, header: RequestHeader) => {
        const outcome = await service.call(run, req);
        return respond(outcome, requestErrorMode(defaultMode, header("x-centrifugo-error-mode")));
      });
    }
  }
  return out;
}

/** `centrifugal.centrifugo.api.CentrifugoApi` for connect-es: gRPC, gRPC-Web and Connect (JSON and binary). */
export function centrifugoApiImpl(service: ApiService, defaultMode: ErrorMode): Impl {
  const impl: Record<string, (req: never, ctx: HandlerContext) => Promise<MessageInitShape<DescMessage>>> =
    {};
  for (const [method, unary] of apiUnaryMethods(service, defaultMode)) {
    impl[method.localName] = (req, ctx) => unary(req, (name) => ctx.requestHeader.get(name));
  }
  return impl as Impl;
}
