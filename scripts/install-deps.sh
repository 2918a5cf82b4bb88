#!/usr/bin/env bash
# Installs what building and testing rivetkit-cpp needs on Debian 12:
# the Debian packages below (only the missing ones) and the npm packages of
# the wire tests, the dashboard (apps/dashboard), the demo page (apps/demo-ui), the browser test
# (tests/browser) and the client benchmark (bench/client), each only when its
# package-lock.json changed since the last install.
# Runs in well under a second when everything is already there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  # clang for the fuzz targets; libFuzzer and the sanitizer runtimes are libclang-rt-14-dev, which
  # clang only recommends (and recommends are not installed here).
  clang libclang-rt-14-dev
  libboost1.81-dev libboost-url1.81-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libsqlite3-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libhowardhinnant-date-dev tzdata liburing-dev libjemalloc-dev prometheus-cpp-dev
  nodejs npm wrk
  chromium
  # The two-node engine cluster (scripts/local-engine.sh --nodes 2) runs its own PostgreSQL and
  # NATS server; Debian's services of these packages are never used.
  postgresql nats-server
)

# One dpkg query for all packages (one call per package is noticeably slow).
declare -A have=()
while read -r name status; do
  [[ "$status" == "install ok installed" ]] && have["${name%%:*}"]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ -n "${have[$pkg]:-}" ]] && continue
  case "$pkg" in
    # A nodejs build that bundles npm (NodeSource's, as on our machines)
    # provides and conflicts with Debian's npm: never replace it.
    npm) command -v npm >/dev/null 2>&1 && continue ;;
    nodejs) command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 && continue ;;
  esac
  missing+=("$pkg")
done

if ((${#missing[@]})); then
  SUDO=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
    SUDO=(sudo)
  fi
  echo "install-deps: installing ${missing[*]}"
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The wire tests use Node's built-in test runner; the flags we pass need 20+.
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if ((node_major < 20)); then
  echo "install-deps: warning: Node.js $(node --version 2>/dev/null || echo '?') found; the wire tests expect Node 20 or newer" >&2
fi

# npm ci in DIR unless its lock file is older than the stamp of the last install.
npm_ci_if_changed() {
  local dir="$1"
  local stamp="$dir/node_modules/.rivet-install-stamp"
  if [[ -f "$stamp" && ! "$dir/package-lock.json" -nt "$stamp" && ! "$dir/package.json" -nt "$stamp" ]]; then
    return 0
  fi
  echo "install-deps: npm ci in ${dir#"$ROOT"/}"
  # No install scripts: nothing here needs native add-ons built, and
  # installers that download prebuilt binaries (or browsers) cannot work here.
  # `npm ci` refuses a lock file that lacks the optional per-platform add-ons
  # some registries do not carry; `npm install --no-save` then installs the
  # same locked versions without touching package-lock.json.
  if ! (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=silent); then
    (cd "$dir" && npm install --no-save --no-audit --no-fund --ignore-scripts --loglevel=error)
  fi
  touch "$stamp"
}

npm_ci_if_changed "$ROOT/tests/wire"
npm_ci_if_changed "$ROOT/apps/dashboard"
npm_ci_if_changed "$ROOT/apps/demo-ui"
npm_ci_if_changed "$ROOT/tests/browser"
npm_ci_if_changed "$ROOT/bench/client"
