import type { MapEntry } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { api } from "./api-client.js";
import { h, show } from "./dom.js";

const decoder = new TextDecoder();

/**
 * A map channel's keys as a table that live changes keep current: filled
 * from `map_read_state` once the watch is live, then updated by each change
 * pushed to the watcher. A key changed by a push before the read came back
 * keeps the pushed value. For a stream channel the read is refused (107)
 * and the table stays hidden.
 */
export function mapStateTable() {
  const values = new Map<string, string>();
  const pushed = new Set<string>();
  const body = h("tbody", {});
  const caption = h("caption", {});
  const table = h(
    "table",
    { id: "live-map", hidden: "" },
    caption,
    h("thead", {}, h("tr", {}, h("th", {}, "key"), h("th", {}, "value"))),
    body,
  );

  function render(): void {
    caption.textContent = `${values.size} key${values.size === 1 ? "" : "s"}`;
    const keys = [...values.keys()].sort();
    show(
      body,
      ...keys.map((key) => h("tr", { "data-key": key }, h("td", {}, key), h("td", {}, values.get(key)!))),
    );
  }

  return {
    table,
    /** Starts over for a newly watched channel. */
    reset(): void {
      values.clear();
      pushed.clear();
      table.hidden = true;
    },
    /** Reads the channel's state; leaves the table hidden when the channel is not a map. */
    async load(channel: string): Promise<void> {
      const reply = await api.mapReadState({ channel, limit: -1 }).catch(() => undefined);
      if (!reply || reply.error) return;
      for (const entry of reply.result?.entries ?? ([] as MapEntry[])) {
        if (!pushed.has(entry.key)) values.set(entry.key, decoder.decode(entry.data));
      }
      table.hidden = false;
      render();
    },
    /** Applies a pushed change of one key. */
    change(key: string, removed: boolean, data: Uint8Array): void {
      pushed.add(key);
      if (removed) values.delete(key);
      else values.set(key, decoder.decode(data));
      if (!table.hidden) render();
    },
  };
}
