import type { MessageInitShape } from "@bufbuild/protobuf";
import type { PublicationSchema } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { Publication } from "../core/publication.js";
import type { MapPublication } from "../map-broker/types.js";
import { jsonStringOf } from "../protocol/embedded-json.js";
import type { Connection } from "./connection.js";

const maxTtl = 365 * 24 * 3600;

/** Seconds until `expireAt` (unix seconds) as a connect / subscribe reply states it, capped at a year. */
export function ttlUntil(expireAt: number): number {
  return Math.max(0, Math.min(maxTtl, Math.ceil(expireAt - Date.now() / 1000)));
}

/**
 * A publication inside a reply (history, recovery, a map's state and stream).
 * Delta-mode JSON clients get the payload as a JSON string, as they get it
 * live; delta-mode clients get no `version`, as Centrifugo re-builds their
 * recovered publications without it; a map change keeps its `key` and `removed`.
 */
export function wirePublication(
  s: Connection,
  pub: Publication,
  deltaMode = false,
): MessageInitShape<typeof PublicationSchema> {
  const { key = "", removed = false } = pub as Partial<MapPublication>;
  const asString = deltaMode && s.codec.name === "json" && !removed;
  const data = asString ? Buffer.from(jsonStringOf(pub.data)) : pub.data;
  return {
    data,
    info: pub.info,
    offset: BigInt(pub.offset),
    tags: pub.tags ? { ...pub.tags } : {},
    key,
    removed,
    version: BigInt(deltaMode ? 0 : (pub.version ?? 0)),
  };
}
