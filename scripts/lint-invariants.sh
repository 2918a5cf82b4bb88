#!/usr/bin/env bash
# Architectural invariants checked on every `make test`:
#  1. the core (src/core, include/rivet/core) does not depend on Boost.Beast;
#  2. no fire-and-forget coroutines (`asio::detached`) in src/, tests aside;
#  3. a module includes no other module's private headers (`#include "core/..."` only in
#     src/core): what modules share goes through include/rivet/, test helpers through
#     tests/support/. The build enforces it too (cmake/rivet.cmake); this check names the fix.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

status=0
SOURCES=(--include='*.cpp' --include='*.cc' --include='*.hpp' --include='*.h' --include='*.ipp')

dirs=()
for d in src/core include/rivet/core; do [[ -d "$d" ]] && dirs+=("$d"); done
if ((${#dirs[@]})); then
  if hits="$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"]boost/beast' "${SOURCES[@]}" "${dirs[@]}")"; then
    echo "lint-invariants: the core must not include Boost.Beast:" >&2
    echo "$hits" >&2
    status=1
  fi
fi

if [[ -d src ]]; then
  if hits="$(grep -rn 'asio::detached' "${SOURCES[@]}" --exclude='*_test.cpp' src)"; then
    echo "lint-invariants: asio::detached is not allowed under src/ (keep coroutines owned and awaited):" >&2
    echo "$hits" >&2
    status=1
  fi
fi

if [[ -d src ]]; then
  modules=()
  for d in src/*/; do modules+=("$(basename "$d")"); done
  for module in "${modules[@]}"; do
    others=()
    for other in "${modules[@]}"; do [[ "$other" != "$module" ]] && others+=("$other"); done
    ((${#others[@]})) || continue
    pattern="#[[:space:]]*include[[:space:]]*\"(\.\./|($(IFS='|'; echo "${others[*]}"))/)"
    if hits="$(grep -rnE "$pattern" "${SOURCES[@]}" "src/$module")"; then
      echo "lint-invariants: src/$module includes another module's private header; use its public" >&2
      echo "  header (include/rivet/<module>/), move shared test helpers to tests/support/, or" >&2
      echo "  move the code where it belongs:" >&2
      echo "$hits" >&2
      status=1
    fi
  done
fi

if ((status == 0)); then
  echo "lint-invariants: ok"
fi
exit "$status"
