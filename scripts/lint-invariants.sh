#!/usr/bin/env bash
# Architectural invariants checked on every `make test`:
#  1. the core (src/core, include/rivet/core) does not depend on Boost.Beast;
#  2. no fire-and-forget coroutines (`asio::detached`) in src/, tests aside;
#  3. a module includes no other module's private headers (`#include "core/..."` only in
#     src/core): what modules share goes through include/rivet/, test helpers through
#     tests/support/. The build enforces it too (cmake/rivet.cmake); this check names the fix;
#  4. error codes come from the catalogue (include/rivet/common/error_codes.hpp): no
#     make_error("group", "code", ...) or .is("group", "code") under src/, tests aside;
#  5. library code logs through rivet::Logger (rivet/common/log.hpp): no std::cerr or
#     fprintf(stderr, ...) under src/, tests aside (apps/ may print what they like).
#  6. code in the docs compiles: every C++ block of README.md and docs/*.md is a snippet that
#     stands verbatim in a compiled file, a block the build compiles, or marked as not compiled
#     with a reason (scripts/doc-code.mjs; the compiling itself is tests/docs, in ctest).
#  7. no installed npm package is part of the repository: node_modules/ trees (the pinned
#     client's own dependencies, e.g. pyodide under rivetkit) are installed by `make deps`,
#     gitignored, and never committed or shipped.
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

# Same-line pairs, and calls whose first line ends at `make_error(` with the pair on the next line.
if [[ -d src ]]; then
  pair='"[^"]*"[[:space:]]*,[[:space:]]*"'
  hits="$(grep -rnE "(make_error|\.is)\([[:space:]]*${pair}" "${SOURCES[@]}" --exclude='*_test.cpp' src || true)"
  split="$(grep -rnE -A1 'make_error\([[:space:]]*$' "${SOURCES[@]}" --exclude='*_test.cpp' src |
    grep -E "^[^:]+-[0-9]+-[[:space:]]*${pair}" || true)"
  if [[ -n "$hits$split" ]]; then
    echo "lint-invariants: spell error codes with the catalogue, e.g. make_error(codes::kActorNotFound, msg)" >&2
    echo "  or e.is(codes::kActorStopping); add new codes to include/rivet/common/error_codes.hpp" >&2
    echo "  and docs/errors.md. Inline group/code pairs found:" >&2
    [[ -n "$hits" ]] && echo "$hits" >&2
    [[ -n "$split" ]] && echo "$split" >&2
    status=1
  fi
fi

if [[ -d src ]]; then
  if hits="$(grep -rnE 'std::cerr|fprintf\([[:space:]]*stderr' "${SOURCES[@]}" --exclude='*_test.cpp' src)"; then
    echo "lint-invariants: library code writes to stderr; log through rivet::Logger" >&2
    echo "  (rivet/common/log.hpp: structured records, level and format from the environment):" >&2
    echo "$hits" >&2
    status=1
  fi
fi

if git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  if hits="$(git -C "$ROOT" ls-files | grep -E '(^|/)node_modules/' | head -n 20)" && [[ -n "$hits" ]]; then
    echo "lint-invariants: installed npm packages are committed (node_modules/ belongs to make deps):" >&2
    echo "$hits" >&2
    status=1
  fi
fi

if command -v node >/dev/null 2>&1; then
  node scripts/doc-code.mjs check >/dev/null || status=1
else
  echo "lint-invariants: node is needed to check the code in the docs (make deps installs it)" >&2
  status=1
fi

if ((status == 0)); then
  echo "lint-invariants: ok"
fi
exit "$status"
