import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioContext } from "../scenarios/context.js";
import { aptLine, ensurePackages } from "./system-tools.js";

const sourceDir = fileURLToPath(new URL("../go-centrifuge/", import.meta.url));

/**
 * Debian's Centrifuge (v0.15) and Go 1.19. The library's control file leaves
 * out four packages it imports, hence the last four.
 */
export const goPackages = [
  "golang-go",
  "golang-github-centrifugal-centrifuge-dev",
  "golang-github-centrifugal-protocol-dev",
  "golang-github-fzambia-eagle-dev",
  "golang-github-mna-redisc-dev",
  "golang-github-igm-sockjs-go-dev",
];

/** Built binaries and Go's build cache: outside the repository, shared by every checkout. */
const cacheDir = join(tmpdir(), "rotor-bench-go");

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query expands these fields itself
const statusFormat = "${Package} ${db:Status-Status}\\n";

/** The Go packages dpkg does not list as installed (all of them without dpkg). */
function missingPackages(): string[] {
  const r = spawnSync("dpkg-query", ["-W", "-f", statusFormat, ...goPackages], {
    encoding: "utf8",
  });
  if (r.error) return [...goPackages];
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((line) => line.endsWith(" installed"))
      .map((line) => line.split(" ")[0]),
  );
  return goPackages.filter((p) => !installed.has(p));
}

/** Builds main.go once per (source, Go version); later runs reuse the binary. */
function build(ctx: ScenarioContext): string {
  const goVersion = execFileSync("go", ["version"], { encoding: "utf8" });
  const hash = createHash("sha256")
    .update(readFileSync(join(sourceDir, "main.go")))
    .update(goVersion)
    .digest("hex")
    .slice(0, 16);
  const binary = join(cacheDir, `go-centrifuge-${hash}`);
  if (existsSync(binary)) return binary;
  mkdirSync(join(cacheDir, "gopath"), { recursive: true });
  ctx.log(`go-centrifuge: building ${binary} (${goVersion.trim()})`);
  const partial = `${binary}.${process.pid}.partial`;
  execFileSync("go", ["build", "-o", partial, "."], {
    cwd: sourceDir,
    stdio: ["ignore", 2, 2],
    timeout: 600_000,
    env: {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${join(cacheDir, "gopath")}:/usr/share/gocode`,
      GOCACHE: join(cacheDir, "gocache"),
      GOFLAGS: "",
    },
  });
  renameSync(partial, binary);
  return binary;
}

let found: Promise<string | undefined> | undefined;

/**
 * The Go Centrifuge baseline's binary, or undefined (with a note in the
 * report saying why) when it cannot be had: the packages come through
 * `ensurePackages`, the binary from `go build`.
 */
export function goCentrifugeBinary(ctx: ScenarioContext): Promise<string | undefined> {
  found ??= (async () => {
    if (!ensurePackages(ctx, "go-centrifuge", missingPackages)) return undefined;
    try {
      return build(ctx);
    } catch (err) {
      const why = `go build failed: ${(err as Error).message}; needs ${aptLine(goPackages)}`;
      ctx.report.notes.push(`go-centrifuge: not available: ${why}`);
      ctx.log(`go-centrifuge: not available: ${why}`);
      return undefined;
    }
  })();
  return found;
}
