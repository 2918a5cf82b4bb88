#!/usr/bin/env bash
# Engine mode end to end: a real local Rivet Engine (scripts/local-engine.sh), our fixture server
# as its envoy (rivet-fixtures --engine URL), and the official rivetkit client calling through
# the engine's gateway (tests/engine/call.mjs).
#   scripts/envoy-engine-test.sh [--gateway-v3] FIXTURE_SERVER
# --gateway-v3 runs the engine with its gateway v3 on (as RivetKit's dev mode does; it streams
# every request body) and leaves out the SIGKILL check, whose wait is the engine's, not ours.
# Checks: actions in json/cbor/bare, actions and events over a connection (the WebSocket
# tunnel), creation input, a user error, alarms (the engine wakes a sleeping actor), raw HTTP, a
# raw WebSocket, a queue send, idle sleep and wake, state after a SIGKILL of our process (the
# engine starts the actor on the restarted envoy) and after a graceful SIGTERM drain.
# Exits 77 (skipped) only when the engine binary or the rivetkit package is missing (make deps).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
gateway_v3=0
if [[ "${1:-}" == "--gateway-v3" ]]; then
  gateway_v3=1
  shift
  # The engine reads its features from the environment; local-engine.sh passes it on.
  export RIVET__FEATURES__GUARD_GATEWAY_V3__MODE=on RIVET__FEATURES__GUARD_GATEWAY_V3__PERCENTAGE=100
fi
fixtures="${1:?usage: $0 [--gateway-v3] FIXTURE_SERVER}"
ENGINE="${RIVET_ENGINE_BIN:-$ROOT/tests/wire/node_modules/@rivetkit/engine-cli-linux-x64-musl/rivet-engine}"
if [[ ! -x "$ENGINE" || ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]]; then
  echo "envoy-engine-test: no engine binary or rivetkit package (make deps); skipped" >&2
  exit 77
fi
work="$(mktemp -d "${TMPDIR:-/tmp}/rivet-envoy-test.XXXXXX")"
envoy_pid=""
engine_dir=""

stop_all() {
  if [[ -n "$envoy_pid" ]]; then
    kill -KILL "$envoy_pid" 2>/dev/null || true
    wait "$envoy_pid" 2>/dev/null || true
    envoy_pid=""
  fi
  [[ -n "$engine_dir" ]] && bash "$ROOT/scripts/local-engine.sh" stop --dir "$engine_dir" || true
}
trap 'stop_all; rm -rf "$work"' EXIT

start_envoy() {  # LOG
  "$fixtures" --engine "$endpoint" --data-dir "$work/data" >"$1" 2>&1 &
  envoy_pid=$!
  for _ in $(seq 1 300); do
    grep -q "rivet envoy connected" "$1" && return 0
    kill -0 "$envoy_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$1" >&2
  echo "envoy-engine-test: rivet-fixtures did not connect to the engine" >&2
  return 1
}

call() {  # ENCODING ACTOR KEY ACTION [ARG...]: prints the client's one-line answer
  # The client logs error responses on stdout too; its answer is the last line.
  timeout 60 node "$ROOT/tests/engine/call.mjs" "$endpoint" "$@" | tail -n 1
}

sleep_ts_of() {  # NAME: the engine's sleep_ts of the only actor of that name
  curl -fsS "$endpoint/actors?namespace=default&name=$1" | grep -o '"sleep_ts":[0-9]*' || true
}

expect() {  # WHAT EXPECTED ACTUAL
  if [[ "$2" != "$3" ]]; then
    echo "envoy-engine-test: FAIL $1: expected $2, got $3" >&2
    return 1
  fi
  echo "envoy-engine-test: ok   $1 ($3)"
}

