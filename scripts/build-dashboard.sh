#!/usr/bin/env bash
# Builds the dashboard (apps/dashboard, Vite + React) into OUT_DIR, served by the server at /ui/.
#   scripts/build-dashboard.sh [OUT_DIR]     (default: build/ui)
# The CMake target `dashboard` runs this with <build dir>/ui; `make build` therefore writes it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP="$ROOT/apps/dashboard"
OUT="${1:-$ROOT/build/ui}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac

if [[ ! -x "$APP/node_modules/.bin/vite" ]]; then
  echo "build-dashboard: apps/dashboard/node_modules is missing; run 'make deps' (scripts/install-deps.sh)" >&2
  exit 1
fi
cd "$APP"
exec node_modules/.bin/vite build --outDir "$OUT" --emptyOutDir --logLevel warn
