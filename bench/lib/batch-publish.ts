import { fileURLToPath } from "node:url";
import type { ScenarioContext } from "../scenarios/context.js";
import { ask } from "./ipc.js";
import { spawnNode } from "./processes.js";

/** The load process that publishes through `/api/batch`. */
export const batchPublisherFile = fileURLToPath(new URL("../load/batch-publisher.ts", import.meta.url));

/** What the batch publisher sends: `count` publications over `channels`, `batchSize` per request, `concurrency` in flight. */
export interface BatchLoad {
  readonly channels: number;
  readonly count: number;
  readonly batchSize: number;
  readonly concurrency: number;
  /** Publications sent the same way first and left out of the figure (a fresh server's code is not yet optimised). */
  readonly warmUp?: number;
}

/** What one run of the batch publisher answers. */
export interface BatchRun {
  readonly acknowledged: number;
  readonly errors: number;
  readonly firstError: string;
  readonly seconds: number;
}

/**
 * Acknowledged publications/s of one batch publisher run against `url`,
 * from a load process of its own on the load CPUs; failed publishes go to
 * the report's notes under `scenario`.
 */
export async function publishInBatches(
  url: string,
  load: BatchLoad,
  ctx: ScenarioContext,
  scenario: string,
): Promise<number> {
  const publisher = spawnNode([batchPublisherFile], ctx.options.loadCpus, true);
  try {
    const { warmUp = 0, ...measured } = load;
    if (warmUp > 0) await ask<BatchRun>(publisher.child, { type: "run", url, ...measured, count: warmUp });
    const result = await ask<BatchRun>(publisher.child, { type: "run", url, ...measured });
    if (result.errors > 0)
      ctx.report.notes.push(`${scenario}: ${result.errors} publishes failed: ${result.firstError}`);
    return result.acknowledged / result.seconds;
  } finally {
    await publisher.stop();
  }
}
