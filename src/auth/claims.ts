import type { SubscribeOverride } from "../core/subscribe-override.js";
import {
  bytesClaim,
  expireAtClaim,
  isObject,
  jsonBytes,
  overrideClaim,
  type Read,
  stringClaim,
  userClaim,
} from "./claim-values.js";

/** A server-side subscription a connection token lists in `subs`. */
export interface TokenSubscription {
  /** Channel info for this client (`info`, or decoded `b64info`). */
  readonly info?: Uint8Array;
  /** Sent to the client in the subscribe result (`data`, or decoded `b64data`). */
  readonly data?: Uint8Array;
  readonly override?: SubscribeOverride;
}

/** What a verified connection token grants, normalised for the client session. */
export interface ConnectionClaims {
  /** `sub` (or `user_id_claim`); "" is anonymous. */
  readonly user: string;
  /** Unix seconds when the connection expires; 0 never (see `expireAtClaim`). */
  readonly expireAt: number;
  /** The token's own `exp`, when it has one. */
  readonly exp: number | undefined;
  /** Connection info (`info` as JSON bytes, or decoded `b64info`). */
  readonly info: Uint8Array | undefined;
  /** Server-side channels; empty when `subs` is set, which replaces it (Centrifugo's rule). */
  readonly channels: readonly string[];
  /** Server-side channels with per-channel options, by channel. */
  readonly subs: Readonly<Record<string, TokenSubscription>>;
  /** Server-only metadata as JSON bytes, never sent to clients. */
  readonly meta: Uint8Array | undefined;
}

/** What a verified subscription token grants, normalised for the client session. */
export interface SubscriptionClaims {
  /** `sub` (or `user_id_claim`); must equal the connection's user. */
  readonly user: string;
  /** The channel the token is for; must equal the channel subscribed. */
  readonly channel: string;
  /** Unix seconds when the subscription expires; 0 never. */
  readonly expireAt: number;
  readonly exp: number | undefined;
  readonly info: Uint8Array | undefined;
  readonly data: Uint8Array | undefined;
  readonly override: SubscribeOverride | undefined;
  /** Deprecated (Centrifugo v3): when set, the client id the token was minted for. */
  readonly client: string | undefined;
}

type Claims = Readonly<Record<string, unknown>>;

function channelsClaim(claims: Claims): Read<string[]> {
  const value = claims.channels ?? [];
  const ok = Array.isArray(value) && value.every((c) => typeof c === "string");
  return ok ? { value } : { reason: '"channels" must be an array of strings' };
}

function subsClaim(claims: Claims): Read<Record<string, TokenSubscription>> {
  const value = claims.subs ?? {};
  if (!isObject(value)) return { reason: '"subs" must be an object' };
  const entries: [string, TokenSubscription][] = [];
  for (const [channel, options] of Object.entries(value)) {
    if (!isObject(options)) return { reason: `"subs.${channel}" must be an object` };
    const info = bytesClaim(options, "info", "b64info");
    if ("reason" in info) return info;
    const data = bytesClaim(options, "data", "b64data");
    if ("reason" in data) return data;
    const override = overrideClaim(options.override, `subs.${channel}.override`);
    if ("reason" in override) return override;
    entries.push([channel, { info: info.value, data: data.value, override: override.value }]);
  }
  return { value: Object.fromEntries(entries) };
}

/** What both kinds of token carry, read in the same order for both. */
type CommonClaims = Pick<ConnectionClaims, "user" | "expireAt" | "exp" | "info">;

function commonClaims(claims: Claims, userIdClaim: string): Read<CommonClaims> {
  const user = userClaim(claims, userIdClaim);
  if ("reason" in user) return user;
  const expireAt = expireAtClaim(claims);
  if ("reason" in expireAt) return expireAt;
  const info = bytesClaim(claims, "info", "b64info");
  if ("reason" in info) return info;
  return {
    value: {
      user: user.value,
      expireAt: expireAt.value,
      exp: typeof claims.exp === "number" ? claims.exp : undefined,
      info: info.value,
    },
  };
}

/** Reads a verified connection token's claims; a `channel` claim makes it invalid (it is a subscription token). */
export function connectionClaims(claims: Claims, userIdClaim: string): Read<ConnectionClaims> {
  const channel = stringClaim(claims, "channel");
  if ("reason" in channel) return channel;
  if (channel.value) return { reason: "connection token must not have a channel claim" };
  const common = commonClaims(claims, userIdClaim);
  if ("reason" in common) return common;
  const channels = channelsClaim(claims);
  if ("reason" in channels) return channels;
  const subs = subsClaim(claims);
  if ("reason" in subs) return subs;
  return {
    value: {
      ...common.value,
      channels: Object.keys(subs.value).length > 0 ? [] : channels.value,
      subs: subs.value,
      meta: jsonBytes(claims.meta),
    },
  };
}

/** Reads a verified subscription token's claims; one without a `channel` is invalid. */
export function subscriptionClaims(claims: Claims, userIdClaim: string): Read<SubscriptionClaims> {
  const channel = stringClaim(claims, "channel");
  if ("reason" in channel) return channel;
  if (!channel.value) return { reason: "subscription token must have a channel claim" };
  const client = stringClaim(claims, "client");
  if ("reason" in client) return client;
  const common = commonClaims(claims, userIdClaim);
  if ("reason" in common) return common;
  const data = bytesClaim(claims, "data", "b64data");
  if ("reason" in data) return data;
  const override = overrideClaim(claims.override, "override");
  if ("reason" in override) return override;
  return {
    value: {
      ...common.value,
      channel: channel.value,
      data: data.value,
      override: override.value,
      client: client.value || undefined,
    },
  };
}
