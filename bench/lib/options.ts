/** What `npm run bench -- [flags]` asked for. */
export interface BenchOptions {
  /** Small sizes, one round: every scenario in well under two minutes (CI). */
  readonly quick: boolean;
  /** Scenarios to run; all when empty. */
  readonly only: readonly string[];
  readonly rounds: number;
  /** Whether `--rounds` was given: a scenario with its own default number of rounds keeps it otherwise. */
  readonly roundsGiven: boolean;
  /** taskset CPU list for the servers (rotor and baselines alike). */
  readonly serverCpus: string;
  /** taskset CPU list for the load generators. */
  readonly loadCpus: string;
  /** Skip `npm run build` (use the dist/ already there). */
  readonly noBuild: boolean;
  /** Extra flags for every rotor under test, e.g. `--prometheus.enabled` to measure with metrics served. */
  readonly rotorFlags: readonly string[];
  /** Flags for node itself running every rotor under test, e.g. `--max-semi-space-size=4`. */
  readonly rotorNodeFlags: readonly string[];
  /** Another checkout whose build (its bin, `dist/bin/cli.js`, or `dist/src/cli.js` before the bundle) is the rotor under test: the same harness on two builds. */
  readonly rotorBuild: string | undefined;
  /** How long the soak runs, in seconds; its own default when absent. */
  readonly durationSeconds: number | undefined;
  /** The soak's publications per second (connects/s churning at a quarter of it); its own default when absent. */
  readonly soakRate: number | undefined;
  /** Another checkout, built, whose rotor the connect scenario runs beside this one's, round by round (A/B). */
  readonly abTree: string | undefined;
}

const usage = `usage: npm run bench -- [--quick] [--only fanout,latency,compression,api,connections,connect,redis,postgres,proxy,soak,workers,maps] [--rounds N]
                        [--server-cpus LIST] [--load-cpus LIST] [--no-build] [--rotor-flag FLAG]... [--rotor-node-flag FLAG]...
                        [--rotor-build DIR] [--duration 30m] [--soak-rate N] [--ab-tree DIR]`;

function defaultCpus(count: number): { server: string; load: string } {
  if (count < 2) return { server: "", load: "" };
  const half = Math.floor(count / 2);
  return {
    server: half === 1 ? "0" : `0-${half - 1}`,
    load: half === count - 1 ? String(half) : `${half}-${count - 1}`,
  };
}

/** "90", "90s", "30m" or "1h" as seconds. */
function durationSeconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text);
  if (!m) throw new Error(`--duration takes seconds or a number with s, m or h, not ${text}\n${usage}`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600 }[m[2] ?? "s"]!;
}

/** Parses the command line; throws with the usage on anything unknown. */
export function parseOptions(argv: readonly string[], cpuCount: number): BenchOptions {
  const cpus = defaultCpus(cpuCount);
  const o = {
    quick: false,
    only: [] as string[],
    rounds: 0,
    serverCpus: cpus.server,
    loadCpus: cpus.load,
    noBuild: false,
    rotorFlags: [] as string[],
    rotorNodeFlags: [] as string[],
    rotorBuild: undefined as string | undefined,
    durationSeconds: undefined as number | undefined,
    soakRate: undefined as number | undefined,
    abTree: undefined as string | undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage}`);
      return v;
    };
    if (flag === "--quick") o.quick = true;
    else if (flag === "--no-build") o.noBuild = true;
    else if (flag === "--only") o.only = value().split(",");
    else if (flag === "--rounds") o.rounds = Number(value());
    else if (flag === "--server-cpus") o.serverCpus = value();
    else if (flag === "--load-cpus") o.loadCpus = value();
    else if (flag === "--rotor-flag") o.rotorFlags.push(value());
    else if (flag === "--rotor-node-flag") o.rotorNodeFlags.push(value());
    else if (flag === "--rotor-build") o.rotorBuild = value();
    else if (flag === "--duration") o.durationSeconds = durationSeconds(value());
    else if (flag === "--soak-rate") o.soakRate = Number(value());
    else if (flag === "--ab-tree") o.abTree = value();
    else throw new Error(`unknown flag ${flag}\n${usage}`);
  }
  if (!Number.isInteger(o.rounds) || o.rounds < 0)
    throw new Error(`--rounds must be a positive integer\n${usage}`);
  if (o.soakRate !== undefined && !(Number.isInteger(o.soakRate) && o.soakRate >= 4))
    throw new Error(`--soak-rate must be an integer of at least 4\n${usage}`);
  const roundsGiven = o.rounds > 0;
  if (o.rounds === 0) o.rounds = o.quick ? 1 : 3;
  return { ...o, roundsGiven };
}
