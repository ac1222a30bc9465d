import { errors } from "../errors/rotor-error.js";

/**
 * Where a subscription is in its life: `reserved` while it is authorised
 * (counted, registered nowhere), `registering` while the node adds it to the
 * hub and the broker, `settling` while presence and the stream position are
 * worked out, `live` once it delivers, `closed` after it ended. Closing undoes
 * exactly the steps it reached, also when a step was still running.
 */
export type SubscriptionPhase = "reserved" | "registering" | "settling" | "live" | "closed";

/** A subscription of any kind as the registry holds it: a channel stream, a map. */
export interface RegisteredSubscription {
  readonly channel: string;
  phase: SubscriptionPhase;
}

/** A channel held for a subscribe that is still being authorised. */
export interface Reservation {
  readonly channel: string;
  phase: "reserved" | "closed";
}

/**
 * One connection's subscriptions, from reservation to close. A subscribe
 * reserves its channel before its first await, so duplicates (105) and
 * `client.channel_limit` (106) are checked over reserved and subscribed
 * channels in one step: concurrent subscribes of one frame cannot all pass.
 */
export class SubscriptionRegistry<S extends RegisteredSubscription> {
  private readonly entries = new Map<string, S | Reservation>();

  /** Reserved and subscribed channels together: what `client.channel_limit` counts. */
  get size(): number {
    return this.entries.size;
  }

  /** Whether the channel is reserved or subscribed. */
  holds(channel: string): boolean {
    return this.entries.has(channel);
  }

  /** Reserves a channel: 105 when it is reserved or subscribed already, 106 past `limit` (0: none). */
  reserve(channel: string, limit = 0): Reservation {
    if (this.entries.has(channel)) throw errors.alreadySubscribed();
    if (limit > 0 && this.entries.size >= limit) throw errors.limitExceeded();
    const reservation: Reservation = { channel, phase: "reserved" };
    this.entries.set(channel, reservation);
    return reservation;
  }

  /**
   * Puts the subscription in its reservation's place, registering; false
   * when the reservation was closed meanwhile (the connection ended).
   */
  fill(reservation: Reservation, sub: S): boolean {
    if (reservation.phase === "closed" || this.entries.get(reservation.channel) !== reservation) return false;
    reservation.phase = "closed";
    sub.phase = "registering";
    this.entries.set(reservation.channel, sub);
    return true;
  }

  /** Gives a reservation back when the subscribe is refused before its subscription was made. */
  release(reservation: Reservation): void {
    if (this.entries.get(reservation.channel) === reservation) this.entries.delete(reservation.channel);
    reservation.phase = "closed";
  }

  /** The channel's subscription in any phase after its reservation. */
  get(channel: string): S | undefined {
    const entry = this.entries.get(channel);
    return entry === undefined || isReservation(entry) ? undefined : entry;
  }

  /** Whether the channel has a subscription (reserved channels do not count). */
  has(channel: string): boolean {
    return this.get(channel) !== undefined;
  }

  *values(): IterableIterator<S> {
    for (const entry of this.entries.values()) if (!isReservation(entry)) yield entry;
  }

  /** Takes a subscription out, marking it closed; false when it was not this registry's any more. */
  remove(sub: S): boolean {
    if (this.entries.get(sub.channel) !== sub) return false;
    this.entries.delete(sub.channel);
    sub.phase = "closed";
    return true;
  }

  /** Closes every reservation and takes every subscription out (the connection ended); returns those. */
  removeAll(): S[] {
    const subs: S[] = [];
    for (const entry of this.entries.values()) {
      if (!isReservation(entry)) subs.push(entry);
      entry.phase = "closed";
    }
    this.entries.clear();
    return subs;
  }
}

/** An entry is a reservation while its phase says so: a subscription in the map is past that phase. */
function isReservation(entry: RegisteredSubscription | Reservation): entry is Reservation {
  return entry.phase === "reserved";
}
