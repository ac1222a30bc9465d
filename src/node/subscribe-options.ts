import type { ChannelOptions } from "../config/namespace-schema.js";
import type { SubscribeOverride } from "../core/subscribe-override.js";

/** What the client asked for in its subscribe command, and what the namespace lets it read. */
export interface ClientAsks {
  readonly recoverable: boolean;
  readonly positioned: boolean;
  readonly joinLeave: boolean;
  readonly delta: boolean;
  /** It may read history (or holds a subscription token), which lets it ask for recovery and positioning. */
  readonly mayReadHistory: boolean;
  /** It may read presence (or holds a subscription token), which lets it ask for join/leave pushes. */
  readonly mayReadPresence: boolean;
}

/**
 * Who decides a subscription's options: the server (a connection token's
 * channels, connect with recovery, the API's Subscribe) forces them; the
 * backend (subscribe proxy, subscribe stream) forces them and lets the
 * client have deltas; the client asks for them with a token or by the
 * namespace's permissions.
 */
export type OptionsSource =
  | { readonly by: "server"; readonly override?: SubscribeOverride | undefined }
  | {
      readonly by: "backend";
      readonly override?: SubscribeOverride | undefined;
      /** A subscribe stream's publications have no offsets: it is never positioned. */
      readonly stream: boolean;
      readonly delta: boolean;
    }
  | { readonly by: "client"; readonly override?: SubscribeOverride | undefined; readonly asks: ClientAsks };

/** What a subscription does, as far as the namespace and its source decide. */
export interface ResolvedOptions {
  /** Kept in channel presence. */
  readonly presence: boolean;
  /** Its start and end are published as join and leave. */
  readonly emitJoinLeave: boolean;
  /** It receives the others' join and leave. */
  readonly pushJoinLeave: boolean;
  /** Tracks the stream position and requires gapless delivery. */
  readonly positioned: boolean;
  readonly recoverable: boolean;
  /** Receives fossil deltas. */
  readonly delta: boolean;
}

/**
 * The one place the option rules live: an override replaces the namespace's
 * value; forced recovery implies positioning; a client's own requests count
 * only where the namespace allows them (or its permissions to read history
 * and presence do); fossil deltas need a positioned subscription and a
 * namespace that allows them.
 */
export function resolveSubscribeOptions(ns: ChannelOptions, source: OptionsSource): ResolvedOptions {
  const o = source.override;
  const presence = o?.presence ?? ns.presence;
  const joinLeave = o?.joinLeave ?? ns.join_leave;
  const forcePush = o?.forcePushJoinLeave ?? ns.force_push_join_leave;
  const forceRecovery = o?.forceRecovery ?? ns.force_recovery;
  const forcePositioning = o?.forcePositioning ?? ns.force_positioning;
  const fossil = ns.allowed_delta_types.includes("fossil");
  switch (source.by) {
    case "server":
      return {
        presence,
        emitJoinLeave: joinLeave,
        pushJoinLeave: forcePush,
        positioned: forceRecovery || forcePositioning,
        recoverable: forceRecovery,
        delta: false,
      };
    case "backend": {
      const recoverable = !source.stream && forceRecovery;
      const positioned = !source.stream && (recoverable || forcePositioning);
      return {
        presence,
        emitJoinLeave: joinLeave,
        pushJoinLeave: forcePush,
        positioned,
        recoverable,
        delta: source.delta && fossil && positioned,
      };
    }
    case "client": {
      const a = source.asks;
      const recoverable = forceRecovery || (a.recoverable && (ns.allow_recovery || a.mayReadHistory));
      const positioned =
        recoverable || forcePositioning || (a.positioned && (ns.allow_positioning || a.mayReadHistory));
      return {
        presence,
        emitJoinLeave: joinLeave,
        pushJoinLeave: forcePush || (a.joinLeave && joinLeave && a.mayReadPresence),
        positioned,
        recoverable,
        delta: a.delta && fossil && positioned,
      };
    }
  }
}
