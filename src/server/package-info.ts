import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "rotor" && pkg.version) return pkg.version;
    } catch {
      // not at this level; keep walking up
    }
    dir = dirname(dir);
  }
  return "0.0.0";
}

/** rotor's version from package.json, reported by Info and the connect reply. */
export const rotorVersion = findVersion();
