#!/usr/bin/env bash
# Engine cluster end to end: two Rivet Engine nodes on one PostgreSQL with NATS
# (scripts/local-engine.sh start --nodes 2), our fixture server as an envoy on each node, the
# official rivetkit client on both endpoints (tests/engine/cluster.test.mjs): cross-node calls
# and events, kill -9 of an envoy, kill -9 of each engine node in turn, no acknowledged write lost.
#   scripts/cluster-test.sh FIXTURE_SERVER
# Exits 77 (skipped) only when the engine binary, rivetkit, PostgreSQL or nats-server is missing
# (make deps). On failure, or with RIVET_CLUSTER_KEEP_LOGS=1, the logs are kept in
# build/cluster-test-logs/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fixtures="$(realpath "${1:?usage: $0 FIXTURE_SERVER}")"
ENGINE="${RIVET_ENGINE_BIN:-$ROOT/tests/wire/node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine}"
if [[ ! -x "$ENGINE" || ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]] ||
  ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! command -v nats-server >/dev/null; then
  echo "cluster-test: no engine binary, rivetkit, PostgreSQL or nats-server (make deps); skipped" >&2
  exit 77
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/rivet-cluster-test.XXXXXX")"
chmod 755 "$work"  # as root, PostgreSQL runs as `postgres` and keeps its data in here
cluster="$work/cluster"
status=1

finish() {
  # The test file kills its envoys; these are the ones a failure or a timeout left running.
  if [[ -f "$work/envoy.pids" ]]; then
    while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done <"$work/envoy.pids"
  fi
  bash "$ROOT/scripts/local-engine.sh" stop --dir "$cluster" || true
  local keep="$ROOT/build/cluster-test-logs"
  if ((status != 0)) || [[ -n "${RIVET_CLUSTER_KEEP_LOGS:-}" ]]; then
    rm -rf "$keep"
    mkdir -p "$keep"
    cp "$work"/*.log "$cluster"/nats.log "$keep"/ 2>/dev/null || true
    for n in "$cluster"/node-*; do cp "$n/engine.log" "$keep/engine-$(basename "$n").log" 2>/dev/null || true; done
    cp "$cluster"/postgres/postgres.log "$keep"/ 2>/dev/null || true
  fi
  if ((status != 0)); then
    echo "cluster-test: FAIL; logs in ${keep#"$ROOT"/}" >&2
    grep -h "level=error\|route_resolve_query_timeout\|actor_ready_timeout" "$keep"/engine-*.log 2>/dev/null |
      cut -c1-300 | tail -n 20 >&2 || true
  fi
  rm -rf "$work"
}
trap finish EXIT

t0=$SECONDS
mapfile -t endpoints < <(bash "$ROOT/scripts/local-engine.sh" start --nodes 2 --dir "$cluster" |
  sed -n 's/^endpoint: //p')
((${#endpoints[@]} == 2)) || { echo "cluster-test: the cluster did not start" >&2; exit 1; }
echo "cluster-test: cluster up in $((SECONDS - t0)) s: ${endpoints[*]}"

flags=(--test-reporter=spec)
if node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=14)?0:1)'; then
  flags+=(--test-force-exit)
fi
# The whole run is bounded: each step has its own deadline in the test file, this is the last.
RIVET_ENDPOINTS="${endpoints[*]}" RIVET_CLUSTER_DIR="$cluster" RIVET_FIXTURES="$fixtures" \
  RIVET_CLUSTER_WORK="$work" RIVET_LOG_LEVEL="${RIVET_LOG_LEVEL:-error}" \
  timeout -k 10 900 node "${flags[@]}" "$ROOT/tests/engine/cluster.test.mjs" && status=0
echo "cluster-test: $( ((status == 0)) && echo passed || echo FAILED) in $((SECONDS - t0)) s"
exit "$status"
