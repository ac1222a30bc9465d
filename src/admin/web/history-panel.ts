import { api } from "./api-client.js";
import { h, show } from "./dom.js";

const decoder = new TextDecoder();

/**
 * A channel's history through the History API: the stream position (offset
 * and epoch) and the last `limit` publications, newest first, each with its
 * offset, data, tags and publisher. Read when the watch starts, on Refresh
 * (or a new limit), and when the live view sees a publication. A channel
 * without history shows the API's error here.
 */
export function historyPanel(onError: (err: unknown) => void) {
  let channel = "";
  const limit = h("input", { id: "history-limit", type: "number", min: "1", max: "1000", value: "10" });
  const position = h("span", { id: "history-position", class: "muted" });
  const note = h("p", { id: "history-error", class: "error" });
  const body = h("tbody");
  const form = h(
    "form",
    { class: "inline" },
    h("h3", {}, "History"),
    position,
    h("label", {}, "last ", limit),
    h("button", { type: "submit", id: "history-refresh" }, "Refresh"),
  );
  const element = h(
    "section",
    { class: "panel", id: "history", hidden: "" },
    form,
    note,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h("tr", {}, h("th", {}, "Offset"), h("th", {}, "Data"), h("th", {}, "Tags"), h("th", {}, "From")),
      ),
      body,
    ),
  );

  async function load(): Promise<void> {
    const target = channel;
    const wanted = Math.min(1000, Math.max(1, Math.trunc(Number(limit.value)) || 10));
    const reply = await api.history({ channel: target, limit: wanted, reverse: true }).catch((err) => {
      onError(err);
      return undefined;
    });
    if (!reply || target !== channel) return;
    note.textContent = reply.error ? `${reply.error.code}: ${reply.error.message}` : "";
    const r = reply.result;
    position.textContent = r ? `offset ${r.offset}, epoch ${r.epoch}` : "";
    show(
      body,
      ...(r?.publications ?? []).map((p) =>
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
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  return {
    element,
    /** Starts showing `name`'s history. */
    watch(name: string): Promise<void> {
      channel = name;
      element.hidden = false;
      return load();
    },
    /** Reads the watched channel's history again. */
    load,
  };
}
