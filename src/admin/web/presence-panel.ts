import { api } from "./api-client.js";
import { h, show } from "./dom.js";

const decoder = new TextDecoder();
const maxRows = 1000;

/**
 * A channel's presence: PresenceStats (clients and distinct users) and the
 * Presence list (client ID, user, connection and channel info), read when
 * the watch starts, on the Refresh button, and when the live view sees a
 * join or leave. A namespace without presence shows the API's error here.
 */
export function presencePanel(onError: (err: unknown) => void) {
  let channel = "";
  const stats = h("span", { id: "presence-stats", class: "muted" });
  const note = h("p", { id: "presence-error", class: "error" });
  const body = h("tbody");
  const refresh = h("button", { type: "button", id: "presence-refresh" }, "Refresh");
  const element = h(
    "section",
    { class: "panel", id: "presence", hidden: "" },
    h("header", {}, h("h3", {}, "Presence"), stats, refresh),
    note,
    h(
      "table",
      {},
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Client"),
          h("th", {}, "User"),
          h("th", {}, "Conn info"),
          h("th", {}, "Chan info"),
        ),
      ),
      body,
    ),
  );

  async function load(): Promise<void> {
    const target = channel;
    const [counts, list] = await Promise.all([
      api.presenceStats({ channel: target }),
      api.presence({ channel: target }),
    ]).catch((err) => {
      onError(err);
      return [];
    });
    if (!counts || !list || target !== channel) return;
    const error = counts.error ?? list.error;
    note.textContent = error ? `${error.code}: ${error.message}` : "";
    const s = counts.result;
    const clients = Object.values(list.result?.presence ?? {}).sort((a, b) =>
      a.user === b.user ? (a.client < b.client ? -1 : 1) : a.user < b.user ? -1 : 1,
    );
    const shown = clients.length > maxRows ? `, first ${maxRows} shown` : "";
    stats.textContent = s
      ? `${s.numClients} client${s.numClients === 1 ? "" : "s"}, ${s.numUsers} user${s.numUsers === 1 ? "" : "s"}${shown}`
      : "";
    show(
      body,
      ...clients
        .slice(0, maxRows)
        .map((c) =>
          h(
            "tr",
            { "data-client": c.client },
            h("td", {}, c.client),
            h("td", { "data-field": "user" }, c.user),
            h("td", {}, decoder.decode(c.connInfo)),
            h("td", {}, decoder.decode(c.chanInfo)),
          ),
        ),
    );
  }

  refresh.addEventListener("click", () => void load());
  return {
    element,
    /** Starts showing `name`'s presence. */
    watch(name: string): Promise<void> {
      channel = name;
      element.hidden = false;
      return load();
    },
    /** Reads the watched channel's presence again. */
    load,
  };
}
