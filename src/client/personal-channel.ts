import type { Config } from "../config/schema.js";
import { disconnects } from "../errors/disconnect.js";
import type { Connection } from "./connection.js";

/**
 * The personal channel of `user` under `client.subscribe_to_user_personal_channel`:
 * `#42` without a namespace, `personal:#42` in namespace `personal` (with the
 * configured boundaries).
 */
export function personalChannelName(config: Config, user: string): string {
  const { personal_channel_namespace: namespace } = config.client.subscribe_to_user_personal_channel;
  const { namespace_boundary, user_boundary } = config.channel;
  return namespace === ""
    ? `${user_boundary}${user}`
    : `${namespace}${namespace_boundary}${user_boundary}${user}`;
}

/**
 * The personal channel a connecting user is subscribed to server-side, if
 * any: only when the feature is on and the user is known from a token or the
 * connect proxy (anonymous connections have none). With `single_connection`,
 * a user already present in that channel anywhere in the cluster has its
 * other connections closed with 3504 (SDKs do not reconnect after it); the
 * close is not awaited, and a presence failure fails the connect with 3004.
 */
export async function personalChannel(s: Connection, user: string): Promise<string | undefined> {
  const personal = s.ctx.config.client.subscribe_to_user_personal_channel;
  if (!personal.enabled || user === "") return undefined;
  const channel = personalChannelName(s.ctx.config, user);
  if (personal.single_connection) {
    const stats = await s.ctx.node.presenceStats(channel).catch((err: unknown) => {
      s.ctx.log.error({ err, channel }, "personal channel presence stats failed");
      throw disconnects.serverError;
    });
    if (stats.numClients >= 1) {
      s.ctx.node.disconnectUser({ user }, disconnects.connectionLimit, [s.id]).catch((err: unknown) => {
        s.ctx.log.error({ err, user }, "closing the user's other connections failed");
      });
    }
  }
  return channel;
}
