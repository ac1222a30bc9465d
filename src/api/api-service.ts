import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  BatchRequest,
  BatchResponseSchema,
  Command,
  ReplySchema,
} from "../../gen/centrifugal/centrifugo/api/api_pb.js";
import { RotorError } from "../errors/rotor-error.js";
import { limitedLog } from "../log/log-limiter.js";
import type { Node } from "../node/node.js";
import type { SharedPolls } from "../shared-poll/shared-polls.js";
import { apiErrors, errorInit, toApiError } from "./api-errors.js";
import { disconnect, refresh, subscribe, unsubscribe } from "./methods/connections.js";
import { history, historyRemove } from "./methods/history.js";
import { channels, info, rpc } from "./methods/info.js";
import { mapClear, mapPublish, mapReadState, mapReadStream, mapRemove, mapStats } from "./methods/maps.js";
import { presence, presenceStats } from "./methods/presence.js";
import { broadcast, publish } from "./methods/publish.js";
import { sharedPollPublish } from "./methods/shared-poll.js";

/**
 * The server API methods rotor implements, keyed by their protobuf-es local
 * name; each takes the request message and returns the result or throws a
 * RotorError. Every surface (gRPC, gRPC-Web, Connect, HTTP JSON, v2) calls these.
 */
const methods = {
  publish,
  broadcast,
  subscribe,
  unsubscribe,
  disconnect,
  presence,
  presenceStats,
  history,
  historyRemove,
  info: (node: Node) => Promise.resolve(info(node)),
  rpc,
  refresh,
  channels,
  mapPublish,
  mapRemove,
  mapReadState,
  mapReadStream,
  mapStats,
  mapClear,
  sharedPollPublish,
} as const;

export type ApiMethod = keyof typeof methods;
type Request<M extends ApiMethod> = Parameters<(typeof methods)[M]>[1];
type Result<M extends ApiMethod> = Awaited<ReturnType<(typeof methods)[M]>>;

/** The outcome of one call: a result, or an error to put in the body (or map to a status). */
export type ApiOutcome<M extends ApiMethod = ApiMethod> = { result: Result<M> } | { error: RotorError };

/** Batch executes the first command field set, in this order (Centrifugo's). */
const batchOrder = [
  "publish",
  "broadcast",
  "subscribe",
  "unsubscribe",
  "disconnect",
  "history",
  "historyRemove",
  "presence",
  "presenceStats",
  "info",
  "rpc",
  "refresh",
  "channels",
  "mapPublish",
  "mapRemove",
  "mapReadState",
  "mapReadStream",
  "mapStats",
  "mapClear",
  "sharedPollPublish",
] as const satisfies readonly ApiMethod[];

const batchConcurrency = 1024;

export interface ApiService {
  call<M extends ApiMethod>(method: M, request: Request<M>): Promise<ApiOutcome<M>>;
  /** Why a channel cannot be published to (107 empty name, 102 unknown namespace), touching nothing. */
  checkChannel(channel: string): RotorError | undefined;
  batch(request: BatchRequest): Promise<MessageInitShape<typeof BatchResponseSchema>>;
}

export function isApiMethod(name: string): name is ApiMethod {
  return Object.hasOwn(methods, name);
}

const errorReply = (e: RotorError) => ({ error: errorInit(e) });

/** The one implementation of the server API, bound to a node and its shared poll channels. */
export function createApiService(node: Node, sharedPolls: SharedPolls): ApiService {
  async function call<M extends ApiMethod>(method: M, request: Request<M>): Promise<ApiOutcome<M>> {
    try {
      const run = methods[method] as (node: Node, req: Request<M>, polls: SharedPolls) => Promise<Result<M>>;
      return { result: await run(node, request, sharedPolls) };
    } catch (err) {
      if (!(err instanceof RotorError)) {
        const error = (err as Error)?.message ?? String(err);
        limitedLog(node.log).error(`api ${method}: ${error}`, { method, error }, "api call failed");
      }
      return { error: toApiError(err) };
    }
  }

  async function reply(command: Command | undefined): Promise<MessageInitShape<typeof ReplySchema>> {
    if (!command) return errorReply(apiErrors.badRequest());
    for (const method of batchOrder) {
      const request = command[method];
      if (request === undefined) continue;
      const outcome = await call(method, request as never);
      return "error" in outcome ? errorReply(outcome.error) : { [method]: outcome.result };
    }
    return errorReply(apiErrors.notFound());
  }

  return {
    call,
    checkChannel(channel) {
      if (channel === "") return apiErrors.badRequest();
      return node.rules.resolve(channel) ? undefined : apiErrors.unknownChannel();
    },
    async batch(request) {
      const commands = request.commands;
      const replies: MessageInitShape<typeof ReplySchema>[] = new Array(commands.length);
      if (!request.parallel) {
        for (let i = 0; i < commands.length; i++) replies[i] = await reply(commands[i]);
        return { replies };
      }
      let next = 0;
      const worker = async () => {
        while (next < commands.length) {
          const i = next++;
          replies[i] = await reply(commands[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(batchConcurrency, commands.length) }, worker));
      return { replies };
    },
  };
}
