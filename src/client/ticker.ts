/** Something that checks its timers (pings, expiry, staleness) once a second. */
export interface Ticking {
  tick(now: number): void;
}

const members = new Set<Ticking>();
let timer: NodeJS.Timeout | undefined;

function tickAll(): void {
  const now = Date.now();
  for (const member of members) member.tick(now);
}

/**
 * One shared one-second clock for every connection instead of several timers
 * per connection: idle connections then cost a set entry, not timer objects.
 */
export const ticker = {
  add(member: Ticking): void {
    members.add(member);
    if (!timer) {
      timer = setInterval(tickAll, 1000);
      timer.unref();
    }
  },
  remove(member: Ticking): void {
    members.delete(member);
    if (members.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  },
};
