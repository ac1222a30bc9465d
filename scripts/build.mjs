// Builds rotor into dist/: the server with tsc, then the admin web UI with
// esbuild (dist/admin). With --if-stale it does nothing when dist/ is newer
// than every source, so `npm start` starts at once when nothing changed;
// with --admin it builds the web UI only (a fraction of a second).
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from "node:fs";
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
// The package's bin: npx and npm link run it directly, so it must be executable (tsc writes it 0644).
chmodSync(join(root, "dist", "src", "cli.js"), 0o755);
await buildAdmin();
writeFileSync(stamp, `${new Date().toISOString()}\n`);
