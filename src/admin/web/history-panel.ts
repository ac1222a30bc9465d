import { api } from "./api-client.js";
import { channelPanel } from "./channel-panel.js";
import { h } from "./dom.js";
import type { Report } from "./report.js";

const decoder = new TextDecoder();

/**
 * A channel's history through the History API: the stream position (offset
 * and epoch) and the last `limit` publications (1–1000), newest first, each
 * with its offset, data, tags and publisher. Read when the watch starts, on
 * Refresh, and when the live view sees a publication. A channel without
 * history shows the API's error.
 */
export function historyPanel(report: Report) {
  const limit = h("input", { id: "history-limit", type: "number", min: "1", max: "1000", value: "10" });
  return channelPanel(
    "history",
    "History",
    ["Offset", "Data", "Tags", "From"],
    [h("label", {}, "last ", limit)],
    async (channel) => {
      const wanted = Math.min(1000, Math.max(1, Math.trunc(Number(limit.value)) || 10));
      const reply = await api.history({ channel, limit: wanted, reverse: true });
      const r = reply.result;
      return {
        error: reply.error,
        summary: r ? `offset ${r.offset}, epoch ${r.epoch}` : "",
        rows: (r?.publications ?? []).map((p) =>
          h(
            "tr",
            { "data-offset": String(p.offset) },
            h("td", {}, String(p.offset)),
            h("td", { "data-field": "data" }, decoder.decode(p.data)),
            h(
              "td",
              {},
              Object.entries(p.tags)
                .map(([k, v]) => `${k}=${v}`)
                .join(" "),
            ),
            h("td", {}, p.info?.user ?? ""),
          ),
        ),
      };
    },
    report,
  );
}
