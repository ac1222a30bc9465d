import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ScenarioContext } from "../scenarios/context.js";

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

const aptLine = `apt-get update && apt-get install -y --no-install-recommends ${goPackages.join(" ")}`;

/** Built binaries and Go's build cache: outside the repository, shared by every checkout. */
const cacheDir = join(tmpdir(), "rotor-bench-go");

// biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query expands these fields itself
const statusFormat = "${Package} ${db:Status-Status}\\n";

function missingPackages(): string[] | undefined {
  const r = spawnSync("dpkg-query", ["-W", "-f", statusFormat, ...goPackages], {
    encoding: "utf8",
  });
  if (r.error) return undefined;
  const installed = new Set(
    r.stdout
      .split("\n")
      .filter((line) => line.endsWith(" installed"))
      .map((line) => line.split(" ")[0]),
  );
  return goPackages.filter((p) => !installed.has(p));
}

function install(ctx: ScenarioContext, missing: readonly string[]): void {
  ctx.log(`go-centrifuge: installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const stdio = ["ignore", 2, 2] as const;
  execFileSync("apt-get", ["update", "-qq"], { env, stdio: [...stdio] });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], {
    env,
    stdio: [...stdio],
  });
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
 * report saying why) when it cannot be had. A full run installs the missing
 * Debian packages when it runs as root; `--quick` never installs, so CI on a
 * fresh machine stays within its minute.
 */
export function goCentrifugeBinary(ctx: ScenarioContext): Promise<string | undefined> {
  found ??= (async () => {
    const missing = missingPackages();
    const unavailable = (why: string) => {
      ctx.report.notes.push(`go-centrifuge: not available: ${why}`);
      ctx.log(`go-centrifuge: not available: ${why}`);
      return undefined;
    };
    if (missing === undefined) return unavailable(`needs Debian's packages (${goPackages.join(" ")})`);
    if (missing.length > 0) {
      const asRoot = process.getuid?.() === 0 && !spawnSync("apt-get", ["--version"]).error;
      if (ctx.options.quick || !asRoot) {
        const why = ctx.options.quick ? "--quick does not install packages" : "not root";
        return unavailable(`${missing.join(", ")} not installed (${why}); install with: ${aptLine}`);
      }
      try {
        install(ctx, missing);
      } catch (err) {
        return unavailable(`${aptLine} failed: ${(err as Error).message}`);
      }
    }
    try {
      return build(ctx);
    } catch (err) {
      return unavailable(`go build failed: ${(err as Error).message}`);
    }
  })();
  return found;
}
