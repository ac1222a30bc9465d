import { newEpoch } from "../../broker/epoch.js";
import type { MapPublication, MapStreamRequest } from "../types.js";

/** A key's current value and what later writes are checked against. */
export interface MapEntry {
  pub: MapPublication;
  /** Unix ms when the key expires; 0 = never. */
  expiresAt: number;
  version: number;
  versionEpoch: string;
}

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One map channel held in memory: entries by key, the stream of changes (in
 * stream modes) and the epoch they belong to. Keys are paged in sorted order,
 * the sorted list rebuilt only after keys were added or removed.
 */
export class MapChannel {
  readonly epoch = newEpoch();
  top = 0;
  readonly entries = new Map<string, MapEntry>();
  /** Unix ms when the epoch and offset are forgotten; 0 = never. */
  metaExpiresAt = 0;
  private stream: MapPublication[] = [];
  private streamExpiresAt = 0;
  private sorted: string[] | undefined;

  set(key: string, entry: MapEntry): void {
    if (!this.entries.has(key)) this.sorted = undefined;
    this.entries.set(key, entry);
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.sorted = undefined;
  }

  /** Appends a change, keeping at most `size` of them, all forgotten `ttl` ms after the last append (0 = kept). */
  append(pub: MapPublication, size: number, ttl: number, now: number): void {
    if (this.streamExpiresAt <= now) this.stream = [];
    this.stream.push(pub);
    if (this.stream.length > size) this.stream.splice(0, this.stream.length - size);
    this.streamExpiresAt = ttl > 0 ? now + ttl : Number.POSITIVE_INFINITY;
  }

  /** Changes after (or, reversed, before) the position, oldest first (newest first when reversed). */
  read(request: MapStreamRequest, now: number): MapPublication[] {
    if (request.limit === 0 || this.streamExpiresAt <= now) return [];
    const since = request.since?.offset;
    let out: MapPublication[];
    if (request.reverse) {
      if (since === 0) return [];
      out = this.stream.filter((pub) => since === undefined || pub.offset < since).reverse();
    } else {
      out = this.stream.filter((pub) => since === undefined || pub.offset > since);
    }
    return request.limit > 0 ? out.slice(0, request.limit) : out;
  }

  /** A page of entries in key order after `cursor`, and the cursor of the next page ("" when none). */
  page(cursor: string, limit: number): { entries: MapEntry[]; cursor: string } {
    this.sorted ??= [...this.entries.keys()].sort(byKey);
    const keys = this.sorted;
    let start = 0;
    if (cursor !== "") {
      let hi = keys.length;
      while (start < hi) {
        const mid = (start + hi) >> 1;
        if (keys[mid]! <= cursor) start = mid + 1;
        else hi = mid;
      }
    }
    const end = limit < 0 ? keys.length : Math.min(keys.length, start + limit);
    const entries = keys.slice(start, end).map((key) => this.entries.get(key)!);
    return { entries, cursor: end < keys.length ? keys[end - 1]! : "" };
  }
}
