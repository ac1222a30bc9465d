import type { BenchOptions } from "../lib/options.js";
import type { Report } from "../lib/report.js";

/** What every scenario gets: the options, the report it adds to, and a progress log. */
export interface ScenarioContext {
  readonly options: BenchOptions;
  readonly report: Report;
  log(message: string): void;
}
