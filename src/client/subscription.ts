import { createDelta } from "fossil-delta";
import type { ClientInfo, Publication, StreamPosition } from "../core/publication.js";
import { disconnects } from "../errors/disconnect.js";
import type { MapPublication } from "../map-broker/types.js";
import type { FrameCache, HubSubscriber } from "../node/hub.js";
import type { ResolvedOptions } from "../node/subscribe-options.js";
import { NotJsonError } from "../protocol/embedded-json.js";
import { encodePublicationMessage, PayloadForm } from "../protocol/publication-message.js";
import type { SubscribeStream } from "../proxy/calls/subscribe-stream.js";
import type { FilterNode } from "../tags-filter/filter-node.js";
import { matchesFilter } from "../tags-filter/match-filter.js";
import { patchSlot, publicationSlot } from "./frame-slots.js";
import type { SubscriberClient } from "./subscriber-client.js";
import type { RegisteredSubscription, SubscriptionPhase } from "./subscription-registry.js";

/** What a subscription does, settled when it is created: the resolved channel options and where it came from. */
export interface SubscriptionOptions extends ResolvedOptions {
  readonly serverSide: boolean;
  readonly chanInfo: Uint8Array | undefined;
  /** Its expiry is extended by the sub_refresh proxy, not by the client with a token. */
  readonly refreshedByServer?: boolean | undefined;
  /** Its publications come from this backend stream (subscribe stream proxy), ended with it. */
  readonly stream?: SubscribeStream | undefined;
  /** The client's tags filter (`tf`, validated): publications whose tags fail it are not sent. */
  readonly tagsFilter?: FilterNode | undefined;
  /** A map subscription: changes carry keys and deltas chain per key (the client holds every key's value). */
  readonly keyed?: boolean | undefined;
  /** Leaving removes the map key named by the client's ID (`map.remove_client_on_unsubscribe`). */
  readonly removeClientOnUnsubscribe?: boolean | undefined;
}

interface Pending {
  pub: Publication;
  position: StreamPosition;
  delta: boolean;
  prev: Publication | undefined;
  late: boolean;
}

const noPatch = Symbol("no useful patch");

/**
 * Encodes a publication for one kind of subscriber, turning a payload a JSON
 * client cannot receive into a cached marker. A function of its own, so that
 * the delivery that calls it captures nothing: a closure over the delivery's
 * arguments would make V8 allocate their context on every delivery, encoded
 * or not.
 */
function encodeOrFail(
  client: SubscriberClient,
  channel: string,
  pub: Publication,
  form: PayloadForm,
  payload: Uint8Array,
  epoch: string,
): Uint8Array | NotJsonError {
  try {
    return encodePublicationMessage(client.codec, client.unidirectional, channel, pub, form, payload, epoch);
  } catch (err) {
    if (err instanceof NotJsonError) return err;
    throw err;
  }
}

/**
 * One connection's subscription to one channel. While subscribing it buffers
 * live publications so that none is lost between reading history and going
 * live; afterwards it enforces the stream position (no gaps, no duplicates)
 * when positioned, applies the client's tags filter and keeps the state
 * fossil deltas need. Only a filtered subscriber evaluates its filter; the
 * others share the broadcast's frames untouched.
 */
export class Subscription implements HubSubscriber, RegisteredSubscription {
  phase: SubscriptionPhase = "reserved";
  /** The steps of its subscribe that took effect, each undone once when it closes. */
  readonly reached = { hub: false, presence: false, join: false };
  active = false;
  /** Unix seconds after which the subscription must be refreshed; 0 never. */
  expireAt = 0;
  epoch = "";
  offset = 0;
  /** Unix ms when the position was last known to match the stream (a delivery or a check). */
  checkedAt = 0;
  /** A stream top a check saw ahead of this subscription: it must arrive before the next check. */
  awaitedOffset = 0;
  /** Channel info in presence, join/leave and publications; a sub_refresh proxy may replace it. */
  chanInfo: Uint8Array | undefined;
  /** A sub_refresh proxy call for it is in flight. */
  refreshing = false;
  private pending: Pending[] | undefined;
  /** The last payload this subscriber got in full, base of its next delta. */
  private deltaBase = -1;
  /*
   * The options every delivery reads, copied into fields of this class once.
   * Options objects are built by spreading the resolved options, and each
   * such object gets a hidden class of its own: read per delivery, they made
   * the fan-out loop's property loads megamorphic (a stub-cache lookup, often
   * a miss, per subscriber and per option).
   */
  private readonly positioned: boolean;
  private readonly keyed: boolean;
  private readonly delta: boolean;
  private readonly pushJoinLeave: boolean;
  private readonly tagsFilter: FilterNode | undefined;

  constructor(
    readonly client: SubscriberClient,
    readonly channel: string,
    readonly options: SubscriptionOptions,
  ) {
    this.chanInfo = options.chanInfo;
    this.positioned = options.positioned;
    this.keyed = options.keyed === true;
    this.delta = options.delta;
    this.pushJoinLeave = options.pushJoinLeave;
    this.tagsFilter = options.tagsFilter;
  }

