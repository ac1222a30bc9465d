import { createHash, randomInt } from "node:crypto";
import type { NamespaceSharedPollConfig } from "../config/map-schema.js";
import type { RefreshAnswer, RefreshedItem } from "../proxy/calls/shared-poll-refresh.js";
import type { PollSubscriber, PollUpdate, TrackItem, UpdateFrames } from "./types.js";

/** Asks the backend about some keys of the channel (with the versions held); undefined when it failed. */
export type RefreshKeys = (keys: { key: string; version: number }[]) => Promise<RefreshAnswer | undefined>;

/** What the node holds of one key tracked on it. */
interface KeyState {
  version: number;
  /** Versionless mode: hash of the data last broadcast, to tell a change. */
  hash: string;
  readonly trackers: Set<PollSubscriber>;
  /** Subscriptions that track it behind the node's version: the next answer goes to them even if unchanged. */
  readonly behind: Set<PollSubscriber>;
  /** A direct publish updated it since the last cycle: the next cycle leaves it out. */
  skipOnce: boolean;
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A versionless channel's epoch: 8 random letters, new each time its state is created. */
function randomEpoch(): string {
  let out = "";
  for (let i = 0; i < 8; i++) out += letters[randomInt(letters.length)];
  return out;
}

const hashOf = (data: Uint8Array) => createHash("sha1").update(data).digest("base64");

/**
 * One shared poll channel on this node: the keys its subscriptions track and
 * the timer that polls them. Every `refresh_interval` each tracked key is
 * asked for once, whatever the number of subscriptions tracking it, in chunks
 * of `refresh_batch_size` spread over the interval; changes go to the
 * subscriptions tracking the key, each dropping what it has already seen.
 */
export class PolledChannel {
  epoch: string;
  private readonly versioned: boolean;
  /** Versionless mode: the synthetic version of the last change seen. */
  private counter = 0;
  private readonly subscribers = new Set<PollSubscriber>();
  private readonly keys = new Map<string, KeyState>();
  /** Keys new tracks need polled at once, gathered over one turn of the event loop. */
  private readonly urgent = new Set<string>();
  private readonly cycle: NodeJS.Timeout;
  private readonly chunkTimers = new Set<NodeJS.Timeout>();
  private shutdown: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    readonly name: string,
    private readonly options: NamespaceSharedPollConfig,
    private readonly refresh: RefreshKeys,
    private readonly onIdle: (channel: PolledChannel) => void,
  ) {
    this.versioned = options.mode === "versioned";
    this.epoch = this.versioned ? "" : randomEpoch();
    this.cycle = setInterval(() => this.pollAll(), options.refresh_interval);
    this.cycle.unref();
  }

  /** Number of distinct keys tracked on this node. */
  get keyCount(): number {
    return this.keys.size;
  }

  join(sub: PollSubscriber): void {
    clearTimeout(this.shutdown);
    this.shutdown = undefined;
    this.subscribers.add(sub);
  }

  /** A subscription ended: its keys are untracked; the state goes after `channel_shutdown_delay` once nobody is left. */
  leave(sub: PollSubscriber): void {
    this.untrack(sub, [...sub.keys.keys()]);
    if (!this.subscribers.delete(sub) || this.subscribers.size > 0 || this.closed) return;
    const delay = this.options.channel_shutdown_delay;
    if (delay < 0) this.close();
    else this.shutdown = setTimeout(() => this.close(), delay).unref();
  }

  /**
   * Starts tracking keys for a subscription at the versions it holds. Keys new
   * on this node are polled at once; known keys it holds behind the node are
   * re-broadcast by the next answer (polled at once when the node has a version).
   */
  track(sub: PollSubscriber, items: readonly TrackItem[]): void {
    const now: string[] = [];
    for (const item of items) {
      let state = this.keys.get(item.key);
      if (!state) {
        state = { version: 0, hash: "", trackers: new Set(), behind: new Set(), skipOnce: false };
        this.keys.set(item.key, state);
        now.push(item.key);
      } else if (item.version === 0 || item.version < state.version) {
        state.behind.add(sub);
        if (state.version > 0) now.push(item.key);
      }
      state.trackers.add(sub);
      sub.keys.set(item.key, { delivered: item.version, expiresAt: item.expiresAt });
    }
    if (now.length === 0) return;
    if (this.urgent.size === 0) setImmediate(() => this.pollUrgent());
    for (const key of now) this.urgent.add(key);
  }

