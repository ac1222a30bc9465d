import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ClientInfoSchema,
  PresenceRequest,
  PresenceResultSchema,
  PresenceStatsRequest,
  PresenceStatsResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ClientInfo } from "../../core/publication.js";
import type { Node } from "../../node/node.js";
import { apiErrors } from "../api-errors.js";

const empty = new Uint8Array(0);

/** A ClientInfo as the server API returns it. */
export function apiClientInfo(info: ClientInfo): MessageInitShape<typeof ClientInfoSchema> {
  return {
    user: info.user,
    client: info.client,
    connInfo: info.connInfo ?? empty,
    chanInfo: info.chanInfo ?? empty,
  };
}

function requirePresence(node: Node, channel: string): void {
  if (channel === "") throw apiErrors.badRequest();
  if (!node.channel(channel).options.presence) throw apiErrors.notAvailable();
}

/** Presence: who is subscribed to a channel right now, keyed by client id. */
export async function presence(
  node: Node,
  req: PresenceRequest,
): Promise<MessageInitShape<typeof PresenceResultSchema>> {
  requirePresence(node, req.channel);
  const members = await node.presence(req.channel);
  const out: Record<string, MessageInitShape<typeof ClientInfoSchema>> = {};
  for (const [client, info] of members) out[client] = apiClientInfo(info);
  return { presence: out };
}

/** PresenceStats: how many clients and distinct users are in a channel. */
export async function presenceStats(
  node: Node,
  req: PresenceStatsRequest,
): Promise<MessageInitShape<typeof PresenceStatsResultSchema>> {
  requirePresence(node, req.channel);
  const stats = await node.presenceStats(req.channel);
  return { numClients: stats.numClients, numUsers: stats.numUsers };
}
