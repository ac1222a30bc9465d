import type { onRequestHookHandler } from "fastify";

/** Node's timers hold at most this many milliseconds; a longer deadline fires after 1 ms, with a warning. */
const maxTimerMs = 2 ** 31 - 1;
const grpcUnitMs: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };
/** The longest deadline Node can keep, in `grpc-timeout`'s own form (at most 8 digits). */
const maxGrpcTimeout = `${Math.floor(maxTimerMs / 1000)}S`;

/**
 * Brings client deadlines (`grpc-timeout` for gRPC and gRPC-Web,
 * `connect-timeout-ms` for Connect) down to what a Node timer can hold before
 * connect-es arms one: a deadline of years means "no hurry", not "1 ms", and
 * no request may make the process print a warning. Malformed values are left
 * for connect-es to refuse.
 */
export const clampDeadlines: onRequestHookHandler = (request, _reply, done) => {
  const headers = request.raw.headers;
  const grpc = headers["grpc-timeout"];
  if (typeof grpc === "string") {
    const parsed = /^(\d{1,8})([HMSmun])$/.exec(grpc);
    if (parsed && Number(parsed[1]) * grpcUnitMs[parsed[2]!]! > maxTimerMs)
      headers["grpc-timeout"] = maxGrpcTimeout;
  }
  const connect = headers["connect-timeout-ms"];
  if (typeof connect === "string" && /^\d{1,10}$/.test(connect) && Number(connect) > maxTimerMs) {
    headers["connect-timeout-ms"] = String(maxTimerMs);
  }
  done();
};
