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
  /** The method's promise; a synchronous throw becomes its rejection. */
  function invoke<M extends ApiMethod>(method: M, request: Request<M>): Promise<Result<M>> {
    try {
      const run = methods[method] as (node: Node, req: Request<M>, polls: SharedPolls) => Promise<Result<M>>;
      return run(node, request, sharedPolls);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The API error for a failed call; a failure that is not a RotorError is logged (rate-limited). */
  function failure(method: ApiMethod, err: unknown): RotorError {
    if (!(err instanceof RotorError)) {
      const error = (err as Error)?.message ?? String(err);
      limitedLog(node.log).error(`api ${method}: ${error}`, { method, error }, "api call failed");
    }
    return toApiError(err);
  }

  function call<M extends ApiMethod>(method: M, request: Request<M>): Promise<ApiOutcome<M>> {
    return invoke(method, request).then(
      (result) => ({ result }),
      (err: unknown) => ({ error: failure(method, err) }),
    );
  }

  /** A batch command's reply: one settle per command, no promise of its own beyond the method's. */
  function reply(command: Command | undefined): Promise<MessageInitShape<typeof ReplySchema>> {
    if (!command) return Promise.resolve(errorReply(apiErrors.badRequest()));
    for (const method of batchOrder) {
      const request = command[method];
      if (request === undefined) continue;
      return invoke(method, request as never).then(
        (result): MessageInitShape<typeof ReplySchema> => ({ [method]: result }),
        (err: unknown) => errorReply(failure(method, err)),
      );
    }
    return Promise.resolve(errorReply(apiErrors.notFound()));
  }

  /**
   * A parallel batch: up to `batchConcurrency` commands running at once,
   * each next one started as one settles; replies in request order.
   */
  function parallel(commands: readonly Command[]): Promise<MessageInitShape<typeof BatchResponseSchema>> {
    const replies: MessageInitShape<typeof ReplySchema>[] = new Array(commands.length);
    if (commands.length === 0) return Promise.resolve({ replies });
    return new Promise((resolve, reject) => {
      let next = 0;
      let settled = 0;
      const start = (): void => {
        const i = next++;
        reply(commands[i]).then((r) => {
          replies[i] = r;
          if (++settled === commands.length) resolve({ replies });
          else if (next < commands.length) start();
        }, reject);
      };
      while (next < Math.min(batchConcurrency, commands.length)) start();
    });
  }

  return {
    call,
    checkChannel(channel) {
      if (channel === "") return apiErrors.badRequest();
      return node.rules.resolve(channel) ? undefined : apiErrors.unknownChannel();
    },
    async batch(request) {
      const commands = request.commands;
      if (request.parallel) return parallel(commands);
      const replies: MessageInitShape<typeof ReplySchema>[] = new Array(commands.length);
      for (let i = 0; i < commands.length; i++) replies[i] = await reply(commands[i]);
      return { replies };
    },
  };
}
