import type { DescMessage, DescMethod } from "@bufbuild/protobuf";
import { CentrifugoApi, CommandSchema } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { type ApiMethod, isApiMethod } from "../api-service.js";

/** One server API method as the HTTP JSON API routes it. */
export interface HttpApiMethod {
  /** The route and batch name, e.g. `presence_stats`. */
  readonly name: string;
  readonly input: DescMessage;
  /** The `XxxResponse` (or BatchResponse) message. */
  readonly output: DescMessage;
  /** The `XxxResult` message inside the response; undefined for batch. */
  readonly result: DescMessage | undefined;
  /** What rotor runs; undefined for methods in the proto that rotor does not implement. */
  readonly run: ApiMethod | "batch" | undefined;
}

/**
 * Centrifugo names a method after its `Command` field (`PresenceStats` →
 * `presence_stats`, `RPC` → `rpc`), and so does the service: the field's
 * local name is the service's method name (the rpc's own is `rPC`).
 */
function entry(method: DescMethod): HttpApiMethod {
  const field = CommandSchema.fields.find((f) => f.message?.typeName === method.input.typeName);
  const local = field?.localName ?? method.localName;
  return {
    name: field?.name ?? method.name.toLowerCase(),
    input: method.input,
    output: method.output,
    result: method.output.fields.find((f) => f.name === "result")?.message,
    run: local === "batch" ? "batch" : isApiMethod(local) ? local : undefined,
  };
}

/** Every method of `CentrifugoApi` by route name, derived from the descriptor. */
export const httpApiMethods: ReadonlyMap<string, HttpApiMethod> = new Map(
  CentrifugoApi.methods.map((m) => {
    const e = entry(m);
    return [e.name, e];
  }),
);

/**
 * The old `Command.MethodType` numbers (v3 to v6.1, plus the later map and
 * shared-poll ones) that the legacy `POST /api` route accepts as `method`;
 * 13 was never used.
 */
const legacyNames = [
  "publish",
  "broadcast",
  "unsubscribe",
  "disconnect",
  "presence",
  "presence_stats",
  "history",
  "history_remove",
  "channels",
  "info",
  "rpc",
  "subscribe",
  "refresh",
  undefined,
  "connections",
  "update_user_status",
  "get_user_status",
  "delete_user_status",
  "block_user",
  "unblock_user",
  "revoke_token",
  "invalidate_user_tokens",
  "device_register",
  "device_update",
  "device_remove",
  "device_list",
  "device_topic_list",
  "device_topic_update",
  "user_topic_list",
  "user_topic_update",
  "send_push_notification",
  "update_push_status",
  "cancel_push",
  "map_publish",
  "map_remove",
  "map_read_state",
  "map_read_stream",
  "map_stats",
  "map_clear",
  "shared_poll_publish",
] as const;

const legacyByName = new Set<string>(legacyNames.filter((n) => n !== undefined));

/** A legacy method given by number: the method, or undefined when the number means nothing (reply 104). */
export function legacyMethodByNumber(n: number): HttpApiMethod | undefined {
  const name = legacyNames[n];
  return name === undefined ? undefined : httpApiMethods.get(name);
}

/** A legacy method given by name, in any case; undefined when the name is unknown (the request is 400). */
export function legacyMethodByName(name: string): HttpApiMethod | undefined {
  const lower = name.toLowerCase();
  return legacyByName.has(lower) ? httpApiMethods.get(lower) : undefined;
}
