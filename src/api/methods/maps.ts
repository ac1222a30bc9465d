import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  MapClearRequest,
  MapClearResultSchema,
  MapEntrySchema,
  MapPublishRequest,
  MapPublishResultSchema,
  MapReadStateRequest,
  MapReadStateResultSchema,
  MapReadStreamRequest,
  MapReadStreamResultSchema,
  MapRemoveRequest,
  MapRemoveResultSchema,
  MapStatsRequest,
  MapStatsResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { isMapNamespace } from "../../config/map-checks.js";
import type { StreamPosition } from "../../core/publication.js";
import { ErrorCode, errors } from "../../errors/rotor-error.js";
import type { KeyMode, MapPublication, MapUpdateResult } from "../../map-broker/types.js";
import type { ChannelInfo } from "../../node/channel-rules.js";
import type { Node } from "../../node/node.js";
import { apiErrors, engineFailure } from "../api-errors.js";
import { payload } from "./payload.js";

/** What the map brokers raise themselves on a caller's bad input, kept as they are. */
const brokerRefusals = [ErrorCode.BadRequest, ErrorCode.UnrecoverablePosition];

const keyModes = new Set<string>(["", "if_new", "if_exists"]);

const failed = (err: unknown) => {
  throw engineFailure(err, brokerRefusals);
};

/** A map channel's namespace: 107 for an empty name or a namespace that is not a map type, 102 for an unknown one. */
function requireMap(node: Node, channel: string): ChannelInfo {
  if (channel === "") throw apiErrors.badRequest();
  const info = node.channel(channel);
  if (!isMapNamespace(info.options)) throw apiErrors.badRequest();
  return info;
}

function requireKey(key: string): string {
  if (key === "") throw apiErrors.badRequest();
  return key;
}

/** The answer of a write, publish or remove alike (their result messages have the same fields). */
function updateResult(r: MapUpdateResult) {
  return {
    offset: BigInt(r.position.offset),
    epoch: r.position.epoch,
    suppressed: r.suppressed,
    suppressReason: r.suppressReason ?? "",
  };
}

/** A key's state or change as the API returns it; `time` in unix milliseconds. */
function mapEntry(pub: MapPublication): MessageInitShape<typeof MapEntrySchema> {
  return {
    key: pub.key,
    data: pub.data,
    tags: pub.tags ? { ...pub.tags } : {},
    offset: BigInt(pub.offset),
    removed: pub.removed,
    time: BigInt(pub.time),
  };
}

/** A caller's position; absent when it names neither an offset nor an epoch. */
function positionOf(offset: bigint, epoch: string): StreamPosition | undefined {
  return offset > 0n || epoch !== "" ? { offset: Number(offset), epoch } : undefined;
}

/** `limit`: 0 reads only the position, any negative value every key or change. */
const limitOf = (limit: number) => (limit < 0 ? -1 : limit);

/**
 * MapPublish: sets one key of a map channel and sends the change to its
 * subscribers. A write that changes nothing (`key_mode`, `version`, a repeated
 * `idempotency_key`) is answered with `suppressed` and why, not an error.
 * `stream_data` and `score` are accepted and ignored, as Centrifugo OSS does.
 */
export async function mapPublish(
  node: Node,
  req: MapPublishRequest,
): Promise<MessageInitShape<typeof MapPublishResultSchema>> {
  const info = requireMap(node, req.channel);
  const key = requireKey(req.key);
  if (!keyModes.has(req.keyMode)) throw apiErrors.badRequest();
  const result = await node.maps
    .publish(req.channel, key, {
      data: payload(req.data, req.b64data),
      tags: req.tags,
      idempotencyKey: req.idempotencyKey || undefined,
      delta: req.delta || info.options.delta_publish,
      version: req.version > 0n ? Number(req.version) : undefined,
      versionEpoch: req.versionEpoch || undefined,
      keyMode: req.keyMode as KeyMode,
    })
    .catch(failed);
  return updateResult(result);
}

/** MapRemove: removes one key; a key that is not there is `suppressed` with `key_not_found`. */
export async function mapRemove(
  node: Node,
  req: MapRemoveRequest,
): Promise<MessageInitShape<typeof MapRemoveResultSchema>> {
  requireMap(node, req.channel);
  const key = requireKey(req.key);
  const result = await node.maps
    .remove(req.channel, key, { idempotencyKey: req.idempotencyKey || undefined })
    .catch(failed);
  return updateResult(result);
}

/**
 * MapReadState: a page of the current keys and the position they are current
 * at; `cursor` continues the read, `key` reads one key. A `revision_epoch`
 * other than the channel's is 112: the caller's copy belongs to a cleared or
 * expired generation of the map.
 */
export async function mapReadState(
  node: Node,
  req: MapReadStateRequest,
): Promise<MessageInitShape<typeof MapReadStateResultSchema>> {
  requireMap(node, req.channel);
  const result = await node.maps
    .readState(req.channel, {
      revision:
        req.revisionEpoch !== ""
          ? { offset: Number(req.revisionOffset), epoch: req.revisionEpoch }
          : undefined,
      cursor: req.cursor,
      limit: limitOf(req.limit),
      key: req.key !== "" ? req.key : undefined,
    })
    .catch(failed);
  return {
    entries: result.publications.map(mapEntry),
    offset: BigInt(result.position.offset),
    epoch: result.position.epoch,
    cursor: result.cursor,
  };
}

/**
 * Whether changes after `since` are missing from what was read: the stream
 * moved past it but the first change kept does not follow it (trimmed by size
 * or age).
 */
function lostSince(since: StreamPosition, first: MapPublication | undefined, top: StreamPosition): boolean {
  if (top.offset <= since.offset) return false;
  return first === undefined || first.offset !== since.offset + 1;
}

/**
 * MapReadStream: the changes kept in a map channel's stream after
 * (`reverse`: before) a position. Changes after `since` that are no longer
 * kept, or a `since_epoch` other than the channel's, are 112.
 */
export async function mapReadStream(
  node: Node,
  req: MapReadStreamRequest,
): Promise<MessageInitShape<typeof MapReadStreamResultSchema>> {
  requireMap(node, req.channel);
  const since = positionOf(req.sinceOffset, req.sinceEpoch);
  const limit = limitOf(req.limit);
  const result = await node.maps
    .readStream(req.channel, { since, limit, reverse: req.reverse })
    .catch(failed);
  if (since && !req.reverse && limit !== 0 && lostSince(since, result.publications[0], result.position)) {
    throw errors.unrecoverablePosition();
  }
  return {
    entries: result.publications.map(mapEntry),
    offset: BigInt(result.position.offset),
    epoch: result.position.epoch,
  };
}

/** MapStats: how many keys a map channel holds. */
export async function mapStats(
  node: Node,
  req: MapStatsRequest,
): Promise<MessageInitShape<typeof MapStatsResultSchema>> {
  requireMap(node, req.channel);
  const stats = await node.maps.stats(req.channel).catch(failed);
  return { numKeys: stats.numKeys };
}

/** MapClear: drops a map channel's keys and stream; its next write starts a new epoch. */
export async function mapClear(
  node: Node,
  req: MapClearRequest,
): Promise<MessageInitShape<typeof MapClearResultSchema>> {
  requireMap(node, req.channel);
  await node.maps.clear(req.channel).catch(failed);
  return {};
}
