#!/usr/bin/env bash
# Builds every libFuzzer target with the `fuzz` preset (clang, libFuzzer + ASan + UBSan) and runs
# each over its seeds (tests/fuzz/seeds/<target>/) for a fixed time, two at a time; fails on any
# crash, leak, sanitizer report, timeout or broken invariant, and prints executions per target
# and in total (docs/fuzzing.md). `make test` runs it for 3 s a target (scripts/fuzz-short.sh),
# `make fuzz` for FUZZ_SECONDS.
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [--keep-corpus] [target-name...]
#
# --keep-corpus: what a run finds is kept in tests/fuzz/corpus-<target>/ (ignored by git) and
# fed to the next run; by default it goes to a scratch directory. Either way the seeds in the
# repository are read, never written. A failing input is copied to build/fuzz/artifacts/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

seconds=3
jobs=2
keep=0
only=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --keep-corpus) keep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "fuzz: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done

BUILD_DIR="$ROOT/build/fuzz"
ARTIFACTS="$BUILD_DIR/artifacts"
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ is missing; 'make deps' installs clang and libclang-rt-14-dev" >&2
  exit 1
fi

work="$(mktemp -d -t rivet-fuzz.XXXXXX)"
trap 'rm -rf "$work"' EXIT

# -- build ---------------------------------------------------------------------------------------
# ccache hashes paths relative to the checkout, as the Makefile sets it up; the sloppiness lets
# it cache sources compiled with the precompiled header (tests/fuzz/CMakeLists.txt).
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$ROOT}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
build_start=$SECONDS
if ! { cmake --preset fuzz && cmake --build "$BUILD_DIR" -j"$jobs" --target rivet_fuzzers; } \
    >"$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  echo "fuzz: the fuzz build failed (full log above, last 40 lines)" >&2
  exit 1
fi
build_seconds=$((SECONDS - build_start))

targets=()
for bin in "$BUILD_DIR"/fuzz/fuzz_*; do
  [[ -x "$bin" ]] || continue
  name="$(basename "$bin")"
  if ((${#only[@]})) && [[ ! " ${only[*]} " == *" $name "* ]]; then
    continue
  fi
  targets+=("$name")
done
if ((${#targets[@]} == 0)); then
  echo "fuzz: no fuzz_* targets in $BUILD_DIR/fuzz" >&2
  exit 1
fi

# -- runs ----------------------------------------------------------------------------------------
short_name() {
  local s="${1#fuzz_decode_}"
  echo "${s#fuzz_}"
}

# UBSan reports are errors (the preset compiles its checks recoverable); leaks are checked.
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS="detect_leaks=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

run_one() {
  local name="$1" short dir corpus
  short="$(short_name "$name")"
  dir="$work/$name"
  mkdir -p "$dir"
  corpus="$dir/corpus"
  if ((keep)); then
    corpus="$ROOT/tests/fuzz/corpus-$short"
  fi
  mkdir -p "$corpus"
  local args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2560
              -artifact_prefix="$dir/")
  if [[ -f "tests/fuzz/dict/$short.dict" ]]; then
    args+=(-dict="tests/fuzz/dict/$short.dict")
  fi
  # New inputs go to the first directory only, so the seeds are read and never written.
  local dirs=("$corpus")
  if [[ -d "tests/fuzz/seeds/$short" ]]; then
    dirs+=("tests/fuzz/seeds/$short")
  fi
  local status=0
  "$BUILD_DIR/fuzz/$name" "${args[@]}" "${dirs[@]}" >"$dir/log" 2>&1 || status=$?
  if ((status == 0)) && grep -q 'runtime error:' "$dir/log"; then
    status=1
  fi
  echo "$status" >"$dir/status"
}

echo "fuzz: built in ${build_seconds} s; running ${#targets[@]} targets for ${seconds} s each, ${jobs} at a time"
run_start=$SECONDS
running=0
for name in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true
    running=$((running - 1))
  fi
  run_one "$name" &
  running=$((running + 1))
done
wait
run_seconds=$((SECONDS - run_start))

# -- report --------------------------------------------------------------------------------------
total=0
failed=()
printf 'fuzz: %-28s %12s %10s  %s\n' target executions "exec/s" result
for name in "${targets[@]}"; do
  dir="$work/$name"
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)"
  execs="${execs:-0}"
  total=$((total + execs))
  result=ok
  if [[ "$(cat "$dir/status" 2>/dev/null || echo 1)" != 0 ]]; then
    result=FAILED
    failed+=("$name")
  fi
  printf 'fuzz: %-28s %12d %10d  %s\n' "$name" "$execs" $((execs / seconds)) "$result"
done

for name in "${failed[@]}"; do
  dir="$work/$name"
  mkdir -p "$ARTIFACTS"
  echo "== $name: last lines of its output" >&2
  grep -v '^#\|^INFO:\|NEW_FUNC' "$dir/log" | tail -n 40 >&2 || true
  for artifact in "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*; do
    [[ -e "$artifact" ]] || continue
    cp "$artifact" "$ARTIFACTS/$name-$(basename "$artifact")"
    echo "fuzz: input kept in build/fuzz/artifacts/$name-$(basename "$artifact");" \
      "replay it with build/fuzz/fuzz/$name <file>" >&2
  done
done

echo "fuzz: ${#targets[@]} targets, $total executions, ${seconds} s each, $jobs at a time:" \
  "build ${build_seconds} s, runs ${run_seconds} s"
if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: all clean"
