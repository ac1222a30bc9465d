#!/usr/bin/env bash
# The whole test run: system packages, generated code, lint, types, then every
# test against real servers, then the suites that hold for every engine once
# more on the Redis engine (and the history ones on PostgreSQL). Arguments narrow the run to the given test files
# (on the engine ROTOR_TEST_ENGINE names, memory by default).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/system-deps.sh
bash scripts/check-generated.sh
node_modules/.bin/biome check .
node_modules/.bin/tsc --noEmit -p tsconfig.json
# The bin the CLI tests start is the bundle `npm start` runs: built when older than the sources.
node scripts/build.mjs --if-stale

run() {
  node --experimental-eventsource --import tsx --test --test-concurrency=2 "$@"
}

if [ $# -gt 0 ]; then
  run "$@"
  exit
fi

# The HTTP/2 flood file bounds an honest caller's latency while 300 connections flood the server it starts;
# it runs alone, so that another test file's work on the same cores does not count against that bound.
alone=test/server/http2-flood.test.ts
mapfile -t files < <(find test -name '*.test.ts' ! -path "$alone" | sort)
run "${files[@]}"
run "$alone"

# Engine-dependent suites (server API, client pub/sub, recovery, presence,
# history, server-side commands, emulation), each test
# file on a redis-server of its own.
engine_suites=(
  test/api/history-surfaces.test.ts
  test/api/http-json-batch.test.ts
  test/api/http-json-methods.test.ts
  test/api/smoke.test.ts
  test/api/surface-equivalence.test.ts
  test/api/v2-methods.test.ts
  test/client/cache-recovery.test.ts
  test/client/client-commands.test.ts
  test/client/fossil-delta.test.ts
  test/client/publication-version.test.ts
  test/client/pubsub.test.ts
  test/client/recovery-reject.test.ts
  test/client/recovery.test.ts
  test/client/server-commands.test.ts
  test/client/server-side-subscriptions.test.ts
  test/client/tags-filter-subscriptions.test.ts
  test/transport/emulation.test.ts
)
echo "# the same suites on the Redis engine"
ROTOR_TEST_ENGINE=redis run "${engine_suites[@]}"

# The history, recovery and join/leave suites once more on the PostgreSQL stream broker
# (each test file on a PostgreSQL cluster of its own).
postgres_suites=(
  test/api/history-surfaces.test.ts
  test/client/cache-recovery.test.ts
  test/client/fossil-delta.test.ts
  test/client/pubsub.test.ts
  test/client/recovery-reject.test.ts
  test/client/recovery.test.ts
)
echo "# the history and recovery suites on the PostgreSQL stream broker"
ROTOR_TEST_ENGINE=postgres run "${postgres_suites[@]}"
