import { api } from "./api-client.js";
import { h, show } from "./dom.js";
import { liveHref } from "./live-page.js";
import type { Report } from "./report.js";

/** Rows drawn at most: a node with a million channels still gets a page that renders. */
const maxRows = 1000;

/**
 * The channels with at least one subscriber on any node (the Channels API),
 * filtered by a pattern as the API takes it (`*` any run of characters),
 * each with its number of clients and a link to its live view. The pattern
 * given in the hash (`#channels/<pattern>`) is applied at once.
 */
export function channelsPage(root: HTMLElement, report: Report, initialPattern = ""): () => void {
  const pattern = h("input", { id: "channels-pattern", placeholder: "pattern, e.g. chat:*" });
  pattern.value = initialPattern;
  const summary = h("span", { id: "channels-summary", class: "muted" });
  const body = h("tbody");
  const form = h(
    "form",
    { id: "channels-form", class: "inline" },
    pattern,
    h("button", { type: "submit" }, "Show"),
    summary,
  );
  const load = async () => {
    summary.textContent = "…";
    try {
      const reply = await api.channels({ pattern: pattern.value });
      if (reply.error) throw new Error(`${reply.error.code}: ${reply.error.message}`);
      report.succeeded();
      const channels = Object.entries(reply.result?.channels ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
      const clients = channels.reduce((sum, [, info]) => sum + info.numClients, 0);
      const shown = channels.length > maxRows ? `, first ${maxRows} shown` : "";
      summary.textContent = `${channels.length} channel${channels.length === 1 ? "" : "s"}, ${clients} client${clients === 1 ? "" : "s"}${shown}`;
      show(
        body,
        ...channels
          .slice(0, maxRows)
          .map(([name, info]) =>
            h(
              "tr",
              { "data-channel": name },
              h("td", {}, h("a", { href: liveHref(name) }, name)),
              h("td", { "data-field": "num_clients" }, String(info.numClients)),
            ),
          ),
      );
    } catch (err) {
      summary.textContent = "";
      report.failed(err);
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    history.replaceState(null, "", `#channels/${encodeURIComponent(pattern.value)}`);
    void load();
  });
  show(
    root,
    h("h2", {}, "Channels"),
    form,
    h(
      "table",
      { id: "channels" },
      h("thead", {}, h("tr", {}, h("th", {}, "Channel"), h("th", {}, "Clients"))),
      body,
    ),
  );
  void load();
  return () => {};
}
