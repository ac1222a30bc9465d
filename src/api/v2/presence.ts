import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  ClientInfoSchema,
  PresenceRequest,
  PresenceResponseSchema,
  PresenceStatsRequest,
  PresenceStatsResponseSchema,
} from "../../../gen/api/api_pb.js";
import {
  type ClientInfoSchema as CurrentClientInfoSchema,
  PresenceRequestSchema as CurrentPresenceRequestSchema,
  PresenceStatsRequestSchema as CurrentPresenceStatsRequestSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ApiService } from "../api-service.js";
import { v2Response } from "./v2-errors.js";

/** A current ClientInfo as a v2 one: the same four fields under another package. */
export function v2ClientInfo(
  info: MessageInitShape<typeof CurrentClientInfoSchema>,
): MessageInitShape<typeof ClientInfoSchema> {
  return { user: info.user, client: info.client, connInfo: info.connInfo, chanInfo: info.chanInfo };
}

/** v2 Presence: client id → ClientInfo of everyone in the channel. */
export async function presence(
  service: ApiService,
  req: PresenceRequest,
): Promise<MessageInitShape<typeof PresenceResponseSchema>> {
  const outcome = await service.call(
    "presence",
    create(CurrentPresenceRequestSchema, { channel: req.channel }),
  );
  return v2Response(outcome, (result) => {
    const out: Record<string, MessageInitShape<typeof ClientInfoSchema>> = {};
    for (const [client, info] of Object.entries(result.presence ?? {})) out[client] = v2ClientInfo(info);
    return { presence: out };
  });
}

/** v2 PresenceStats: the same two counts as today. */
export async function presenceStats(
  service: ApiService,
  req: PresenceStatsRequest,
): Promise<MessageInitShape<typeof PresenceStatsResponseSchema>> {
  const outcome = await service.call(
    "presenceStats",
    create(CurrentPresenceStatsRequestSchema, { channel: req.channel }),
  );
  return v2Response(outcome, (r) => ({ numClients: r.numClients, numUsers: r.numUsers }));
}
