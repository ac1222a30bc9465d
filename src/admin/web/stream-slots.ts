/**
 * How many live-view streams the tabs of one browser hold at once. A browser
 * keeps at most six HTTP/1.1 connections to a server, and each watch holds
 * one for as long as it runs: six watching tabs would leave none for any
 * request of the UI (no page, read or login would load). Four leave two for
 * the reads and page loads of every tab.
 */
export const streamSlots = 4;

const slotName = (i: number) => `rotor-admin-live-stream-${i}`;

/**
 * Runs `watch` holding one of the browser's stream slots (a Web Lock, shared
 * by every tab of this origin and released when `watch` settles or the tab
 * closes). When every slot is taken, `waiting` is called and the watch
 * starts as soon as another tab's ends. Returns without running `watch`
 * when `signal` aborts first. Over HTTPS the browser speaks HTTP/2 to
 * rotor, one connection carries every stream and `watch` runs at once; so it
 * does where the browser has no Web Locks (a page served over plain HTTP to
 * another host is not a secure context).
 */
export async function inStreamSlot(
  signal: AbortSignal,
  waiting: () => void,
  watch: () => Promise<void>,
): Promise<void> {
  const locks = globalThis.navigator?.locks;
  if (!locks || location.protocol === "https:") return watch();
  for (let i = 0; i < streamSlots; i++) {
    let held = false;
    await locks.request(slotName(i), { ifAvailable: true }, async (lock) => {
      if (!lock || signal.aborted) return;
      held = true;
      await watch();
    });
    if (held || signal.aborted) return;
  }
  waiting();
  // Ask for every slot; the first granted runs the watch and withdraws the other requests.
  const withdrawn = new AbortController();
  const requests = AbortSignal.any([signal, withdrawn.signal]);
  let watched: Promise<void> | undefined;
  await Promise.allSettled(
    Array.from({ length: streamSlots }, (_, i) =>
      locks.request(slotName(i), { signal: requests }, () => {
        if (watched || signal.aborted) return;
        withdrawn.abort();
        watched = watch();
        return watched;
      }),
    ),
  );
  // The watch's own failure, which the settled requests do not pass on.
  return watched;
}
