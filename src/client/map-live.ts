import type { StreamPosition } from "../core/publication.js";
import { errors } from "../errors/rotor-error.js";
import type { MapPublication } from "../map-broker/types.js";
import type { Connection } from "./connection.js";
import { mapResult } from "./map-entries.js";
import type { MapFlow } from "./map-flow.js";
import { recover } from "./recovery.js";
import { enterPresence, goLive, type Subscribed, type SubscribeParams } from "./subscribe-flow.js";
import type { Subscription } from "./subscription.js";

/** `SubscribeRequest.phase` / `SubscribeResult.phase` of a map subscription. */
export const mapPhases = { live: 0, stream: 1, state: 2 } as const;

/** Where a map subscription goes live from. */
export interface LiveStart {
  /** The client's position: the frozen state position, or where its stream pages ended. */
  readonly since: StreamPosition;
  /** The last state page, when it goes live straight from STATE. */
  readonly state: readonly MapPublication[];
  /** The client asked to recover (a STREAM / LIVE request with `recover` after a reconnect). */
  readonly recovering: boolean;
}

/**
 * Settles a map subscription while its live changes are buffered: presence,
 * then (stream modes) the changes after the client's position, at most the
 * namespace's live transition limit of them and gapless, else 112. The
 * subscription goes live at the stream top read, so buffered changes at or
 * below it are not delivered twice.
 */
export async function settleMap(
  s: Connection,
  sub: Subscription,
  p: SubscribeParams,
  flow: MapFlow,
  start: LiveStart,
): Promise<Subscribed> {
  await enterPresence(s, sub, p);
  const maps = s.ctx.node.maps;
  let position: StreamPosition;
  let publications: MapPublication[] = [];
  if (flow.mode === "ephemeral") {
    position = flow.position ?? (await maps.readState(sub.channel, { limit: 0 })).position;
  } else {
    const limit = flow.paging.liveTransitionLimit;
    const read = await maps.readStream(sub.channel, { since: start.since, limit: limit + 1 });
    const outcome = recover(start.since, read, p.tagsFilter);
    if (!outcome.recovered || read.publications.length > limit) throw errors.unrecoverablePosition();
    position = read.position;
    publications = outcome.publications as MapPublication[];
  }
  const result = mapResult(
    s,
    {
      type: 1,
      epoch: position.epoch,
      offset: BigInt(position.offset),
      recoverable: p.recoverable,
      wasRecovering: start.recovering,
      recovered: start.recovering,
      delta: p.delta,
      data: p.data,
    },
    { state: start.state, publications },
    p.delta,
  );
  return { result, commit: () => goLive(s, sub, p, position, -1) };
}
