import type { TestServer } from "../helpers/server.js";
import type { ApiSurface } from "./api-surfaces.js";

// biome-ignore lint/suspicious/noExplicitAny: protobuf JSON of any response
export type Json = any;

/** Map namespaces of each mode, short lifetimes where expiry is shown, and a stream namespace beside them. */
export const mapNamespaces = [
  { name: "board", subscription_type: "map", map: { mode: "persistent" } },
  { name: "rec", subscription_type: "map", map: { mode: "recoverable", key_ttl: "60s", stream_size: 3 } },
  { name: "brief", subscription_type: "map", map: { mode: "recoverable", key_ttl: "1s" } },
  {
    name: "fleeting",
    subscription_type: "map",
    map: { mode: "recoverable", key_ttl: "60s", stream_ttl: "1s" },
  },
  { name: "deltas", subscription_type: "map", delta_publish: true, map: { mode: "persistent" } },
  { name: "eph", subscription_type: "map", map: { mode: "ephemeral", key_ttl: "1s" } },
  { name: "chat", history_size: 10, history_ttl: "300s" },
];

export const num = (v: unknown) => Number(v ?? 0);
const value = (b64: string | undefined) => JSON.parse(Buffer.from(b64 ?? "", "base64").toString());

/** An entry as the tests compare it: the payload decoded, positions as numbers, time left out. */
export function entry(e: Json) {
  return {
    key: e.key,
    data: e.removed ? undefined : value(e.data),
    tags: e.tags ?? {},
    offset: num(e.offset),
    removed: e.removed ?? false,
  };
}

export const bad = { error: { code: 107, message: "bad request" } };
export const unrecoverable = { error: { code: 112, message: "unrecoverable position" } };

/** What the map API cases reach once the suite's server runs. */
export interface MapApiContext {
  srv(): TestServer;
  /** Every surface of the server: grpc-js, gRPC, gRPC-Web, Connect JSON and binary, HTTP JSON. */
  surfaces(): ApiSurface[];
  /** Runs a case on each surface in turn, with a call answering Centrifugo's protobuf JSON. */
  each(
    run: (s: ApiSurface, call: (method: string, request: Json) => Promise<Json>) => Promise<void>,
  ): Promise<void>;
}
