import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The directory of rotor's package.json, from here (src/ or dist/src/), and its version. */
function findPackage(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "rotor" && pkg.version) return { root: dir, version: pkg.version };
    } catch {
      // not at this level; keep walking up
    }
    dir = dirname(dir);
  }
  return { root: dirname(fileURLToPath(import.meta.url)), version: "0.0.0" };
}

const found = findPackage();

/** rotor's version from package.json, reported by Info and the connect reply. */
export const rotorVersion = found.version;

/** rotor's package directory: where built assets (dist/admin) are found, whether running from dist/ or src/. */
export const packageRoot = found.root;