run_checks() {
  local key="c$RANDOM$RANDOM"
  expect "increment (json)" '{"ok":3}' "$(call json counter "$key" increment 3)" || return 1
  expect "increment (cbor)" '{"ok":7}' "$(call cbor counter "$key" increment 4)" || return 1
  expect "getCount (bare)" '{"ok":7}' "$(call bare counter "$key" getCount)" || return 1
  expect "creation input" '{"ok":42}' \
    "$(RIVET_TEST_INPUT='{"label":"x","start":40}' call json withInput "$key" increment 2)" || return 1
  expect "user error" '{"error":{"group":"user","code":"user_error","message":"Something went wrong"}}' \
    "$(call json errors "$key" throwSimple)" || return 1
  expect "connection: action and event (json)" '{"ok":{"output":10,"event":10}}' \
    "$(call json counter "$key" @connect '"increment"' 3 '"newCount"')" || return 1
  expect "connection: action and event (bare)" '{"ok":{"output":11,"event":11}}' \
    "$(call bare counter "$key" @connect '"increment"' 1 '"newCount"')" || return 1
  expect "setCount" '{"ok":7}' "$(call json counter "$key" setCount 7)" || return 1
  expect "raw HTTP (onRequest)" '{"ok":{"status":200,"body":"hello from rawHttp"}}' \
    "$(call json rawHttp "$key" @fetch '"/hello"')" || return 1
  expect "raw WebSocket (onWebSocket)" \
    '{"ok":{"first":"welcome","reply":"echo:hi","close":{"code":4001,"reason":"requested"}}}' \
    "$(call json rawSocket "$key" @websocket '"chat"' '"hi"' '"bye"')" || return 1
  expect "queue send" '{"ok":null}' "$(call json worker "$key" @send '"jobs"' '{"n":7}')" || return 1
  local processed=""
  for _ in $(seq 1 20); do
    processed="$(call json worker "$key" getProcessed)"
    [[ "$processed" == '{"ok":[7]}' ]] && break
    sleep 0.25
  done
  expect "queue message processed" '{"ok":[7]}' "$processed" || return 1

  # Alarms: one while awake (a local timer), one after the actor fell asleep: the engine starts
  # it at the due time (its sleep_ts moves on without any request), and the alarm runs.
  expect "schedule while awake" '{"ok":true}' "$(call json scheduler "$key" scheduleAfter 200 '"a"')" || return 1
  expect "schedule past the sleep" '{"ok":true}' "$(call json scheduler "$key" scheduleAfter 2500 '"b"')" || return 1
  sleep 1.5
  local slept
  slept="$(sleep_ts_of scheduler)"
  sleep 3
  if [[ -z "$slept" || "$(sleep_ts_of scheduler)" == "$slept" ]]; then
    echo "envoy-engine-test: FAIL the engine did not wake the sleeping actor for its alarm ($slept)" >&2
    return 1
  fi
  expect "alarms fired" '{"ok":["a","b"]}' "$(call json scheduler "$key" getFired)" || return 1

  # Idle sleep (sleeper: 500 ms): our sleep intent, the engine's stop command, Stopped; the next
  # request wakes it (a new generation) with its state read back from the engine.
  expect "sleeper increment" '{"ok":1}' "$(call json sleeper "$key" increment 1)" || return 1
  sleep 2
  expect "sleeper after sleeping" '{"ok":{"count":1,"sleepCount":1,"wakeCount":2}}' \
    "$(call json sleeper "$key" getCounts)" || return 1

  # SIGKILL: the engine notices the lost envoy (its ping timeout) and starts the actor again on
  # the new process, which reads the state back from the engine's KV. Gateway v3 gives a request
  # up after about 19 s of no responders, before that timeout (docs/engine-protocol.md), so the
  # v3 run leaves this out rather than wait twice.
  local count=7 t0
  if ((gateway_v3 == 0)); then
    kill -KILL "$envoy_pid"
    wait "$envoy_pid" 2>/dev/null || true
    start_envoy "$work/envoy-2.log" || return 1
    t0=$SECONDS
    expect "count after SIGKILL + restart" '{"ok":7}' "$(call bare counter "$key" getCount)" || return 1
    echo "envoy-engine-test: the actor came back after $((SECONDS - t0)) s"
    expect "increment after restart" '{"ok":8}' "$(call json counter "$key" increment 1)" || return 1
    count=8
  fi

  # SIGTERM: a graceful drain (Stopping, the engine's stop commands, Stopped) lets a new process
  # take the actor over at once.
  kill -TERM "$envoy_pid"
  wait "$envoy_pid" || { echo "envoy-engine-test: FAIL exit status after SIGTERM" >&2; return 1; }
  envoy_pid=""
  start_envoy "$work/envoy-3.log" || return 1
  t0=$SECONDS
  expect "count after SIGTERM + restart" "{\"ok\":$count}" "$(call bare counter "$key" getCount)" || return 1
  echo "envoy-engine-test: the actor came back after $((SECONDS - t0)) s"
}

engine_dir="$work/engine"
endpoint="$(bash "$ROOT/scripts/local-engine.sh" start --dir "$engine_dir" | sed -n 's/^endpoint: //p')"
echo "envoy-engine-test: engine at $endpoint$( ((gateway_v3)) && echo ' (gateway v3)')"
status=0
start_envoy "$work/envoy-1.log" && run_checks || status=$?
((status == 0)) && exit 0
echo "--- logs ---" >&2
for log in "$work"/envoy-*.log; do
  # A sanitizer report starts far above the last lines: show it whole.
  if grep -q "Sanitizer" "$log"; then
    echo "==> $log <==" >&2
    grep -v "^  [A-Z][a-z].*: *[0-9a-f ]*$" "$log" | head -n 120 >&2
  else
    tail -n 20 "$log" >&2
  fi
done
echo "==> $engine_dir/engine.log (errors) <==" >&2
grep -E "level=(error|warn)" "$engine_dir/engine.log" | cut -c1-300 | tail -n 20 >&2 || true
exit "$status"
