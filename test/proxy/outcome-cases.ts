import { channelOutcomes } from "./channel-outcomes.js";
import { connectionOutcomes } from "./connection-outcomes.js";
import type { OutcomeCase } from "./outcome-types.js";

export type { CaseRun, Kind, Outcome, OutcomeCase } from "./outcome-types.js";

/**
 * Every proxy kind × allow, refuse with an error, refuse with a disconnect,
 * backend timeout, backend down and malformed answer, with what a
 * centrifuge-js client sees. Run once per backend transport and client
 * protocol.
 */
export const outcomeCases: readonly OutcomeCase[] = [...connectionOutcomes, ...channelOutcomes];
