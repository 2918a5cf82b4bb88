#!/bin/bash
# Runs rivet-bench-server under callgrind while rivet-load drives it (bench/profiles/README.md).
#   bench/tools/callgrind-run.sh NAME PORT -- <rivet-load arguments>
# Writes $OUT/cg.NAME.out (callgrind), $OUT/load.NAME.log; OUT defaults to /tmp/rivet-prof.
set -u
name=$1; port=$2; shift 3
root=$(cd "$(dirname "$0")/../.." && pwd)
B=${BIN_DIR:-$root/build/bin}
OUT=${OUT:-/tmp/rivet-prof}
D=$OUT/data-$name
rm -rf "$D"; mkdir -p "$D"
valgrind --tool=callgrind --callgrind-out-file="$OUT/cg.$name.out" --dump-instr=no \
  "$B/rivet-bench-server" --port "$port" --data-dir "$D" --threads 2 > "$OUT/srv.$name.log" 2>&1 &
vpid=$!
for _ in $(seq 1 120); do curl -s "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.5; done
"$B/rivet-load" --url "http://127.0.0.1:$port" --pid "$vpid" --data-dir "$D" --no-json "$@" \
  > "$OUT/load.$name.log" 2>&1
echo "rivet-load exit $?"
kill -INT "$vpid"; wait "$vpid"
echo "server exit $?"
