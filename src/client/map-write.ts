import type { PublishRequest } from "../../gen/centrifugal/centrifuge/protocol/client_pb.js";
import type { NamespaceMapConfig } from "../config/map-schema.js";
import { errors } from "../errors/rotor-error.js";
import type { MapPublishOptions, MapRemoveOptions } from "../map-broker/types.js";
import { mapPublishViaProxy } from "../proxy/calls/map-publish.js";
import { mapRemoveViaProxy } from "../proxy/calls/map-remove.js";
import { channelOf } from "./commands.js";
import type { Connection } from "./connection.js";
import { canWriteMap } from "./permissions.js";

/** The key a client writes, after the namespace's `client_key` rule: its connection, its user, or its own choice. */
function resolveKey(s: Connection, m: NamespaceMapConfig, key: string): string {
  if (m.client_key === "client_id") return s.id;
  if (m.client_key === "user_id") {
    if (s.user === "") throw errors.permissionDenied();
    return s.user;
  }
  return key;
}

/**
 * Client `publish` with `type: 1`: writes a key of a map channel, or removes
 * it (`removed`). In Centrifugo's order: unknown namespace 102, bad name
 * 107, then the namespace's map publish/remove proxy decides (and may change
 * key, data and write options), or the `map.allow_*` options allow it (103
 * otherwise); the key follows `client_key`, and an empty final key is 107.
 * The write carries the writer's ClientInfo. A write the broker suppressed
 * (key mode, version, idempotency) is still answered with an empty result;
 * a namespace that holds no maps fails in the broker (100), as there.
 */
export async function handleMapWrite(s: Connection, id: number, req: PublishRequest): Promise<void> {
  const channel = channelOf(s, req.channel);
  const ns = channel.options;
  const verb = req.removed ? "remove" : "publish";
  const sub = s.subscriptions.get(req.channel);
  const proxy = s.ctx.proxies.channel(req.removed ? "map_remove" : "map_publish", ns);
  if (!proxy && !canWriteMap(verb, s, ns.map, sub !== undefined)) throw errors.permissionDenied();
  const { maps } = s.ctx.node;
  if (req.removed) {
    let options: MapRemoveOptions = {};
    let key = req.key;
    if (proxy) {
      ({ key, ...options } = await mapRemoveViaProxy(proxy, s, req.channel, req.key));
      if (s.closed) return;
    } else key = resolveKey(s, ns.map, key);
    if (key === "") throw errors.badRequest();
    await maps.remove(req.channel, key, options);
  } else {
    let key = req.key;
    let options: MapPublishOptions = { data: req.data };
    if (proxy) {
      ({ key, ...options } = await mapPublishViaProxy(proxy, s, req.channel, req.key, req.data));
      if (s.closed) return;
    } else key = resolveKey(s, ns.map, key);
    if (key === "") throw errors.badRequest();
    const info = s.clientInfo(sub?.chanInfo);
    await maps.publish(req.channel, key, { ...options, info, delta: options.delta || ns.delta_publish });
  }
  s.reply(id, { publish: {} });
}
