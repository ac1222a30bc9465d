import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type {
  ChannelsResponseSchema,
  InfoResponseSchema,
  RPCRequest,
  RPCResponseSchema,
} from "../../../gen/api/api_pb.js";
import {
  ChannelsRequestSchema as CurrentChannelsRequestSchema,
  RPCRequestSchema as CurrentRPCRequestSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import type { ApiService } from "../api-service.js";
import { v2Response } from "./v2-errors.js";

/** v2 Info: the nodes without `num_subs` (added later) and without metrics (rotor collects none). */
export async function info(service: ApiService): Promise<MessageInitShape<typeof InfoResponseSchema>> {
  const outcome = await service.call("info", undefined);
  return v2Response(outcome, (result) => ({
    nodes: (result.nodes ?? []).map((n) => ({
      uid: n.uid,
      name: n.name,
      version: n.version,
      numClients: n.numClients,
      numUsers: n.numUsers,
      numChannels: n.numChannels,
      uptime: n.uptime,
    })),
  }));
}

/** v2 Channels: only the names (`repeated string`; the current API maps them to counts). */
export async function channels(
  service: ApiService,
): Promise<MessageInitShape<typeof ChannelsResponseSchema>> {
  const outcome = await service.call("channels", create(CurrentChannelsRequestSchema));
  return v2Response(outcome, (result) => ({ channels: Object.keys(result.channels ?? {}) }));
}

/** v2 RPC: an empty method is 107, any other is 104 ("method not found"): rotor registers none. */
export async function rpc(
  service: ApiService,
  req: RPCRequest,
): Promise<MessageInitShape<typeof RPCResponseSchema>> {
  const request = create(CurrentRPCRequestSchema, { method: req.method, params: req.params });
  return v2Response(await service.call("rpc", request), (result) => ({ data: result.data }));
}
