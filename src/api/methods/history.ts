import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  HistoryRemoveRequest,
  HistoryRemoveResultSchema,
  HistoryRequest,
  HistoryResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { keepsHistory } from "../../core/broker.js";
import { ErrorCode } from "../../errors/rotor-error.js";
import type { ChannelInfo } from "../../node/channel-rules.js";
import type { Node } from "../../node/node.js";
import { apiErrors, engineFailure } from "../api-errors.js";
import { apiClientInfo } from "./presence.js";

/** What the node raises itself around the engine's answer, kept as they are. */
const nodeErrors = [ErrorCode.BadRequest, ErrorCode.UnrecoverablePosition];

function requireHistory(node: Node, channel: string): ChannelInfo {
  if (channel === "") throw apiErrors.badRequest();
  const info = node.channel(channel);
  if (!keepsHistory(info.options.history_size, info.options.history_ttl)) throw apiErrors.notAvailable();
  return info;
}

/**
 * History: publications kept for a channel and the stream top. `limit` 0 (the
 * default) returns only the position, -1 everything; `since` from another
 * epoch is 112, an engine that fails (or keeps no history, as NATS) 100.
 */
export async function history(
  node: Node,
  req: HistoryRequest,
): Promise<MessageInitShape<typeof HistoryResultSchema>> {
  const info = requireHistory(node, req.channel);
  const since = req.since ? { offset: Number(req.since.offset), epoch: req.since.epoch } : undefined;
  const result = await node
    .history(req.channel, { limit: req.limit, since, reverse: req.reverse }, info)
    .catch((err) => {
      throw engineFailure(err, nodeErrors);
    });
  return {
    publications: result.publications.map((pub) => ({
      data: pub.data,
      info: pub.info ? apiClientInfo(pub.info) : undefined,
      offset: BigInt(pub.offset),
      tags: pub.tags ? { ...pub.tags } : {},
    })),
    epoch: result.position.epoch,
    offset: BigInt(result.position.offset),
  };
}

/** HistoryRemove: drops a channel's stored publications; the stream position stays. */
export async function historyRemove(
  node: Node,
  req: HistoryRemoveRequest,
): Promise<MessageInitShape<typeof HistoryRemoveResultSchema>> {
  requireHistory(node, req.channel);
  await node.removeHistory(req.channel).catch((err) => {
    throw engineFailure(err);
  });
  return {};
}
