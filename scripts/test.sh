#!/usr/bin/env bash
# The whole test run: system packages, generated code, lint, types, then every
# test against real servers. Arguments narrow the run to the given test files.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
bash scripts/check-generated.sh
node_modules/.bin/biome check .
node_modules/.bin/tsc --noEmit -p tsconfig.json

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort)
fi
node --experimental-eventsource --import tsx --test --test-concurrency=2 "${files[@]}"
