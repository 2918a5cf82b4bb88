#!/usr/bin/env bash
# Runs the browser tests (tests/browser/*.test.mjs): Debian's Chromium, driven by playwright-core,
# against a fixture server that serves the built dashboard (dashboard.test.mjs), and against
# rivet-demo serving its chat page (demo.test.mjs, docs/demo.md).
#   scripts/browser-test.sh [path/to/rivet-fixtures] [test files...]
# The dashboard comes from RIVET_UI_DIR, default <fixtures dir>/../ui (what the build wrote); the
# demo from RIVET_DEMO (default <fixtures dir>/rivet-demo) and RIVET_DEMO_UI_DIR (default
# <fixtures dir>/../demo-ui). Screenshots go to build/artifacts/ (RIVET_ARTIFACTS_DIR).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-${RIVET_FIXTURES:-$ROOT/build/bin/rivet-fixtures}}"
shift || true
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac
UI_DIR="${RIVET_UI_DIR:-$(dirname "$BIN")/../ui}"
DEMO="${RIVET_DEMO:-$(dirname "$BIN")/rivet-demo}"
DEMO_UI_DIR="${RIVET_DEMO_UI_DIR:-$(dirname "$BIN")/../demo-ui}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

fail() {
  echo "browser-test: $*" >&2
  exit 1
}
[[ -x "$BIN" ]] || fail "fixture server not found or not executable: $BIN (run 'make build')"
[[ -f "$UI_DIR/index.html" ]] || fail "no built dashboard in $UI_DIR (run 'make build')"
[[ -x "$DEMO" ]] || fail "demo server not found or not executable: $DEMO (run 'make build')"
[[ -f "$DEMO_UI_DIR/index.html" ]] || fail "no built demo page in $DEMO_UI_DIR (run 'make build')"
[[ -x "$CHROMIUM" ]] || fail "Chromium not found at $CHROMIUM (run 'make deps', or set CHROMIUM_PATH)"
[[ -d "$ROOT/tests/browser/node_modules/playwright-core" ]] || fail "tests/browser/node_modules is missing; run 'make deps'"

cd "$ROOT/tests/browser"
files=("$@")
if ((${#files[@]} == 0)); then files=(*.test.mjs); fi

flags=(--test --test-reporter=spec)
if node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=14)?0:1)'; then
  flags+=(--test-concurrency=1 --test-force-exit)
fi

export RIVET_FIXTURES="$BIN"
export RIVET_UI_DIR="$(cd "$UI_DIR" && pwd)"
export RIVET_DEMO="$(cd "$(dirname "$DEMO")" && pwd)/$(basename "$DEMO")"
export RIVET_DEMO_UI_DIR="$(cd "$DEMO_UI_DIR" && pwd)"
export CHROMIUM_PATH="$CHROMIUM"
export RIVET_WIRE_LOG_DIR="${RIVET_WIRE_LOG_DIR:-$ROOT/tests/browser/.logs}"
export RIVET_LOG_LEVEL="${RIVET_LOG_LEVEL:-error}"
echo "browser-test: $BIN, dashboard $RIVET_UI_DIR, demo $RIVET_DEMO with $RIVET_DEMO_UI_DIR, $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
exec node "${flags[@]}" "${files[@]}"
