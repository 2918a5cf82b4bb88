#!/usr/bin/env bash
# The short fuzz run of `make test` (docs/fuzzing.md): builds the fuzz targets alone and runs
# every one of them over its seeds for FUZZ_SHORT_SECONDS (default 3) each, through
# scripts/fuzz.sh; any crash or broken invariant fails it. Extra arguments go to scripts/fuzz.sh.
set -euo pipefail
exec bash "$(dirname "${BASH_SOURCE[0]}")/fuzz.sh" --seconds "${FUZZ_SHORT_SECONDS:-3}" "$@"
