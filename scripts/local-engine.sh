#!/usr/bin/env bash
# A local Rivet Engine (the binary of npm @rivetkit/engine-cli 2.3.19, installed in
# tests/wire by `make deps`), for tests, the demo and a person.
#   scripts/local-engine.sh start [--dir DIR] [--port PORT] [--nodes 2]   start it, print its endpoint
#   scripts/local-engine.sh stop  [--dir DIR]                 stop it (one node or a cluster)
#   scripts/local-engine.sh kill-node N [--dir DIR]           cluster: SIGKILL node N (a crash)
#   scripts/local-engine.sh start-node N [--dir DIR]          cluster: start node N again
# One node: file system storage under DIR (default build/engine), telemetry off, every port on
# 127.0.0.1 (PORT for the API and gateway, default a free one; the others are always free ones).
# `start` returns once the engine answers and the pool "default" exists in namespace "default";
# it prints `endpoint: http://127.0.0.1:PORT` and keeps the pid in DIR/engine.pid.
# --nodes 2: a cluster of two nodes on a private PostgreSQL and NATS (Debian packages
# postgresql and nats-server), scripts/local-engine-cluster.sh; `start` prints one
# `endpoint:` line per node, in node order (PORT, if given, is node 1's).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ENGINE="${RIVET_ENGINE_BIN:-$ROOT/tests/wire/node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine}"
# The engine's workflow worker sheds load by CPU use: above 70 % of `worker_cpu_max` it leaves a
# growing share of due workflows (actor starts, wakes) unpulled, down to 5 % at 90 %, and it picks
# the ones it skips by a hash that stays the same until it pulls them. Without cgroup v2 limits
# it measures the whole machine (cgroup v1 root cpuacct), so on a shared 2-core machine a build
# next to it stalled actor wakes for minutes (docs/engine-protocol.md, "Engine behaviour we
# met"). In millicores: 1000 cores, i.e. no shedding for a local engine.
WORKER_CPU_MAX="${RIVET_ENGINE_WORKER_CPU_MAX:-1000000}"
# RIVET_ENGINE_LOST_THRESHOLD_MS (optional): how long the engine waits for a silent envoy before
# it moves its actors (default 15000). Tests that SIGKILL an envoy set it lower.
LOST_THRESHOLD="${RIVET_ENGINE_LOST_THRESHOLD_MS:-}"

fail() {
  echo "local-engine: $*" >&2
  exit 1
}

cmd="${1:-}"
shift || true
dir="$ROOT/build/engine"
port=""
nodes=1
node=""
if [[ "$cmd" == kill-node || "$cmd" == start-node ]]; then
  node="${1:?usage: $0 $cmd N [--dir DIR]}"
  shift
fi
while (($#)); do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --nodes) nodes="$2"; shift 2 ;;
    *) fail "unknown argument: $1" ;;
  esac
done

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

stop() {
  local pidfile="$dir/engine.pid"
  [[ -f "$pidfile" ]] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

start() {
  [[ -x "$ENGINE" ]] || fail "no engine binary at $ENGINE (run 'make deps')"
  mkdir -p "$dir"
  stop
  port="${port:-$(free_port)}"
  local peer metrics pegboard=""
  peer="$(free_port)"
  metrics="$(free_port)"
  if [[ -n "$LOST_THRESHOLD" ]]; then
    pegboard=",
 \"pegboard\":{\"envoy_lost_threshold\":$LOST_THRESHOLD}"
  fi
  cat >"$dir/engine.json" <<JSON
{"file_system":{"path":"$dir/db"},
 "guard":{"host":"127.0.0.1","port":$port},
 "api_peer":{"host":"127.0.0.1","port":$peer},
 "metrics":{"host":"127.0.0.1","port":$metrics},
 "telemetry":{"enabled":false},
 "runtime":{"worker_cpu_max":$WORKER_CPU_MAX}$pegboard}
JSON
  "$ENGINE" --config "$dir/engine.json" start >"$dir/engine.log" 2>&1 &
  echo $! >"$dir/engine.pid"
  local endpoint="http://127.0.0.1:$port"
  for _ in $(seq 1 300); do
    # Envoys of a pool are refused until the pool exists; the engine answers its health check
    # a moment before it takes the pool, so this is the readiness check.
    if curl -fsS -X PUT -H 'content-type: application/json' \
      -d '{"datacenters":{"default":{"normal":{}}}}' \
      "$endpoint/runner-configs/default?namespace=default" >/dev/null 2>&1; then
      echo "endpoint: $endpoint"
      return 0
    fi
    kill -0 "$(cat "$dir/engine.pid")" 2>/dev/null || { tail -20 "$dir/engine.log" >&2; fail "the engine exited"; }
    sleep 0.1
  done
  tail -20 "$dir/engine.log" >&2
  fail "the engine did not answer on $endpoint within 30 s"
}

# shellcheck source=local-engine-cluster.sh
source "$ROOT/scripts/local-engine-cluster.sh"

case "$cmd" in
  start)
    if ((nodes == 1)); then
      cluster_stop
      start
    else
      [[ "$nodes" =~ ^[2-9]$ ]] || fail "--nodes: 1 to 9"
      [[ -x "$ENGINE" ]] || fail "no engine binary at $ENGINE (run 'make deps')"
      mkdir -p "$dir"
      stop
      cluster_start "$nodes"
    fi
    ;;
  stop)
    stop
    cluster_stop
    ;;
  kill-node) node_kill "$node" ;;
  start-node) node_start "$node" ;;
  *) fail "usage: $0 start|stop [--dir DIR] [--port PORT] [--nodes N] | kill-node|start-node N [--dir DIR]" ;;
esac