  /** Stops tracking keys for a subscription; a key nobody tracks any more is no longer polled. */
  untrack(sub: PollSubscriber, keys: readonly string[]): void {
    for (const key of keys) {
      if (!sub.keys.delete(key)) continue;
      const state = this.keys.get(key);
      if (!state) continue;
      state.trackers.delete(sub);
      state.behind.delete(sub);
      if (state.trackers.size === 0) this.keys.delete(key);
    }
  }

  /**
   * An update published through the API (versioned mode): a new epoch resets
   * the channel first; a key nobody tracks here or a version not above the
   * node's is dropped; otherwise it is broadcast and the next cycle skips the key.
   */
  publish(update: PollUpdate): void {
    if (update.epoch && update.epoch !== this.epoch) this.flipEpoch(update.epoch);
    const state = this.keys.get(update.key);
    if (!state || update.version <= state.version) return;
    state.version = update.version;
    state.behind.clear();
    state.skipOnce = true;
    this.broadcast(state.trackers, update);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.cycle);
    clearTimeout(this.shutdown);
    for (const t of this.chunkTimers) clearTimeout(t);
    this.chunkTimers.clear();
    this.onIdle(this);
  }

  /** Polls at once, in one go, the keys the tracks of this turn need. */
  private pollUrgent(): void {
    const keys = [...this.urgent];
    this.urgent.clear();
    if (!this.closed) this.pollChunks(keys, 0);
  }

  private pollAll(): void {
    if (this.keys.size === 0) return;
    const due: string[] = [];
    for (const [key, state] of this.keys) {
      if (state.skipOnce) state.skipOnce = false;
      else due.push(key);
    }
    due.sort();
    this.pollChunks(due, this.options.refresh_interval);
  }

  /** Polls keys in chunks of `refresh_batch_size`, spread evenly over `spreadMs` (0: all now). */
  private pollChunks(keys: readonly string[], spreadMs: number): void {
    const size = this.options.refresh_batch_size > 0 ? this.options.refresh_batch_size : keys.length;
    const count = Math.ceil(keys.length / size);
    for (let i = 0; i < count; i++) {
      const chunk = keys.slice(i * size, (i + 1) * size);
      if (i === 0 || spreadMs === 0) {
        void this.pollChunk(chunk);
        continue;
      }
      const timer = setTimeout(
        () => {
          this.chunkTimers.delete(timer);
          void this.pollChunk(chunk);
        },
        Math.floor((i * spreadMs) / count),
      );
      timer.unref();
      this.chunkTimers.add(timer);
    }
  }

  private async pollChunk(keys: readonly string[]): Promise<void> {
    const asked: { key: string; version: number }[] = [];
    for (const key of keys) {
      const state = this.keys.get(key);
      if (!state) continue;
      asked.push({ key, version: this.versioned && state.behind.size === 0 ? state.version : 0 });
    }
    if (asked.length === 0) return;
    const answer = await this.refresh(asked);
    if (!answer || this.closed) return;
    if (this.versioned && answer.epoch !== "" && answer.epoch !== this.epoch) this.flipEpoch(answer.epoch);
    for (const item of answer.items) this.apply(item);
  }

  private apply(item: RefreshedItem): void {
    const state = this.keys.get(item.key);
    if (!state) return;
    if (item.removed) {
      this.keys.delete(item.key);
      const update: PollUpdate = { key: item.key, data: new Uint8Array(), version: 0, removed: true };
      const frames: UpdateFrames = new Map();
      for (const sub of state.trackers) {
        sub.deliver(update, frames);
        sub.keys.delete(item.key);
      }
      return;
    }
    let changed: boolean;
    if (!this.versioned && item.version === 0) {
      const hash = hashOf(item.data);
      changed = hash !== state.hash;
      if (changed) {
        state.hash = hash;
        state.version = ++this.counter;
      }
    } else {
      changed = item.version > state.version;
      if (changed) state.version = item.version;
      else if (item.version !== state.version || item.version === 0) return;
    }
    const update = { key: item.key, data: item.data, version: state.version, removed: false };
    if (changed) this.broadcast(state.trackers, update);
    else if (state.behind.size > 0) this.broadcast(state.behind, update);
    state.behind.clear();
  }

  private broadcast(to: Iterable<PollSubscriber>, update: PollUpdate): void {
    const frames: UpdateFrames = new Map();
    for (const sub of to) sub.deliver(update, frames);
  }

  /** A new backend epoch: versions held are void, and every subscription starts over (2500). */
  private flipEpoch(epoch: string): void {
    this.epoch = epoch;
    for (const state of this.keys.values()) {
      state.version = 0;
      state.hash = "";
    }
    for (const sub of [...this.subscribers]) {
      this.leave(sub);
      sub.resubscribe();
    }
  }
}
