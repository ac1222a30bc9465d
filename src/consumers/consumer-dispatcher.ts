import type { Logger } from "pino";
import type { ApiMethod, ApiOutcome, ApiService } from "../api/api-service.js";
import { httpApiMethods } from "../api/http-json/method-table.js";
import type { PublicationDataMode } from "../config/consumers-schema.js";
import { ErrorCode } from "../errors/rotor-error.js";
import { decodeJsonMessage } from "../protocol/json/json-decode.js";
import { readCommandEnvelope } from "./command-envelope.js";
import { type Metadata, publicationCommand } from "./publication-data.js";

/** What a consumer does with a message once dispatched: drop it as handled, or deliver it again later. */
export type ConsumeOutcome = "processed" | "retry";

/**
 * The server API methods a consumed message may call, by Centrifugo's names:
 * the ones that change state and return nothing a producer could read.
 */
const allowed = new Map<string, ApiMethod>([
  ["publish", "publish"],
  ["broadcast", "broadcast"],
  ["subscribe", "subscribe"],
  ["unsubscribe", "unsubscribe"],
  ["disconnect", "disconnect"],
  ["history_remove", "historyRemove"],
  ["refresh", "refresh"],
]);

/** Runs consumed messages as server API calls, with Centrifugo's rules for what is retried. */
export interface ConsumerDispatcher {
  /**
   * Command mode: `method` from the transport (a column, a header, a stream
   * field), the body its request; with no method, the body is an envelope
   * `{"method", "payload"}`.
   */
  command(method: string, body: Uint8Array): Promise<ConsumeOutcome>;
  /** Publication data mode: the body is the data, the metadata says where and how it goes. */
  publication(data: Uint8Array, metadata: Metadata, mode: PublicationDataMode): Promise<ConsumeOutcome>;
}

/** Whether an outcome failed in a way that may pass later (an engine or database fault: code 100). */
function internalFailure(outcome: ApiOutcome): boolean {
  if ("error" in outcome) return outcome.error.code === ErrorCode.Internal;
  const responses = (outcome.result as { responses?: { error?: { code?: number } }[] }).responses;
  return responses?.some((r) => r.error?.code === ErrorCode.Internal) ?? false;
}

/**
 * The dispatcher of one consumer over the same API service the HTTP API
 * calls (counted under the `consuming` protocol). A message that cannot be
 * read, names a method consumers may not call, or is refused by the API
 * (bad request, unknown channel…) is logged and counts as processed, so it
 * never holds up the messages behind it; only an internal error (code 100,
 * e.g. the broker is down) asks for a retry. A broadcast with any channel
 * failing that way is retried whole: producers set `idempotency_key`.
 */
export function createConsumerDispatcher(service: ApiService, log: Logger): ConsumerDispatcher {
  async function run(method: ApiMethod, request: unknown): Promise<ConsumeOutcome> {
    const outcome = await service.call(method, request as never);
    if (internalFailure(outcome)) return "retry";
    if ("error" in outcome) {
      log.error(
        { method, code: outcome.error.code, reason: outcome.error.message },
        "consumed command failed",
      );
    }
    return "processed";
  }

  return {
    async command(method, body) {
      let name = method;
      let request = body;
      if (name === "") {
        const envelope = readCommandEnvelope(body);
        if ("error" in envelope) {
          log.error({ problem: envelope.error }, "skip malformed consumed message");
          return "processed";
        }
        name = envelope.method;
        request = envelope.request;
      }
      const apiMethod = allowed.get(name);
      if (apiMethod === undefined) {
        log.info({ method: name }, "skip unsupported API command method");
        return "processed";
      }
      const decoded = decodeJsonMessage(httpApiMethods.get(name)!.input, request);
      if ("error" in decoded) {
        log.error({ method: name, problem: decoded.error }, "skip malformed consumed message");
        return "processed";
      }
      return run(apiMethod, decoded.value);
    },
    async publication(data, metadata, mode) {
      const command = publicationCommand(data, metadata, mode);
      if ("skip" in command) {
        log.error({ problem: command.skip }, "skip malformed consumed message");
        return "processed";
      }
      return run(command.method, command.request);
    },
  };
}
