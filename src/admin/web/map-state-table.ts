import { Code, ConnectError } from "@connectrpc/connect";
import type { MapEntry } from "../../../gen/centrifugal/centrifugo/api/api_pb.js";
import { api } from "./api-client.js";
import { h, show } from "./dom.js";
import type { Report } from "./report.js";
import { firstRetryMs, maxRetryMs, pause } from "./wait.js";

const decoder = new TextDecoder();

/** The API's answer for a channel that is not a map (a stream channel): the table stays hidden. */
const notAMap = 107;

/**
 * A map channel's keys as a table that live changes keep current: filled
 * from `map_read_state` once the watch is live, then updated by each change
 * pushed to the watcher. A key changed by a push before the read came back
 * keeps the pushed value. For a stream channel the read is refused (107)
 * and the table stays hidden. A read that fails (the request, or the API's
 * answer) is reported and its retry time shown above the table, and read
 * again after a wait that doubles up to a few seconds, until it succeeds or
 * the watch ends.
 */
export function mapStateTable(report: Report) {
  const values = new Map<string, string>();
  const pushed = new Set<string>();
  const body = h("tbody", {});
  const caption = h("caption", {});
  const note = h("p", { id: "live-map-error", class: "error" });
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

  /** One read: whether it is done (read, or not a map) rather than to be tried again. */
  async function read(channel: string, signal: AbortSignal): Promise<boolean> {
    let reply: Awaited<ReturnType<typeof api.mapReadState>>;
    try {
      reply = await api.mapReadState({ channel, limit: -1 }, { signal });
    } catch (err) {
      if (signal.aborted) return true;
      const failure = ConnectError.from(err);
      // An ended session goes to the login form as is; any other failure says what was not read.
      const ended = failure.code === Code.Unauthenticated;
      report.failed(ended ? err : new Error(`map state of "${channel}" not read: ${failure.message}`));
      return ended;
    }
    if (signal.aborted) return true;
    if (reply.error?.code === notAMap) return true;
    if (reply.error) {
      const { code, message } = reply.error;
      report.failed(new Error(`map state of "${channel}" not read: ${code}: ${message}`));
      return false;
    }
    report.succeeded();
    note.textContent = "";
    for (const entry of reply.result?.entries ?? ([] as MapEntry[])) {
      if (!pushed.has(entry.key)) values.set(entry.key, decoder.decode(entry.data));
    }
    table.hidden = false;
    render();
    return true;
  }

  async function retry(channel: string, signal: AbortSignal, waitMs: number): Promise<void> {
    note.textContent = `map state not read: trying again in ${waitMs / 1000} s`;
    await pause(waitMs, signal);
    if (signal.aborted || (await read(channel, signal))) return;
    await retry(channel, signal, Math.min(waitMs * 2, maxRetryMs));
  }

  return {
    element: h("div", {}, note, table),
    /** Starts over for a newly watched channel. */
    reset(): void {
      values.clear();
      pushed.clear();
      note.textContent = "";
      table.hidden = true;
    },
    /**
     * Reads the channel's state; leaves the table hidden when the channel is
     * not a map. Resolves after the first read; a failed one is read again in
     * the background until it succeeds or `signal` (the watch) ends.
     */
    async load(channel: string, signal: AbortSignal): Promise<void> {
      if (!(await read(channel, signal))) void retry(channel, signal, firstRetryMs);
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
