import { api } from "./api-client.js";
import { channelPanel } from "./channel-panel.js";
import { h } from "./dom.js";
import type { Report } from "./report.js";

const decoder = new TextDecoder();
const maxRows = 1000;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * A channel's presence: PresenceStats (clients and distinct users) and the
 * Presence list (client ID, user, connection and channel info), read when
 * the watch starts, on Refresh, and when the live view sees a join or
 * leave. A namespace without presence shows the API's error.
 */
export function presencePanel(report: Report) {
  return channelPanel(
    "presence",
    "Presence",
    ["Client", "User", "Conn info", "Chan info"],
    [],
    async (channel) => {
      const [counts, list] = await Promise.all([api.presenceStats({ channel }), api.presence({ channel })]);
      const clients = Object.values(list.result?.presence ?? {}).sort((a, b) =>
        a.user === b.user ? (a.client < b.client ? -1 : 1) : a.user < b.user ? -1 : 1,
      );
      const s = counts.result;
      const cut = clients.length > maxRows ? `, first ${maxRows} shown` : "";
      return {
        error: counts.error ?? list.error,
        summary: s ? `${plural(s.numClients, "client")}, ${plural(s.numUsers, "user")}${cut}` : "",
        rows: clients
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
      };
    },
    report,
  );
}
