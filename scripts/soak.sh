#!/usr/bin/env bash
# The crash soak (docs/soak.md): mixed load through the official client while the fixture server
# is SIGKILLed and restarted; fails when anything acknowledged was lost or applied twice.
#   scripts/soak.sh [path/to/rivet-fixtures] [soak options, e.g. --seconds 600 --actors 32]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${RIVET_FIXTURES:-$ROOT/build/bin/rivet-fixtures}"
if [[ $# -gt 0 && "$1" != --* ]]; then BIN="$1"; shift; fi
case "$BIN" in /*) ;; *) BIN="$PWD/$BIN" ;; esac

if [[ ! -x "$BIN" ]]; then
  echo "soak: fixture server not found or not executable: $BIN (build it with 'make build')" >&2
  exit 1
fi
if [[ ! -d "$ROOT/tests/wire/node_modules/rivetkit" ]]; then
  echo "soak: tests/wire/node_modules is missing; run 'make deps'" >&2
  exit 1
fi

export RIVET_FIXTURES="$BIN"
# The official client logs every dropped socket at warn; a soak drops hundreds on purpose.
export RIVET_LOG_LEVEL="${RIVET_LOG_LEVEL:-error}"
# The verdict's own tests first: a checker that cannot fail proves nothing.
node --test --test-reporter=dot "$ROOT/tests/soak/soak_check.test.mjs"
exec node "$ROOT/tests/soak/soak.mjs" "$@"
