import { execFileSync, spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import type { ScenarioContext } from "../scenarios/context.js";

/** The command that installs Debian `packages`, as the report prints it. */
export function aptLine(packages: readonly string[]): string {
  return `apt-get update && apt-get install -y --no-install-recommends ${packages.join(" ")}`;
}

/** Whether `command` is an executable file in one of PATH's directories. */
export function onPath(command: string): boolean {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/** The Debian packages of `commands` (command → package) whose command is not on PATH. */
export function missingCommands(commands: Readonly<Record<string, string>>): string[] {
  return [
    ...new Set(
      Object.entries(commands)
        .filter(([command]) => !onPath(command))
        .map(([, pkg]) => pkg),
    ),
  ];
}

function canInstall(): boolean {
  return process.getuid?.() === 0 && !spawnSync("apt-get", ["--version"]).error;
}

function install(ctx: ScenarioContext, what: string, packages: readonly string[]): void {
  ctx.log(`${what}: installing ${packages.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const stdio = ["ignore", 2, 2] as const;
  execFileSync("apt-get", ["update", "-qq"], { env, stdio: [...stdio] });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
    env,
    stdio: [...stdio],
  });
}

/**
 * Makes sure what a baseline or a scenario needs from Debian is there:
 * `missing` lists the packages still missing. A full run installs them when
 * it runs as root with apt; `--quick` never installs, so CI on a fresh
 * machine keeps to its minutes. When they cannot be had, the report gets a
 * note naming `what` and the exact install line, and this returns false.
 */
export function ensurePackages(
  ctx: ScenarioContext,
  what: string,
  missing: () => readonly string[],
): boolean {
  const unavailable = (why: string) => {
    ctx.report.notes.push(`${what}: not available: ${why}`);
    ctx.log(`${what}: not available: ${why}`);
    return false;
  };
  const before = missing();
  if (before.length === 0) return true;
  const line = aptLine(before);
  if (ctx.options.quick || !canInstall()) {
    const why = ctx.options.quick ? "--quick does not install packages" : "needs root and apt-get";
    return unavailable(`${before.join(", ")} not installed (${why}); install with: ${line}`);
  }
  try {
    install(ctx, what, before);
  } catch (err) {
    return unavailable(`${line} failed: ${(err as Error).message}`);
  }
  const after = missing();
  if (after.length > 0) return unavailable(`${after.join(", ")} still missing after ${line}`);
  return true;
}

/** The commands a scenario runs, by the Debian package that has each. */
export const tools = {
  h2load: { h2load: "nghttp2-client" },
  redis: { "redis-server": "redis-server", "redis-cli": "redis-tools" },
  redisBenchmark: { "redis-benchmark": "redis-tools" },
} as const;

/** `ensurePackages` for commands that must be on PATH. */
export function ensureCommands(
  ctx: ScenarioContext,
  what: string,
  commands: Readonly<Record<string, string>>,
): boolean {
  return ensurePackages(ctx, what, () => missingCommands(commands));
}
