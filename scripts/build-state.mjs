// Whether dist/ is older than rotor's sources: `npm start` builds only then,
// and says why (a first start compiles for a while and must not look hung).
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** What a build reads: a change to any of these makes dist/ stale. */
export const sources = [
  "src",
  "gen",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
  "scripts/build.mjs",
  "scripts/build-state.mjs",
];

/** The stamp a finished build writes under `root`. */
export function stampPath(root) {
  return join(root, "dist", ".build-stamp");
}

function newest(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return 0;
  const stat = statSync(full);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(full).map((name) => newest(root, join(path, name))));
}

/**
 * Why `root` needs a build, as the line `npm start` prints before building,
 * or undefined when dist/ is newer than every source.
 */
export function staleReason(root) {
  const stamp = stampPath(root);
  if (!existsSync(stamp)) return "building (first start)…";
  const built = statSync(stamp).mtimeMs;
  return Math.max(...sources.map((path) => newest(root, path))) > built
    ? "sources changed, building…"
    : undefined;
}
