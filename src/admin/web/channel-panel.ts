import { h, show } from "./dom.js";
import type { Report } from "./report.js";

/** What a panel's read of one channel gives: an API error to show, a summary line, the table's rows. */
export interface PanelAnswer {
  readonly error?: { code: number; message: string };
  readonly summary: string;
  readonly rows: HTMLTableRowElement[];
}

/**
 * A live-view panel about the watched channel (presence, history): a title
 * with a summary, `controls` and a Refresh button, the API's error if any,
 * and a table. `read` asks the API about one channel; an answer that comes
 * back after the watch moved to another channel is dropped.
 */
export function channelPanel(
  id: string,
  title: string,
  columns: readonly string[],
  controls: readonly HTMLElement[],
  read: (channel: string) => Promise<PanelAnswer>,
  report: Report,
) {
  let channel = "";
  const summary = h("span", { id: `${id}-summary`, class: "muted" });
  const note = h("p", { id: `${id}-error`, class: "error" });
  const body = h("tbody");
  const head = h(
    "form",
    {},
    h("h3", {}, title),
    summary,
    ...controls,
    h("button", { type: "submit", id: `${id}-refresh` }, "Refresh"),
  );
  const element = h(
    "section",
    { class: "panel", id, hidden: "" },
    head,
    note,
    h("table", {}, h("thead", {}, h("tr", {}, ...columns.map((c) => h("th", {}, c)))), body),
  );

  async function load(): Promise<void> {
    const target = channel;
    const answer = await read(target).catch((err) => {
      report.failed(err);
      return undefined;
    });
    if (!answer) return;
    report.succeeded();
    if (target !== channel) return;
    note.textContent = answer.error ? `${answer.error.code}: ${answer.error.message}` : "";
    summary.textContent = answer.summary;
    show(body, ...answer.rows);
  }

  head.addEventListener("submit", (event) => {
    event.preventDefault();
    void load();
  });
  return {
    element,
    /** Starts showing `name`. */
    watch(name: string): Promise<void> {
      channel = name;
      element.hidden = false;
      return load();
    },
    /** Reads the watched channel again. */
    load,
  };
}
