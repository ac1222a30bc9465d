import { median, ratio } from "./stats.js";

/** One measured figure of rotor next to its baseline, over all rounds. */
export interface Row {
  readonly scenario: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  readonly baseline: string;
  /** Per-round values. */
  readonly rotor: readonly number[];
  readonly base: readonly number[];
  readonly rotorMedian: number;
  readonly baseMedian: number;
  /** rotor ÷ baseline of the medians. */
  readonly ratio: number;
  /** The goal as text ("≥ 0.9×"), and whether the medians meet it; absent when there is none. */
  readonly goal?: string;
  readonly met?: boolean;
}

/** A figure of rotor alone (no baseline), such as RSS per connection. */
export interface Figure {
  readonly scenario: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  readonly values: readonly number[];
  readonly median: number;
  readonly goal?: string;
  readonly met?: boolean;
}

export interface Report {
  readonly date: string;
  readonly machine: Record<string, string | number>;
  readonly options: object;
  readonly rows: Row[];
  readonly figures: Figure[];
  /** Lines the reader must see: scenarios not run and why, failures, limits. */
  readonly notes: string[];
}

const fmt = (v: number): string => {
  if (!Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString("en-US");
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

const goalCell = (goal: string | undefined, met: boolean | undefined) =>
  goal === undefined ? "" : `${goal} ${met ? "met" : "not met"}`;

/** The report as Markdown: one table of ratios, one of rotor-only figures, then the notes. */
export function toMarkdown(report: Report): string {
  const lines = [`# rotor benchmark, ${report.date}`, ""];
  for (const [k, v] of Object.entries(report.machine)) lines.push(`- ${k}: ${v}`);
  lines.push(`- options: \`${JSON.stringify(report.options)}\``, "");
  if (report.rows.length > 0) {
    lines.push(
      "| scenario | case | metric | baseline | rotor | baseline value | ratio | goal |",
      "|---|---|---|---|---|---|---|---|",
    );
    for (const r of report.rows) {
      lines.push(
        `| ${r.scenario} | ${r.case} | ${r.metric} (${r.unit}) | ${r.baseline} | ${fmt(r.rotorMedian)} | ${fmt(r.baseMedian)} | ${fmt(r.ratio)}× | ${goalCell(r.goal, r.met)} |`,
      );
    }
    lines.push("");
  }
  if (report.figures.length > 0) {
    lines.push("| scenario | case | metric | value | goal |", "|---|---|---|---|---|");
    for (const f of report.figures) {
      lines.push(
        `| ${f.scenario} | ${f.case} | ${f.metric} (${f.unit}) | ${fmt(f.median)} | ${goalCell(f.goal, f.met)} |`,
      );
    }
    lines.push("");
  }
  lines.push("Values are medians over the rounds; per-round values are in the JSON report.", "");
  for (const note of report.notes) lines.push(`- ${note}`);
  return `${lines.join("\n")}\n`;
}

/** A goal on a ratio or a figure: its text and the test the median must pass. */
export interface Goal {
  readonly text: string;
  readonly test: (value: number) => boolean;
}

export const atLeast = (x: number, suffix = "×"): Goal => ({ text: `≥ ${x}${suffix}`, test: (v) => v >= x });
export const atMost = (x: number, suffix = "×"): Goal => ({ text: `≤ ${x}${suffix}`, test: (v) => v <= x });

export function makeRow(
  fields: Pick<Row, "scenario" | "case" | "metric" | "unit" | "baseline" | "rotor" | "base">,
  goal?: Goal,
): Row {
  const rotorMedian = median(fields.rotor);
  const baseMedian = median(fields.base);
  const r = ratio(rotorMedian, baseMedian);
  return {
    ...fields,
    rotorMedian,
    baseMedian,
    ratio: r,
    ...(goal ? { goal: goal.text, met: goal.test(r) } : {}),
  };
}

export function makeFigure(
  fields: Pick<Figure, "scenario" | "case" | "metric" | "unit" | "values">,
  goal?: Goal,
): Figure {
  const m = median(fields.values);
  return { ...fields, median: m, ...(goal ? { goal: goal.text, met: goal.test(m) } : {}) };
}
