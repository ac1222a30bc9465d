/**
 * The parts of the config an engine may fill: `engine.type` (broker and
 * presence together), `broker.type`, `presence_manager.type`, `controller.type`.
 */
export type EngineRole = "engine" | "broker" | "presence" | "controller";

/** What a broker keeps beyond delivering publications, so callers and the contract tests know what to expect. */
export interface BrokerCapabilities {
  /** A stream per channel with offsets and an epoch; without it history calls answer 108. */
  readonly history: boolean;
  /** An idempotency key publishes once and answers the first result again. */
  readonly idempotency: boolean;
  /** A publication whose version is not newer than the last is suppressed. */
  readonly versions: boolean;
  /**
   * A publication keeps its publish details on the way: its version reaches
   * subscribers and history, and without history it carries no offset.
   * PostgreSQL's stream table (Centrifugo's columns) keeps no version, and
   * every row there has an offset, history or not.
   */
  readonly publicationDetails: boolean;
}

/** One engine rotor runs on. */
export interface EngineKind {
  readonly roles: readonly EngineRole[];
  /** Several processes on it share publications and state (what `--workers` needs from the broker). */
  readonly sharedByProcesses: boolean;
  /**
   * Its broker also carries node-to-node control (heartbeats, commands by
   * user, surveys). Without it nodes act as one only with an enabled
   * `controller`; alone each node knows only itself.
   */
  readonly brokerControls: boolean;
  /** Set when it can be the broker. */
  readonly broker?: BrokerCapabilities;
}

const full: BrokerCapabilities = {
  history: true,
  idempotency: true,
  versions: true,
  publicationDetails: true,
};

/**
 * Every engine, in one place. The config accepts an engine's name where it
 * has the role, `--workers` planning asks whether it is shared by processes,
 * `createEngine` (server/engine.ts) must have a factory for every entry (the
 * compiler checks), and the contract tests run on every entry, skipping what
 * its capabilities say it lacks. A new engine starts with its entry here.
 */
export const engineKinds = {
  memory: {
    roles: ["engine", "broker", "presence"],
    sharedByProcesses: false,
    brokerControls: false,
    broker: full,
  },
  redis: {
    roles: ["engine", "broker", "presence"],
    sharedByProcesses: true,
    brokerControls: true,
    broker: full,
  },
  nats: {
    roles: ["broker"],
    sharedByProcesses: true,
    brokerControls: true,
    broker: { history: false, idempotency: false, versions: false, publicationDetails: true },
  },
  postgres: {
    roles: ["broker", "controller"],
    sharedByProcesses: true,
    // As in Centrifugo, the stream broker is no controller: `controller.type: postgres` is its own section.
    brokerControls: false,
    broker: { history: true, idempotency: true, versions: true, publicationDetails: false },
  },
} as const satisfies Record<string, EngineKind>;

export type EngineName = keyof typeof engineKinds;

/** The engines that can fill a role. */
export type EngineWithRole<R extends EngineRole> = {
  [K in EngineName]: R extends (typeof engineKinds)[K]["roles"][number] ? K : never;
}[EngineName];

/** The names the config accepts for a role, in registry order (the first is the default). */
export function enginesWithRole<R extends EngineRole>(role: R): [EngineWithRole<R>, ...EngineWithRole<R>[]] {
  const names = (Object.keys(engineKinds) as EngineName[]).filter((name) =>
    (engineKinds[name].roles as readonly EngineRole[]).includes(role),
  );
  return names as [EngineWithRole<R>, ...EngineWithRole<R>[]];
}
