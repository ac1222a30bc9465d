import type { ServiceImpl } from "@connectrpc/connect";
import type { Centrifugo } from "../../../gen/api/api_pb.js";
import type { ApiService } from "../api-service.js";
import { disconnect, unsubscribe } from "./connections.js";
import { history, historyRemove } from "./history.js";
import { channels, info, rpc } from "./info.js";
import { presence, presenceStats } from "./presence.js";
import { broadcast, publish } from "./publish.js";

/**
 * The seed-era service `api.Centrifugo` (Centrifugo v2) as a thin adapter over
 * the one implementation: each method turns the v2 request into the current
 * one, adds the checks v2 made and the current API dropped, and turns the
 * outcome back into v2's shapes and messages. Errors are always in the body.
 */
export function centrifugoV2Impl(service: ApiService): ServiceImpl<typeof Centrifugo> {
  return {
    publish: (req) => publish(service, req),
    broadcast: (req) => broadcast(service, req),
    unsubscribe: (req) => unsubscribe(service, req),
    disconnect: (req) => disconnect(service, req),
    presence: (req) => presence(service, req),
    presenceStats: (req) => presenceStats(service, req),
    history: (req) => history(service, req),
    historyRemove: (req) => historyRemove(service, req),
    channels: () => channels(service),
    info: () => info(service),
    rPC: (req) => rpc(service, req),
  };
}
