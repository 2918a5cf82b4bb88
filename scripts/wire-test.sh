#!/usr/bin/env bash
# Runs the wire-compatibility tests (tests/wire/*.test.mjs) with the official
# rivetkit client against a fixture server binary.
#   scripts/wire-test.sh [path/to/rivet-fixtures] [test files...]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${1:-${RIVET_FIXTURES:-$ROOT/build/bin/rivet-fixtures}}"
shift || true
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac

if [[ ! -x "$BIN" ]]; then
  echo "wire-test: fixture server not found or not executable: $BIN" >&2
  echo "wire-test: build it with 'make build' (or pass the path of a built rivet-fixtures)" >&2
  exit 1
fi
if [[ ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]]; then
  echo "wire-test: tests/wire/node_modules is missing; run 'make deps'" >&2
  exit 1
fi

cd "$ROOT/tests/wire"
files=("$@")
if ((${#files[@]} == 0)); then files=(*.test.mjs); fi

flags=(--test --test-reporter=spec)
# --test-concurrency and --test-force-exit exist from Node 20.14 on.
if node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=14)?0:1)'; then
  flags+=(--test-concurrency=1 --test-force-exit --test-timeout=600000)
fi

export RIVET_FIXTURES="$BIN"
export RIVET_LOG_LEVEL="${RIVET_LOG_LEVEL:-error}"
echo "wire-test: $BIN (node $(node --version))"
exec node "${flags[@]}" "${files[@]}"
