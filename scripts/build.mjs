// Builds rotor into dist/: the server with tsc (dist/src), the server again as
// one minified esbuild bundle (dist/bin, the package's bin and what `npm start`
// runs), then the admin web UI with esbuild (dist/admin). With --if-stale it
// does nothing when dist/ is newer than every source, so `npm start` starts at
// once when nothing changed; with --admin it builds the web UI only (a fraction
// of a second).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { staleReason, stampPath } from "./build-state.mjs";

const root = new URL("..", import.meta.url).pathname;
const stamp = stampPath(root);
const web = join(root, "src", "admin", "web");
const out = join(root, "dist", "admin");

async function buildAdmin() {
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(web, "main.ts")],
    outfile: join(out, "app.js"),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    legalComments: "none",
    logLevel: "warning",
  });
  for (const file of ["index.html", "app.css"]) copyFileSync(join(web, file), join(out, file));
}

/**
 * Node flags the bin's shebang runs the server with. A server's young generation:
 * by default start-up or the first burst of connections grows it to 2 × 16 MB
 * semi-spaces that an idle server never gives back; with 2 MB ones the idle bundle
 * holds ~14 MB less and 1,000 connections half the RSS each (README, "Base
 * memory"); the fan-out bench could not tell the two apart from its noise.
 */
const serverNodeFlags = ["--max-semi-space-size=2"];

/**
 * Packages left out of the bundle and loaded from node_modules when used: the
 * ones a configuration imports only when it names them (engines, consumers,
 * the HTTP proxy, tracing, config file formats, pretty logs, the admin UI's
 * static files), so that the bundle is what every start runs.
 */
const lazyPackages = [
  "ioredis",
  "@nats-io/*",
  "pg",
  "undici",
  "@opentelemetry/*",
  "yaml",
  "smol-toml",
  "pino-pretty",
  "thread-stream",
  "swagger-ui-dist",
  "@fastify/static",
];

/**
 * The server as one minified ES module (with a chunk per lazily imported part):
 * a thousand modules' source text, module records and loader work at start
 * cost an idle server ~20 MB of RSS that the bundle does not.
 */
async function bundleServer() {
  const dir = join(root, "dist", "bin");
  rmSync(dir, { recursive: true, force: true });
  await build({
    entryPoints: [join(root, "dist", "src", "cli.js")],
    outdir: dir,
    chunkNames: "chunks/[name]-[hash]",
    bundle: true,
    splitting: true,
    minify: true,
    // For stack traces that name rotor's functions: `NODE_OPTIONS=--enable-source-maps`.
    sourcemap: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: lazyPackages,
    // CommonJS packages inside an ES module bundle require Node's built-ins.
    banner: {
      js: 'import { createRequire as __rotorRequire } from "node:module"; const require = __rotorRequire(import.meta.url);',
    },
    legalComments: "none",
    logLevel: "warning",
  });
  const bin = join(dir, "cli.js");
  const code = readFileSync(bin, "utf8");
  const body = code.startsWith("#!") ? code.slice(code.indexOf("\n") + 1) : code;
  writeFileSync(bin, `#!/usr/bin/env -S node ${serverNodeFlags.join(" ")}\n${body}`);
  // The package's bin: npx and npm link run it directly, so it must be executable.
  chmodSync(bin, 0o755);
}

if (process.argv.includes("--admin")) {
  await buildAdmin();
  process.exit(0);
}
if (process.argv.includes("--if-stale")) {
  const reason = staleReason(root);
  if (reason === undefined) process.exit(0);
  process.stderr.write(`rotor: ${reason}\n`);
}
execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit",
});
// The entry of the module tree stays runnable too: an npx cache made before the bin was the bundle still links it.
chmodSync(join(root, "dist", "src", "cli.js"), 0o755);
await bundleServer();
await buildAdmin();
writeFileSync(stamp, `${new Date().toISOString()}\n`);
