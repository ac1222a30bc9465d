import type { StreamPosition } from "../broker/types.js";

/** Which connections of a user a control command targets. */
export interface ConnectionFilter {
  readonly user: string;
  /** Only this client id. */
  readonly client?: string | undefined;
  /** Only this session id. */
  readonly session?: string | undefined;
}

/** Channel options a server-side subscription may override (absent = namespace default). */
export interface SubscribeOverride {
  readonly presence?: boolean | undefined;
  readonly joinLeave?: boolean | undefined;
  readonly forcePushJoinLeave?: boolean | undefined;
  readonly forceRecovery?: boolean | undefined;
  readonly forcePositioning?: boolean | undefined;
}

export interface ServerSubscribeOptions {
  /** Unix seconds when the subscription expires; 0 never. */
  readonly expireAt: number;
  /** Channel info shown as chan_info; base64 on the wire between nodes. */
  readonly info?: string | undefined;
  /** Data sent to the client in the subscribe push; base64 between nodes. */
  readonly data?: string | undefined;
  readonly recoverSince?: StreamPosition | undefined;
  readonly override: SubscribeOverride;
}

export interface NodeSnapshot {
  readonly uid: string;
  readonly name: string;
  readonly version: string;
  readonly numClients: number;
  readonly numUsers: number;
  readonly numChannels: number;
  readonly numSubs: number;
  readonly uptime: number;
}

/**
 * Node-to-node commands carried by the broker's control channel. Every node,
 * the sender included, applies them to its own connections.
 */
export type ControlMessage =
  | { type: "node"; node: NodeSnapshot }
  | { type: "subscribe"; target: ConnectionFilter; channel: string; options: ServerSubscribeOptions }
  | { type: "unsubscribe"; target: ConnectionFilter; channel: string }
  | { type: "disconnect"; target: ConnectionFilter; code: number; reason: string; whitelist: string[] }
  | {
      type: "refresh";
      target: ConnectionFilter;
      expired: boolean;
      expireAt: number;
      info?: string | undefined;
    }
  | { type: "survey"; id: string; from: string; op: string; params: unknown }
  | { type: "survey_reply"; id: string; from: string; result: unknown };

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function encodeControl(message: ControlMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

/** Decodes a control message; undefined for bytes that are not one (logged by the caller). */
export function decodeControl(data: Uint8Array): ControlMessage | undefined {
  try {
    const value = JSON.parse(decoder.decode(data)) as ControlMessage;
    return typeof value === "object" && value !== null && typeof value.type === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}
