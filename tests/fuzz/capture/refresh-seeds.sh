#!/usr/bin/env bash
# Refreshes the seeds the request-parser fuzz targets take from real traffic (docs/fuzzing.md):
# runs the wire tests with the request recorder loaded into every test process, then writes
# tests/fuzz/seeds/<target>/wire-* (and build-* from the built dashboard) from what the official
# client sent. Hand-made seeds (hand-*) stay as they are.
#
#   tests/fuzz/capture/refresh-seeds.sh [--capture FILE] [path/to/rivet-fixtures] [wire test files...]
#   tests/fuzz/capture/refresh-seeds.sh --from FILE [path/to/rivet-fixtures]
#
# --capture FILE keeps the recorded traffic (JSON lines); --from FILE makes the seeds from such a
# file without running the tests.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
HERE="$ROOT/tests/fuzz/capture"

capture=""
from=""
while (($#)); do
  case "$1" in
    --capture) capture="$2"; shift 2 ;;
    --from) from="$2"; shift 2 ;;
    *) break ;;
  esac
done
BIN="${1:-$ROOT/build/bin/rivet-fixtures}"
shift || true
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
BUILD_DIR="$(dirname "$(dirname "$BIN")")"

status=0
if [[ -n "$from" ]]; then
  capture="$from"
else
  log="$(mktemp -t rivet-capture-log.XXXXXX)"
  if [[ -z "$capture" ]]; then
    capture="$(mktemp -t rivet-capture.XXXXXX)"
    trap 'rm -f "$capture" "$log"' EXIT
  else
    : >"$capture"
    trap 'rm -f "$log"' EXIT
  fi
  echo "refresh-seeds: running the wire tests against $BIN with the recorder"
  RIVET_CAPTURE_FILE="$capture" \
    NODE_OPTIONS="--import=file://$HERE/capture-requests.mjs ${NODE_OPTIONS:-}" \
    bash "$ROOT/scripts/wire-test.sh" "$BIN" "$@" >"$log" 2>&1 || status=$?
  if ((status != 0)); then
    # A failed test still sent real requests: the seeds are written all the same.
    echo "refresh-seeds: some wire tests failed (exit $status); the end of their output:" >&2
    grep -A 12 'failing tests:' "$log" >&2 || tail -n 30 "$log" >&2
  fi
fi
echo "refresh-seeds: $(wc -l <"$capture") requests recorded"
node "$HERE/seeds-from-capture.mjs" "$capture" "$ROOT/tests/fuzz/seeds" "$BUILD_DIR"