  get info(): ClientInfo {
    return this.client.clientInfo(this.chanInfo);
  }

  /**
   * Goes live at `position`: delivers what arrived meanwhile and is newer.
   * `deltaBase` is the offset of the last payload the client has in full (-1 none).
   */
  activate(position: StreamPosition, deltaBase: number): void {
    this.epoch = position.epoch;
    this.offset = position.offset;
    this.checkedAt = Date.now();
    this.deltaBase = deltaBase;
    this.active = true;
    const pending = this.pending ?? [];
    this.pending = undefined;
    for (const p of pending) this.deliverPublication(p.pub, p.position, p.delta, p.prev, p.late, []);
  }

  deliverPublication(
    pub: Publication,
    position: StreamPosition,
    delta: boolean,
    prev: Publication | undefined,
    late: boolean,
    frames: FrameCache,
  ) {
    if (!this.active) {
      this.pending ??= [];
      this.pending.push({ pub, position, delta, prev, late });
      return;
    }
    if (this.positioned && pub.offset > 0) {
      if (position.epoch !== this.epoch || pub.offset > this.offset + 1) {
        this.client.insufficientState(this);
        return;
      }
      if (pub.offset <= this.offset) return;
      if (late) {
        this.client.insufficientState(this);
        return;
      }
      this.offset = pub.offset;
      this.checkedAt = pub.time;
    }
    if (this.tagsFilter && !this.passesFilter(pub, frames)) return;
    const form = this.payloadForm(pub, delta, prev, frames);
    const slot = publicationSlot(this.client.encodingKind, form);
    let message = frames[slot] as Uint8Array | NotJsonError | undefined;
    if (!message) {
      const payload = form === PayloadForm.DeltaPatch ? (frames[patchSlot] as Uint8Array) : pub.data;
      const epoch = this.keyed && pub.offset === 1 ? position.epoch : "";
      message = encodeOrFail(this.client, this.channel, pub, form, payload, epoch);
      frames[slot] = message;
    }
    if (message instanceof NotJsonError) this.client.close(disconnects.inappropriateProtocol);
    else this.client.enqueue(message);
  }

  /**
   * Whether a live publication goes to this filtered subscriber; a rejection
   * is counted in the broadcast's frames. Its position has already moved past
   * it, so one filtered out is no gap. A delta subscriber gets it anyway, as
   * in Centrifugo: skipping it would break the chain its next patch is made
   * against.
   */
  private passesFilter(pub: Publication, frames: FrameCache): boolean {
    if (matchesFilter(this.tagsFilter!, pub.tags)) return true;
    frames.filteredOut = (frames.filteredOut ?? 0) + 1;
    return this.delta;
  }

  recheckPosition(): void {
    if (!this.positioned) return;
    this.checkedAt = 0;
    this.client.upkeepSoon();
  }

  deliverJoin(info: ClientInfo, frames: FrameCache): void {
    if (this.active && this.pushJoinLeave) this.client.sendJoinLeave(this.channel, "join", info, frames);
  }

  deliverLeave(info: ClientInfo, frames: FrameCache): void {
    if (this.active && this.pushJoinLeave) this.client.sendJoinLeave(this.channel, "leave", info, frames);
  }

  private payloadForm(
    pub: Publication,
    delta: boolean,
    prev: Publication | undefined,
    frames: FrameCache,
  ): PayloadForm {
    if (!this.delta) return PayloadForm.Plain;
    if (this.keyed) return keyedPayloadForm(pub, delta, prev, frames);
    const base = this.deltaBase;
    this.deltaBase = pub.offset;
    if (!delta || !prev || base !== prev.offset || base < 0) return PayloadForm.DeltaFull;
    return patchForm(pub, prev, frames);
  }
}

/**
 * A map change's payload form: the client keeps each key's last value, so a
 * change of a key that had one is a patch against it; a removal has no payload.
 */
function keyedPayloadForm(
  pub: Publication,
  delta: boolean,
  prev: Publication | undefined,
  frames: FrameCache,
): PayloadForm {
  if ((pub as MapPublication).removed) return PayloadForm.Plain;
  if (!delta || !prev || (prev as MapPublication).removed) return PayloadForm.DeltaFull;
  return patchForm(pub, prev, frames);
}

/** A fossil patch from `prev` to `pub`, computed once per publication, when it is smaller than the payload. */
function patchForm(pub: Publication, prev: Publication, frames: FrameCache): PayloadForm {
  let patch = frames[patchSlot];
  if (patch === undefined) {
    const computed = createDelta(prev.data, pub.data);
    patch = computed.length < pub.data.length ? computed : noPatch;
    frames[patchSlot] = patch;
  }
  return patch === noPatch ? PayloadForm.DeltaFull : PayloadForm.DeltaPatch;
}
