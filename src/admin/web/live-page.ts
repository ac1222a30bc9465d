import { toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  CentrifugoUniStream,
  type Push,
  PushSchema,
} from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { sessionEnded } from "./api-client.js";
import { h, show } from "./dom.js";
import { historyPanel } from "./history-panel.js";
import { mapStateTable } from "./map-state-table.js";
import { presencePanel } from "./presence-panel.js";
import type { Report } from "./report.js";
import { liveBaseUrl, liveToken, WatchRefused } from "./session.js";
import { inStreamSlot, streamSlots } from "./stream-slots.js";
import { throttled } from "./throttled.js";
import { firstRetryMs, maxRetryMs, pause } from "./wait.js";

const stream = createClient(CentrifugoUniStream, createGrpcWebTransport({ baseUrl: liveBaseUrl }));
const decoder = new TextDecoder();

/** One push as a line of the view: what happened in the channel, or undefined for pings and the connect push. */
function describe(push: Push): [string, string] | undefined {
  if (push.pub) {
    const offset = push.pub.offset > 0n ? `offset ${push.pub.offset}: ` : "";
    const key = push.pub.key ? `key "${push.pub.key}" ` : "";
    const value = push.pub.removed ? "removed" : decoder.decode(push.pub.data);
    return ["publication", `${offset}${key}${value}`];
  }
  if (push.join) return ["join", `user "${push.join.info?.user}" (client ${push.join.info?.client})`];
  if (push.leave) return ["leave", `user "${push.leave.info?.user}" (client ${push.leave.info?.client})`];
  if (push.unsubscribe) return ["unsubscribe", JSON.stringify(toJson(PushSchema, push))];
  if (push.disconnect) return ["disconnect", `${push.disconnect.code} ${push.disconnect.reason}`];
  return undefined;
}

/** Where a channel's live view is: the live page with the channel in the hash. */
export function liveHref(channel: string): string {
  return `#live/${encodeURIComponent(channel)}`;
}

/** Whether a disconnect code tells a client not to connect again (3500–3999 and 4500–4999). */
function terminal(code: number): boolean {
  return (code >= 3500 && code < 4000) || (code >= 4500 && code < 5000);
}

/** How one stream of a watch ended: whether it went live first, and why watching stops (none: watch again). */
interface StreamEnd {
  readonly live: boolean;
  readonly stop?: string;
}

/**
 * Watches a channel live through the Connect stream (gRPC-Web): every
 * publication, join and leave as it arrives, for a map channel its keys
 * kept current, and the channel's presence and history read through the
 * API and read again as joins, leaves and publications arrive. The channel
 * given in the hash (`#live/<channel>`, as the channels page links) is
 * watched at once. Returns how to stop watching.
 */
export function livePage(root: HTMLElement, report: Report, initialChannel = ""): () => void {
  const channel = h("input", { id: "live-channel", placeholder: "channel", required: "" });
  channel.value = initialChannel;
  const state = h("span", { id: "live-state", class: "muted" }, "not watching");
  const events = h("ol", { id: "live-events" });
  const map = mapStateTable(report);
  const presence = presencePanel(report);
  const history = historyPanel(report);
  const presenceChanged = throttled(presence.load, 1000);
  const historyChanged = throttled(history.load, 1000);
  let abort = new AbortController();
  const form = h(
    "form",
    { id: "live-form", class: "inline" },
    channel,
    h("button", { type: "submit" }, "Watch"),
    state,
  );
  const note = (kind: string, text: string) =>
    events.prepend(h("li", { class: kind }, h("b", {}, kind), " ", text));
  const consume = async (name: string, signal: AbortSignal): Promise<StreamEnd> => {
    const token = await liveToken(name);
    state.textContent = `watching ${name}`;
    let live = false;
    for await (const push of stream.consume({ token }, { signal })) {
      if (push.connect) {
        live = true;
        state.textContent = `watching ${name}: live`;
        report.succeeded();
        map.reset();
        await Promise.all([map.load(name, signal), presence.watch(name), history.watch(name)]);
      }
      if (push.pub?.key) map.change(push.pub.key, push.pub.removed, push.pub.data);
      if (push.join || push.leave) presenceChanged.request();
      if (push.pub) historyChanged.request();
      const line = describe(push);
      if (line) note(line[0], line[1]);
      const { disconnect, unsubscribe } = push;
      if (disconnect) {
        const why = `disconnected (${disconnect.code} ${disconnect.reason})`;
        return { live, stop: terminal(disconnect.code) ? why : undefined };
      }
      // A uni stream cannot subscribe again: a resubscribe code (2500 and up) starts a new stream.
      if (unsubscribe) {
        const why = `unsubscribed (code ${unsubscribe.code})`;
        return { live, stop: unsubscribe.code < 2500 ? why : undefined };
      }
    }
    return { live };
  };
  /**
   * Watches `name` until another watch starts or the page is left: a stream
   * that ends or fails is started again after a wait that doubles from
   * `firstRetryMs` to `maxRetryMs` (and starts over once a stream went live);
   * a refused channel, a terminal disconnect or unsubscribe code, or an
   * ended session stop it.
   */
  const watch = async (name: string) => {
    abort.abort();
    abort = new AbortController();
    const signal = abort.signal;
    presenceChanged.cancel();
    historyChanged.cancel();
    show(events);
    map.reset();
    presence.element.hidden = true;
    history.element.hidden = true;
    let waitMs = firstRetryMs;
    while (!signal.aborted) {
      let ending: StreamEnd | undefined;
      let what = "stream ended";
      try {
        await inStreamSlot(
          signal,
          () => {
            state.textContent = `waiting: ${streamSlots} other tabs of this admin UI are watching (a browser keeps at most 6 connections to a server); watching ${name} starts when one of them stops`;
          },
          async () => {
            ending = await consume(name, signal);
          },
        );
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof WatchRefused) {
          state.textContent = `not watching: ${err.message}`;
          return;
        }
        report.failed(err);
        if (sessionEnded(err)) return;
        what = "stream failed";
      }
      if (signal.aborted) return;
      if (ending?.stop) {
        state.textContent = `not watching: ${ending.stop}`;
        return;
      }
      if (ending?.live) waitMs = firstRetryMs;
      state.textContent = `${what}: watching ${name} again in ${waitMs / 1000} s`;
      note("gap", `${what}; publications until the next stream starts are not shown here`);
      await pause(waitMs, signal);
      waitMs = Math.min(waitMs * 2, maxRetryMs);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    window.history.replaceState(null, "", liveHref(channel.value));
    void watch(channel.value);
  });
  show(
    root,
    h("h2", {}, "Live channel view"),
    form,
    h("div", { class: "panels" }, presence.element, history.element),
    map.element,
    events,
  );
  if (initialChannel) void watch(initialChannel);
  return () => {
    abort.abort();
    presenceChanged.cancel();
    historyChanged.cancel();
  };
}
