#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds tests/install/consumer against it (with
# find_package(rivetkit CONFIG) and, separately, with pkg-config), and runs the result.
#   tests/install/install-test.sh <build dir>
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(cd "$1" && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cmake --install "$BUILD" --prefix "$WORK/prefix" > "$WORK/install.log"

# CMake package.
cmake -S "$ROOT/tests/install/consumer" -B "$WORK/consumer" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$WORK/prefix" \
  -DEXAMPLES_DIR="$ROOT/examples" > "$WORK/configure.log"
cmake --build "$WORK/consumer" -j2 > "$WORK/build.log" || { cat "$WORK/build.log"; exit 1; }
"$WORK/consumer/counter" --help | grep -q -- "--data-dir"

# The server really serves: start it on a free port, ask for /health, stop it.
"$WORK/consumer/counter" --port 0 --data-dir "$WORK/data" > "$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
  endpoint="$(sed -n 's/^rivet listening on //p' "$WORK/serve.log")"
  [[ -n "$endpoint" ]] && break
  sleep 0.05
done
[[ -n "${endpoint:-}" ]] || { cat "$WORK/serve.log"; kill "$pid"; exit 1; }
node -e 'fetch(process.argv[1] + "/health").then(r => r.json()).then(b => process.exit(b.status === "ok" ? 0 : 1))' "$endpoint"
kill -TERM "$pid"
wait "$pid"

# pkg-config.
export PKG_CONFIG_PATH="$WORK/prefix/lib/pkgconfig"
pkg-config --exists rivetkit
# shellcheck disable=SC2046,SC2086
c++ ${CXXFLAGS:-} -o "$WORK/counter-pc" "$ROOT/examples/counter/main.cpp" $(pkg-config --cflags --libs rivetkit) \
  -lprometheus-cpp-core -luring
"$WORK/counter-pc" --help | grep -q -- "--data-dir"
echo "install-test: ok (CMake package and pkg-config)"
