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

cleanup() {
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [[ "$target" == upstream ]]; then
    bash "$ROOT/scripts/local-engine.sh" stop --dir "$work/engine" || true
  fi
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
    endpoint="$(bash "$ROOT/scripts/local-engine.sh" start --dir "$work/engine" | sed -n 's/^endpoint: //p')"
    (cd "$ROOT/tests/wire/upstream" && RIVET_ENDPOINT="$endpoint" RIVET_RUN_SERVICES=0 \
      exec node server.mjs) >"$work/runner.log" 2>&1 &
    pids+=($!)
    # Ready once the runner's envoy has registered with the engine.
    ready=0
    for _ in $(seq 1 300); do
      if curl -fsS "$endpoint/envoys?namespace=default" 2>/dev/null | grep -q '"pool_name":"default"'; then
        ready=1
        break
      fi
      sleep 0.1
    done
    if ((!ready)); then
      cat "$work/runner.log" >&2
      echo "client-conformance: the upstream runner did not connect to the engine" >&2
      exit 1
    fi
    ;;
  *)
    echo "client-conformance: unknown target $target" >&2
    exit 2
    ;;
esac

echo "client-conformance: $target at $endpoint"
status=0
RIVET_CLIENT_ENDPOINT="$endpoint" RIVET_CLIENT_TARGET="$target" "$test_bin" || status=$?
if ((status != 0)); then
  echo "--- server log ($target) ---" >&2
  tail -50 "$work"/*.log >&2 || true
fi
exit "$status"
