import type { NamespaceMapConfig } from "../config/map-schema.js";
import type { ChannelOptions } from "../config/namespace-schema.js";
import type { ChannelInfo } from "../node/channel-rules.js";

/** Who is asking: the connection's user ("" when anonymous) and whether the server runs insecure. */
export interface Asker {
  readonly user: string;
  readonly insecure: boolean;
}

/** "For client" and "for subscriber" permissions exclude anonymous users unless the "for anonymous" option allows them. */
function userAllowed(asker: Asker, anonymousAllowed: boolean): boolean {
  return asker.user !== "" || anonymousAllowed;
}

/**
 * May this connection subscribe without a subscription token? User-limited
 * channels (`ns:chat#alice,bob`) admit the listed users; otherwise the
 * namespace must allow client subscriptions; insecure mode admits everyone.
 */
export function canSubscribeWithoutToken(asker: Asker, channel: ChannelInfo): boolean {
  const ns = channel.options;
  if (ns.allow_user_limited_channels && channel.allowedUsers) {
    return asker.user !== "" && channel.allowedUsers.includes(asker.user);
  }
  if (ns.allow_subscribe_for_client && userAllowed(asker, ns.allow_subscribe_for_anonymous)) return true;
  return asker.insecure;
}

type Feature = "publish" | "presence" | "history";

const optionNames: Record<Feature, [keyof ChannelOptions, keyof ChannelOptions, keyof ChannelOptions]> = {
  publish: ["allow_publish_for_client", "allow_publish_for_subscriber", "allow_publish_for_anonymous"],
  presence: ["allow_presence_for_client", "allow_presence_for_subscriber", "allow_presence_for_anonymous"],
  history: ["allow_history_for_client", "allow_history_for_subscriber", "allow_history_for_anonymous"],
};

/** Publish, presence or history permission in a namespace, following Centrifugo's v6 options. */
export function canUse(feature: Feature, asker: Asker, ns: ChannelOptions, subscribed: boolean): boolean {
  if (asker.insecure) return true;
  const [forClient, forSubscriber, forAnonymous] = optionNames[feature];
  if (!userAllowed(asker, ns[forAnonymous] === true)) return false;
  return ns[forClient] === true || (ns[forSubscriber] === true && subscribed);
}

/**
 * May this connection write into (or remove from) a map without a proxy: the
 * namespace's `map.allow_<verb>_for_client|subscriber|anonymous`, as for
 * publish; insecure mode admits everyone.
 */
export function canWriteMap(
  verb: "publish" | "remove",
  asker: Asker,
  m: NamespaceMapConfig,
  subscribed: boolean,
): boolean {
  if (asker.insecure) return true;
  if (!userAllowed(asker, m[`allow_${verb}_for_anonymous`])) return false;
  return m[`allow_${verb}_for_client`] || (m[`allow_${verb}_for_subscriber`] && subscribed);
}
