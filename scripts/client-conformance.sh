#!/usr/bin/env bash
# Runs the C++ client's conformance test (tests/client) against a server of the fixtures:
#   scripts/client-conformance.sh ours     TEST_BINARY FIXTURE_SERVER   our own fixture server
#   scripts/client-conformance.sh upstream TEST_BINARY                  RivetKit 2.3.19 on a local engine
# Each run starts its servers on free ports with fresh data and stops them afterwards. The
# upstream run exits 77 (skipped) when tests/wire has no node_modules ('make deps'): the upstream
# server (tests/wire/upstream/server.mjs) runs on the rivetkit package the wire tests install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="${1:?usage: $0 ours|upstream TEST_BINARY [FIXTURE_SERVER]}"
test_bin="${2:?test binary}"
work="$(mktemp -d "${TMPDIR:-/tmp}/rivet-client-conformance.XXXXXX")"
pids=()

engine_dirs=()

stop_upstream() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  pids=()
  for dir in "${engine_dirs[@]}"; do
    bash "$ROOT/scripts/local-engine.sh" stop --dir "$dir" || true
  done
  engine_dirs=()
}

cleanup() {
  stop_upstream
  rm -rf "$work"
}
trap cleanup EXIT

wait_for_line() {  # FILE PATTERN SECONDS
  for _ in $(seq 1 $(($3 * 10))); do
    grep -m1 -oE "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

case "$target" in
  ours)
    server="${3:?fixture server binary}"
    "$server" --port 0 --data-dir "$work/data" >"$work/server.log" 2>&1 &
    pids+=($!)
    endpoint="$(wait_for_line "$work/server.log" 'http://127\.0\.0\.1:[0-9]+' 30)" || {
      cat "$work/server.log" >&2
      echo "client-conformance: the fixture server did not start" >&2
      exit 1
    }
    ;;
  upstream)
    if [[ ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]]; then
      echo "client-conformance: tests/wire/node_modules is missing (make deps); skipped" >&2
      exit 77
    fi
    ;;
  *)
    echo "client-conformance: unknown target $target" >&2
    exit 2
    ;;
esac

start_upstream() {  # a fresh engine and runner in $work/$1; sets $endpoint
  endpoint="$(bash "$ROOT/scripts/local-engine.sh" start --dir "$work/$1" | sed -n 's/^endpoint: //p')"
  (cd "$ROOT/tests/wire/upstream" && RIVET_ENDPOINT="$endpoint" RIVET_RUN_SERVICES=0 \
    exec node server.mjs) >"$work/$1/runner.log" 2>&1 &
  pids+=($!)
  # Ready once the runner's envoy has registered with the engine.
  for _ in $(seq 1 300); do
    if curl -fsS "$endpoint/envoys?namespace=default" 2>/dev/null | grep -q '"pool_name":"default"'; then
      return 0
    fi
    sleep 0.1
  done
  cat "$work/$1/runner.log" >&2
  echo "client-conformance: the upstream runner did not connect to the engine" >&2
  exit 1
}

run_tests() {
  echo "client-conformance: $target at $endpoint"
  RIVET_CLIENT_ENDPOINT="$endpoint" RIVET_CLIENT_TARGET="$target" "$test_bin"
}

status=0
if [[ "$target" == ours ]]; then
  run_tests || status=$?
else
  # On a loaded machine the engine now and then stops resolving actors for a while (its own
  # pegboard.route_resolve_query_timeout, 15 s each), which says nothing about the client. A
  # failed run is repeated once on a fresh engine; both runs' results are printed.
  for attempt in 1 2; do
    engine_dirs+=("$work/engine-$attempt")
    start_upstream "engine-$attempt"
    status=0
    run_tests || status=$?
    ((status == 0)) && break
    if grep -q route_resolve_query_timeout "$work/engine-$attempt/engine.log" && ((attempt == 1)); then
      echo "client-conformance: the engine timed out resolving actors; once more on a fresh engine" >&2
      stop_upstream
      continue
    fi
    break
  done
fi
if ((status != 0)); then
  echo "--- server logs ($target) ---" >&2
  tail -n 30 "$work"/*.log "$work"/*/runner.log 2>/dev/null >&2 || true
fi
exit "$status"
