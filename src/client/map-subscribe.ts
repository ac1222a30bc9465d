import type { SubscribeRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { SubscriptionClaims } from "../auth/token-verifier.js";
import { isMapNamespace } from "../config/map-checks.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import { errors } from "../errors/rotor-error.js";
import type { MapMode } from "../map-broker/types.js";
import { mapPaging, mapStorage } from "../node/map-channels.js";
import { resolveSubscribeOptions } from "../node/subscribe-options.js";
import { matchesFilter } from "../tags-filter/match-filter.js";
import type { Connection } from "./connection.js";
import { mapResult } from "./map-entries.js";
import { detachMapFlow, endMapFlow, type MapFlow, mapFlow, pageSize, startMapFlow } from "./map-flow.js";
import { type LiveStart, mapPhases, settleMap } from "./map-live.js";
import { authorize, checkTagsFilter } from "./subscribe-authorization.js";
import { type SubscribeParams, subscribeChannel } from "./subscribe-flow.js";

/** The client `type` each map namespace kind expects. */
const subscriptionTypes: Readonly<Record<string, number>> = { map: 1, map_clients: 2, map_users: 3 };

/**
 * Client `subscribe` to a map channel: one request per page. A flow starts
 * with a STATE request (or a STREAM / LIVE one that recovers a position) and
 * is authorised once; later requests of the flow continue it. Any failure
 * ends the flow, except 113 for a request sent while the previous one of the
 * same flow is still being answered.
 */
export async function handleMapSubscribe(s: Connection, id: number, req: SubscribeRequest): Promise<void> {
  let flow = mapFlow(s, req.channel);
  if (flow?.busy) throw errors.concurrentPagination();
  if (flow && req.phase === mapPhases.state && req.cursor === "") throw errors.alreadySubscribed();
  flow ??= await beginMapFlow(s, req);
  if (!flow) return;
  flow.busy = true;
  try {
    await answer(s, id, req, flow);
  } catch (err) {
    endMapFlow(s, flow);
    throw err;
  } finally {
    flow.busy = false;
  }
}

/** Checks and authorises the first request of a flow; undefined when the connection closed meanwhile. */
async function beginMapFlow(s: Connection, req: SubscribeRequest): Promise<MapFlow | undefined> {
  const { node, config } = s.ctx;
  if (req.phase < mapPhases.live || req.phase > mapPhases.state) throw errors.badRequest();
  const reservation = s.subscriptions.reserve(req.channel, config.client.channel_limit);
  try {
    const channel = node.channel(req.channel);
    if (!node.rules.isValidName(req.channel, channel)) throw errors.badRequest();
    const ns = channel.options;
    if (!isMapNamespace(ns) || subscriptionTypes[ns.subscription_type] !== req.type) {
      throw errors.permissionDenied();
    }
    if (req.tf) checkTagsFilter(s, req.tf, ns);
    if (req.phase === mapPhases.state ? req.cursor !== "" : req.phase === mapPhases.stream && !req.recover) {
      throw errors.permissionDenied();
    }
    const { mode } = mapStorage(ns.map);
    const auth = await authorize(s, req, channel);
    if (auth.via !== "token" && auth.via !== "permission") {
      // A subscribe proxy's answer cannot carry a map subscription's type.
      if (auth.via === "stream") auth.stream.cancel();
      throw errors.badRequest();
    }
    if (reservation.phase === "closed") return undefined;
    const claims = auth.via === "token" ? auth.claims : undefined;
    const expireAt = s.insecure ? 0 : (claims?.expireAt ?? 0);
    if (expireAt > 0 && expireAt < Date.now() / 1000) throw errors.expired();
    const params = mapParams(req, ns, mode, claims);
    return startMapFlow(s, { channel: req.channel, reservation, params, paging: mapPaging(ns.map), mode });
  } catch (err) {
    s.subscriptions.release(reservation);
    throw err;
  }
}

/**
 * A map subscription's options: the namespace's presence and join/leave,
 * positioned and recoverable in the stream modes whatever the client asks,
 * fossil deltas when asked for and allowed. A subscription token's expiry is
 * checked at subscribe only: a map reply carries no `expires` (as
 * Centrifugo's), so the client would never be asked to refresh it.
 */
function mapParams(
  req: SubscribeRequest,
  ns: ChannelOptions,
  mode: MapMode,
  claims: SubscriptionClaims | undefined,
): SubscribeParams {
  const streamed = mode !== "ephemeral";
  return {
    ...resolveSubscribeOptions(ns, { by: "server", override: claims?.override }),
    positioned: streamed,
    recoverable: streamed,
    delta: req.delta === "fossil" && ns.allowed_delta_types.includes("fossil"),
    keyed: true,
    tagsFilter: req.tf,
    removeClientOnUnsubscribe: ns.map.remove_client_on_unsubscribe,
    serverSide: false,
    chanInfo: claims?.info,
    rejectUnrecovered: false,
    cacheRecovery: false,
    expireAt: 0,
    data: claims?.data,
  };
}

function answer(s: Connection, id: number, req: SubscribeRequest, flow: MapFlow): Promise<void> {
  switch (req.phase) {
    case mapPhases.state:
      return statePage(s, id, req, flow);
    case mapPhases.stream:
      if (flow.mode === "ephemeral") throw errors.badRequest();
      return streamPage(s, id, req, flow);
    case mapPhases.live: {
      const epoch = req.epoch || flow.position?.epoch || "";
      return goLive(s, id, flow, {
        since: { offset: Number(req.offset), epoch },
        state: [],
        recovering: req.recover,
      });
    }
    default:
      throw errors.badRequest();
  }
}

/**
 * A STATE page. The first freezes the position; entries written after it are
 * left out (the stream brings them). The last page goes live at once when
 * the stream holds at most a page more (and always in ephemeral mode).
 */
async function statePage(s: Connection, id: number, req: SubscribeRequest, flow: MapFlow): Promise<void> {
  const limit = pageSize(flow.paging, req.limit);
  const revision = req.epoch !== "" ? { offset: Number(req.offset), epoch: req.epoch } : undefined;
  const page = await s.ctx.node.maps.readState(flow.channel, { cursor: req.cursor, limit, revision });
  flow.position ??= page.position;
  const frozen = flow.position;
  if (page.position.epoch !== frozen.epoch) throw errors.unrecoverablePosition();
  const filter = flow.params.tagsFilter;
  const entries = page.publications.filter(
    (p) =>
      (flow.mode === "ephemeral" || p.offset <= frozen.offset) && (!filter || matchesFilter(filter, p.tags)),
  );
  if (page.cursor === "" && (flow.mode === "ephemeral" || frozen.offset + limit >= page.position.offset)) {
    return goLive(s, id, flow, { since: frozen, state: entries, recovering: false });
  }
  s.reply(id, {
    subscribe: mapResult(
      s,
      {
        type: 1,
        phase: mapPhases.state,
        cursor: page.cursor,
        epoch: frozen.epoch,
        offset: BigInt(frozen.offset),
      },
      { state: entries },
      flow.params.delta,
    ),
  });
}

/**
 * A STREAM page from the client's offset; close enough to the stream top
 * seen by the flow's first STREAM request, it goes live instead. A client
 * that recovers after a reconnect starts its flow here.
 */
async function streamPage(s: Connection, id: number, req: SubscribeRequest, flow: MapFlow): Promise<void> {
  const maps = s.ctx.node.maps;
  if (flow.position && req.epoch !== "" && req.epoch !== flow.position.epoch) {
    throw errors.unrecoverablePosition();
  }
  flow.position ??= { offset: Number(req.offset), epoch: req.epoch };
  const since = { offset: Number(req.offset), epoch: flow.position.epoch };
  if (flow.streamStart < 0) {
    const top = (await maps.readStream(flow.channel, { limit: 0 })).position;
    if (since.epoch !== "" && top.epoch !== since.epoch) throw errors.unrecoverablePosition();
    flow.streamStart = top.offset;
  }
  const limit = pageSize(flow.paging, req.limit);
  if (since.offset + limit >= flow.streamStart) {
    return goLive(s, id, flow, { since, state: [], recovering: req.recover });
  }
  const read = await maps.readStream(flow.channel, { since, limit });
  const pubs = read.publications;
  const filter = flow.params.tagsFilter;
  if (pubs[0]?.offset !== since.offset + 1) throw errors.unrecoverablePosition();
  s.reply(id, {
    subscribe: mapResult(
      s,
      {
        type: 1,
        phase: mapPhases.stream,
        epoch: read.position.epoch,
        offset: BigInt(pubs[pubs.length - 1]!.offset),
      },
      { publications: pubs.filter((p) => !filter || matchesFilter(filter, p.tags)) },
      flow.params.delta,
    ),
  });
}

/** Registers the subscription (live changes are buffered from here), settles it, replies, then delivers. */
async function goLive(s: Connection, id: number, flow: MapFlow, start: LiveStart): Promise<void> {
  detachMapFlow(s, flow);
  const subscribed = await subscribeChannel(s, flow.reservation, flow.params, (s, sub, p) =>
    settleMap(s, sub, p, flow, start),
  );
  if (!subscribed) return;
  s.reply(id, { subscribe: subscribed.result });
  subscribed.commit();
}
