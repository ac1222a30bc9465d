import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  ChannelsRequest,
  ChannelsResultSchema,
  InfoResultSchema,
  RPCRequest,
  RPCResultSchema,
} from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { compileGlob } from "../../node/glob.js";
import type { Node } from "../../node/node.js";
import { apiErrors } from "../api-errors.js";

/** Info: every node of the cluster with its connection and channel counts. */
export function info(node: Node): MessageInitShape<typeof InfoResultSchema> {
  return {
    nodes: node.info().map((n) => ({
      uid: n.uid,
      name: n.name,
      version: n.version,
      numClients: n.numClients,
      numUsers: n.numUsers,
      numChannels: n.numChannels,
      uptime: n.uptime,
      numSubs: n.numSubs,
      metrics: n.metrics && { interval: n.metrics.interval, items: { ...n.metrics.items } },
    })),
  };
}

/** Channels: active channels (at least one subscriber) on all nodes, optionally filtered by a glob. */
export async function channels(
  node: Node,
  req: ChannelsRequest,
): Promise<MessageInitShape<typeof ChannelsResultSchema>> {
  if (req.pattern && !compileGlob(req.pattern)) throw apiErrors.internal();
  const out: Record<string, { numClients: number }> = {};
  for (const [channel, numClients] of await node.surveyChannels(req.pattern)) out[channel] = { numClients };
  return { channels: out };
}

/** RPC: server API extensions; rotor registers none, so every method is 104. */
export async function rpc(_node: Node, req: RPCRequest): Promise<MessageInitShape<typeof RPCResultSchema>> {
  if (req.method === "") throw apiErrors.badRequest();
  throw apiErrors.notFound();
}
