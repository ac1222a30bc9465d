import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  type Command,
  CommandSchema,
  DisconnectSchema,
  NodeSchema,
  RefreshSchema,
  ShutdownSchema,
  type Subscribe,
  SubscribeSchema,
  SurveyRequestSchema,
  SurveyResponseSchema,
  UnsubscribeSchema,
} from "../../gen/controlpb/control_pb.js";
import type { StreamPosition } from "../core/publication.js";
import { type Disconnect, shouldReconnect } from "../errors/disconnect.js";

/** Which connections of a user a control command targets. */
export interface ConnectionFilter {
  readonly user: string;
  /** Only this client id. */
  readonly client?: string | undefined;
  /** Only this session id. */
  readonly session?: string | undefined;
}

/**
 * A server-side subscription as it travels between nodes: the options are
 * settled by the node that took the API call, so every node subscribes the
 * user's connections alike.
 */
export interface ServerSubscribeOptions {
  /** Unix seconds when the subscription expires; 0 never. */
  readonly expireAt: number;
  /** Channel info shown as chan_info. */
  readonly chanInfo?: Uint8Array | undefined;
  /** Data sent to the client in the subscribe push. */
  readonly data?: Uint8Array | undefined;
  readonly recoverSince?: StreamPosition | undefined;
  readonly presence: boolean;
  readonly joinLeave: boolean;
  readonly pushJoinLeave: boolean;
  readonly positioned: boolean;
  readonly recoverable: boolean;
}

/** One node as Info shows it. */
export interface NodeSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly version: string;
  readonly numClients: number;
  readonly numUsers: number;
  readonly numChannels: number;
  readonly numSubs: number;
  readonly uptime: number;
  /** Aggregated metrics: the interval in seconds and flat keyed values. */
  readonly metrics?:
    | { readonly interval: number; readonly items: Readonly<Record<string, number>> }
    | undefined;
}

/** The one command a control message carries (controlpb `Command`'s oneof). */
export type ControlCommand = Command["command"];

/** The command of one kind. */
export type CommandOf<K extends ControlCommand["case"]> = Extract<ControlCommand, { case: K }>;

/** The commands that act on connections by user, as opposed to node bookkeeping. */
export type UserCommand = CommandOf<"subscribe" | "unsubscribe" | "disconnect" | "refresh">;

/**
 * Encodes a control message as Centrifugo's controlpb `Command`: rotor and
 * Centrifugo nodes on one Redis or NATS then understand each other's
 * heartbeats, surveys and commands by user.
 */
export function encodeControl(uid: string, command: ControlCommand): Uint8Array {
  return toBinary(CommandSchema, create(CommandSchema, { uid, command }));
}

/** Decodes a control message; undefined for bytes that are not one (the caller logs it). */
export function decodeControl(data: Uint8Array): Command | undefined {
  try {
    return fromBinary(CommandSchema, data);
  } catch {
    return undefined;
  }
}

const text = (s: string) => (s === "" ? undefined : s);
const bytes = (b: Uint8Array) => (b.length === 0 ? undefined : b);

/** The connections a subscribe / unsubscribe / disconnect / refresh command aims at. */
export function targetOf(c: { user: string; client: string; session: string }): ConnectionFilter {
  return { user: c.user, client: text(c.client), session: text(c.session) };
}

/** Builders of the commands a node sends, one per kind. */
export const commands = {
  node(n: NodeSnapshot): CommandOf<"node"> {
    return { case: "node", value: create(NodeSchema, n) };
  },
  shutdown(): CommandOf<"shutdown"> {
    return { case: "shutdown", value: create(ShutdownSchema) };
  },
  subscribe(target: ConnectionFilter, channel: string, o: ServerSubscribeOptions): CommandOf<"subscribe"> {
    return {
      case: "subscribe",
      value: create(SubscribeSchema, {
        ...filterFields(target),
        channel,
        emitPresence: o.presence,
        emitJoinLeave: o.joinLeave,
        pushJoinLeave: o.pushJoinLeave,
        position: o.positioned,
        recover: o.recoverable,
        expireAt: BigInt(o.expireAt),
        channelInfo: o.chanInfo,
        data: o.data,
        recoverSince: o.recoverSince
          ? { offset: BigInt(o.recoverSince.offset), epoch: o.recoverSince.epoch }
          : undefined,
      }),
    };
  },
  unsubscribe(target: ConnectionFilter, channel: string, why: Disconnect): CommandOf<"unsubscribe"> {
    return {
      case: "unsubscribe",
      value: create(UnsubscribeSchema, { ...filterFields(target), channel, ...why }),
    };
  },
  disconnect(target: ConnectionFilter, why: Disconnect, whitelist: string[]): CommandOf<"disconnect"> {
    return {
      case: "disconnect",
      value: create(DisconnectSchema, {
        ...filterFields(target),
        ...why,
        whitelist,
        reconnect: shouldReconnect(why.code),
      }),
    };
  },
  refresh(
    target: ConnectionFilter,
    expired: boolean,
    expireAt: number,
    info?: Uint8Array,
  ): CommandOf<"refresh"> {
    return {
      case: "refresh",
      value: create(RefreshSchema, { ...filterFields(target), expired, expireAt: BigInt(expireAt), info }),
    };
  },
  surveyRequest(id: bigint, op: string, data: Uint8Array): CommandOf<"surveyRequest"> {
    return { case: "surveyRequest", value: create(SurveyRequestSchema, { id, op, data }) };
  },
  surveyResponse(id: bigint, code: number, data: Uint8Array): CommandOf<"surveyResponse"> {
    return { case: "surveyResponse", value: create(SurveyResponseSchema, { id, code, data }) };
  },
};

function filterFields(target: ConnectionFilter) {
  return { user: target.user, client: target.client ?? "", session: target.session ?? "" };
}

/** Reads a subscribe command back into the options a connection subscribes with. */
export function subscribeOptionsOf(c: Subscribe): ServerSubscribeOptions {
  return {
    expireAt: Number(c.expireAt),
    chanInfo: bytes(c.channelInfo),
    data: bytes(c.data),
    recoverSince: c.recoverSince
      ? { offset: Number(c.recoverSince.offset), epoch: c.recoverSince.epoch }
      : undefined,
    presence: c.emitPresence,
    joinLeave: c.emitJoinLeave,
    pushJoinLeave: c.pushJoinLeave,
    positioned: c.position,
    recoverable: c.recover,
  };
}
