import { toJson } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import {
  CentrifugoUniStream,
  type Push,
  PushSchema,
} from "../../../gen/centrifugal/centrifugo/unistream/unistream_pb.js";
import { h, show } from "./dom.js";
import { mapStateTable } from "./map-state-table.js";
import { liveBaseUrl, liveToken } from "./session.js";

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

/**
 * Watches a channel live through the Connect stream (gRPC-Web): every
 * publication, join and leave as it arrives, and for a map channel its keys
 * kept current. Returns how to stop watching.
 */
export function livePage(root: HTMLElement, onError: (err: unknown) => void): () => void {
  const channel = h("input", { id: "live-channel", placeholder: "channel", required: "" });
  const state = h("span", { id: "live-state", class: "muted" }, "not watching");
  const events = h("ol", { id: "live-events" });
  const map = mapStateTable();
  let abort = new AbortController();
  const form = h(
    "form",
    { id: "live-form", class: "inline" },
    channel,
    h("button", { type: "submit" }, "Watch"),
    state,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    abort.abort();
    abort = new AbortController();
    const signal = abort.signal;
    show(events);
    map.reset();
    try {
      const token = await liveToken(channel.value);
      state.textContent = `watching ${channel.value}`;
      for await (const push of stream.consume({ token }, { signal })) {
        if (push.connect) {
          state.textContent = `watching ${channel.value}: live`;
          await map.load(channel.value);
        }
        if (push.pub?.key) map.change(push.pub.key, push.pub.removed, push.pub.data);
        const line = describe(push);
        if (line) events.prepend(h("li", { class: line[0] }, h("b", {}, line[0]), " ", line[1]));
      }
      state.textContent = "stream ended";
    } catch (err) {
      if (signal.aborted) return;
      state.textContent = "stream failed";
      onError(err);
    }
  });
  show(root, h("h2", {}, "Live channel view"), form, map.table, events);
  return () => abort.abort();
}
