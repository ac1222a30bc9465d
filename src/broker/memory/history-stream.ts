import type { HistoryFilter } from "../../core/broker.js";
import type { Publication, StreamPosition } from "../../core/publication.js";
import { newEpoch } from "../epoch.js";

/**
 * One channel's history in memory: the newest `size` publications with
 * consecutive offsets, the top offset and the epoch that names this
 * incarnation of the stream.
 */
export class HistoryStream {
  readonly epoch = newEpoch();
  top = 0;
  /** Unix ms after which items are dropped (history_ttl since the last publish). */
  itemsExpireAt = 0;
  /** Unix ms after which the whole stream, epoch included, is forgotten. */
  metaExpireAt = 0;
  version = 0;
  versionEpoch = "";
  private items: Publication[] = [];

  /** The newest publication, used as the base of a delta. */
  last(): Publication | undefined {
    return this.items[this.items.length - 1];
  }

  append(make: (offset: number) => Publication, size: number): Publication {
    this.top += 1;
    const pub = make(this.top);
    this.items.push(pub);
    if (this.items.length > size) this.items.splice(0, this.items.length - size);
    return pub;
  }

  clearItems(): void {
    this.items = [];
  }

  position(): StreamPosition {
    return { offset: this.top, epoch: this.epoch };
  }

  /**
   * Publications after `since` (or before it when reversed). When `since` has
   * already been trimmed away the read starts at the oldest kept item, so the
   * caller sees the gap in offsets.
   */
  read(filter: HistoryFilter): Publication[] {
    const { items } = this;
    if (filter.limit === 0 || items.length === 0) return [];
    const first = items[0]!.offset;
    let from = 0;
    let to = items.length;
    if (filter.since) {
      if (filter.reverse) to = Math.max(0, Math.min(items.length, filter.since.offset - first));
      else from = Math.max(0, filter.since.offset - first + 1);
    }
    if (from >= to) return [];
    const count = filter.limit < 0 ? to - from : Math.min(filter.limit, to - from);
    if (filter.reverse) return items.slice(to - count, to).reverse();
    return items.slice(from, from + count);
  }
}
