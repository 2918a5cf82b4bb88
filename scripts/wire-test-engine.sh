#!/usr/bin/env bash
# The wire tests (tests/wire) through a Rivet Engine: one local engine (scripts/local-engine.sh)
# for the whole run; each test file starts rivet-fixtures as that engine's envoy
# (`--engine URL`, tests/wire/helpers/server.mjs) and the official client calls through the
# engine's gateway. Tests that cannot apply in engine mode are skipped with their reason
# (docs/engine-protocol.md, "Wire tests through the engine").
#   scripts/wire-test-engine.sh [path/to/rivet-fixtures] [test files...]
# Exits 77 (skipped) when the engine binary or the rivetkit package is missing (make deps).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINE="${RIVET_ENGINE_BIN:-$ROOT/tests/wire/node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine}"
if [[ ! -x "$ENGINE" || ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]]; then
  echo "wire-test-engine: no engine binary or rivetkit package (make deps); skipped" >&2
  exit 77
fi
engine_dir="$(mktemp -d "${TMPDIR:-/tmp}/rivet-wire-engine.XXXXXX")"
cleanup() {
  bash "$ROOT/scripts/local-engine.sh" stop --dir "$engine_dir" || true
  # The engine's log outlives the run next to the servers' (tests/wire/.logs).
  mkdir -p "${RIVET_WIRE_LOG_DIR:-$ROOT/tests/wire/.logs}"
  cp "$engine_dir/engine.log" "${RIVET_WIRE_LOG_DIR:-$ROOT/tests/wire/.logs}/engine.log" 2>/dev/null || true
  rm -rf "$engine_dir"
}
trap cleanup EXIT

# Tests that SIGKILL the envoy wait for the engine to give up on it and start its actors on the
# restarted process: 10 s instead of 15 s (pings come every 3 s, so a loaded machine still does
# not lose a live envoy). Their timeouts are doubled (RIVET_WIRE_SLOW) for that recovery.
export RIVET_ENGINE_LOST_THRESHOLD_MS="${RIVET_ENGINE_LOST_THRESHOLD_MS:-10000}"
export RIVET_WIRE_SLOW="${RIVET_WIRE_SLOW:-2}"
endpoint="$(bash "$ROOT/scripts/local-engine.sh" start --dir "$engine_dir" | sed -n 's/^endpoint: //p')"
echo "wire-test-engine: engine at $endpoint"
# The client resolves getOrCreate through the engine (namespace and pool "default").
export RIVET_WIRE_ENGINE="$endpoint"
status=0
bash "$ROOT/scripts/wire-test.sh" "$@" || status=$?
exit "$status"
