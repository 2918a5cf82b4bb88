#!/usr/bin/env bash
# Builds the demo's page (apps/demo-ui, Vite + React + @rivetkit/react) into OUT_DIR, which
# rivet-demo serves at `/` (docs/demo.md).
#   scripts/build-demo-ui.sh [OUT_DIR]     (default: build/demo-ui)
# The CMake target `demo-ui` runs this with <build dir>/demo-ui; `make build` therefore writes it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/apps/demo-ui"
OUT="${1:-$ROOT/build/demo-ui}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

if [[ ! -x "$APP/node_modules/.bin/vite" ]]; then
  echo "build-demo-ui: apps/demo-ui/node_modules is missing; run 'make deps' (scripts/install-deps.sh)" >&2
  exit 1
fi
cd "$APP"
exec node_modules/.bin/vite build --outDir "$OUT" --emptyOutDir --logLevel warn
