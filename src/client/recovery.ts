import type { HistoryResult } from "../core/broker.js";
import type { Publication, StreamPosition } from "../core/publication.js";
import type { FilterNode } from "../tags-filter/filter-node.js";
import { matchesFilter } from "../tags-filter/match-filter.js";

export interface RecoveryOutcome {
  readonly recovered: boolean;
  /** Publications the client missed, oldest first; empty unless recovered. */
  readonly publications: Publication[];
  /** Where the client stands after the reply: its own offset when recovered, the stream top otherwise. */
  readonly position: StreamPosition;
}

/**
 * Decides whether a client that last saw `since` can catch up from `history`
 * (read from since.offset, limited): it can when the epoch is the same and the
 * publications returned connect its offset to the stream top without a gap.
 * Continuity is judged on the whole history; a client with a tags filter
 * then gets only the publications that pass it.
 */
export function recover(
  since: StreamPosition,
  history: HistoryResult,
  filter?: FilterNode | undefined,
): RecoveryOutcome {
  const top = history.position;
  let pubs = history.publications;
  const sameEpoch = since.epoch === "" || since.epoch === top.epoch;
  let recovered = false;
  if (sameEpoch) {
    recovered =
      pubs.length === 0
        ? top.offset === since.offset
        : pubs[0]!.offset === since.offset + 1 && pubs[pubs.length - 1]!.offset === top.offset;
  }
  if (recovered && filter) pubs = pubs.filter((p) => matchesFilter(filter, p.tags));
  return recovered
    ? { recovered, publications: pubs, position: { offset: since.offset, epoch: top.epoch } }
    : { recovered, publications: [], position: top };
}

/**
 * Cache recovery (`force_recovery_mode: "cache"`): the channel's latest
 * publication is the whole state, so a returning client gets just that one —
 * unless it already stands exactly there — and always counts as recovered.
 * `latest` is a reverse history read: of one publication, or, for a client
 * with a tags filter, of as many as recovery may return, of which the
 * newest that passes the filter is the one (none passing, none is sent).
 */
export function recoverLatest(
  since: StreamPosition,
  latest: HistoryResult,
  filter?: FilterNode | undefined,
): RecoveryOutcome {
  const top = latest.position;
  const pubs = latest.publications;
  const pub = filter ? pubs.find((p) => matchesFilter(filter, p.tags)) : pubs[0];
  const current = pub !== undefined && pub.offset === since.offset && top.epoch === since.epoch;
  return { recovered: true, publications: pub && !current ? [pub] : [], position: top };
}
