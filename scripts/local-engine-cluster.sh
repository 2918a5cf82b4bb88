# A two-node Rivet Engine cluster on this machine, for scripts/local-engine.sh --nodes 2 (sourced
# by it; uses its $ROOT, $ENGINE, $dir, fail and free_port). Both nodes form one datacenter: they
# share one PostgreSQL database (the engine's storage) and one NATS server (its messages between
# nodes), as the engine's self-hosting docs describe for several nodes. Layout under $dir:
#   postgres/            a private PostgreSQL cluster (initdb), or postgres.location naming it
#   postgres.secret      its password          nats.conf, nats.log, nats.pid   the NATS server
#   node-N/engine.json   node N's config       node-N/engine.log, node-N/engine.pid
# Everything listens on 127.0.0.1 only, each on a free port; no system service is used.

PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"

# PostgreSQL refuses to run as root: as root, its commands run as Debian's `postgres` user.
as_pg() {
  if ((EUID == 0)); then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

secret() {
  od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
}

# The directory that holds the PostgreSQL data. As root it must be reachable by `postgres`; when
# $dir is not (a home directory is often closed to other users), a directory under /tmp is used
# and $dir/postgres.location remembers it.
pg_root() {
  if [[ -f "$dir/postgres.location" ]]; then
    cat "$dir/postgres.location"
  else
    echo "$dir/postgres"
  fi
}

pg_prepare() {
  [[ -x "$PG_BIN/initdb" ]] || fail "no PostgreSQL under /usr/lib/postgresql (run 'make deps')"
  command -v nats-server >/dev/null || fail "no nats-server (run 'make deps')"
  local root
  root="$(pg_root)"
  [[ -f "$root/data/PG_VERSION" ]] && return 0
  mkdir -p "$root"
  if ((EUID == 0)); then
    id postgres >/dev/null 2>&1 || fail "no 'postgres' user to run PostgreSQL as (apt-get install postgresql)"
    chown postgres: "$root"
    if ! runuser -u postgres -- test -w "$root"; then
      rmdir "$root" 2>/dev/null || true
      root="$(mktemp -d "${TMPDIR:-/tmp}/rivet-engine-pg.XXXXXX")"
      chown postgres: "$root"
      echo "$root" >"$dir/postgres.location"
    fi
  fi
  (umask 077 && secret >"$dir/postgres.secret")
  # initdb reads the password from a file, which the postgres user must be able to read.
  (umask 077 && as_pg tee "$root/pwfile" <"$dir/postgres.secret" >/dev/null)
  as_pg "$PG_BIN/initdb" -D "$root/data" -U postgres --auth=scram-sha-256 --pwfile="$root/pwfile" \
    -E UTF8 --no-locale --no-instructions >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; fail "initdb failed"; }
  as_pg rm -f "$root/pwfile"
  # TCP on 127.0.0.1 only, no unix socket (its default directory belongs to the system
  # service). Each node keeps a pool of up to 64 connections, more than the default 100 allow
  # for two nodes.
  as_pg tee -a "$root/data/postgresql.conf" >/dev/null <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
max_connections = 200
CONF
}

pg_start() {  # PORT
  local root
  root="$(pg_root)"
  as_pg "$PG_BIN/pg_ctl" -D "$root/data" -l "$root/postgres.log" -o "-p $1" -w -t 60 start \
    >/dev/null || { tail -n 20 "$root/postgres.log" >&2; fail "PostgreSQL did not start"; }
}

pg_stop() {
  local root
  root="$(pg_root)"
  [[ -f "$root/data/postmaster.pid" ]] || return 0
  as_pg "$PG_BIN/pg_ctl" -D "$root/data" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

nats_start() {  # PORT
  (umask 077 && cat >"$dir/nats.conf" <<CONF
listen: 127.0.0.1:$1
authorization { user: rivet, password: "$(secret)" }
CONF
)
  rm -f "$dir/nats.log"
  nats-server -c "$dir/nats.conf" -l "$dir/nats.log" >/dev/null 2>&1 &
  echo $! >"$dir/nats.pid"
  for _ in $(seq 1 100); do
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  cat "$dir/nats.log" >&2
  fail "nats-server did not start on 127.0.0.1:$1"
}

kill_pidfile() {  # FILE SIGNAL: signal the process, wait (10 s at most) until it is gone
  [[ -f "$1" ]] || return 0
  local pid
  pid="$(cat "$1")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "-$2" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

node_config() {  # N GUARD_PORT PG_PORT NATS_PORT
  local pg_url nats_pass
  pg_url="postgresql://postgres:$(cat "$dir/postgres.secret")@127.0.0.1:$3/postgres?sslmode=disable"
  nats_pass="$(sed -n 's/.*password: "\(.*\)".*/\1/p' "$dir/nats.conf")"
  mkdir -p "$dir/node-$1"
  # runtime.worker_cpu_max: the engine's workflow workers pull fewer workflows as CPU use rises
  # (down to 5% at 90%), and in a container without its own cgroup they measure the whole
  # machine's CPU. On a busy shared machine a new actor's workflow was then skipped on every
  # pull and the actor never placed (docs/engine-protocol.md); 1000 cores keeps them pulling
  # (WORKER_CPU_MAX, when local-engine.sh sets it, for both modes alike).
  (umask 077 && cat >"$dir/node-$1/engine.json" <<JSON
{"postgres":{"url":"$pg_url"},
 "nats":{"addresses":["127.0.0.1:$4"],"username":"rivet","password":"$nats_pass"},
 "guard":{"host":"127.0.0.1","port":$2},
 "api_peer":{"host":"127.0.0.1","port":$(free_port)},
 "metrics":{"host":"127.0.0.1","port":$(free_port)},
 "runtime":{"worker_cpu_max":${WORKER_CPU_MAX:-1000000}},
 "telemetry":{"enabled":false}}
JSON
)
}

node_port() {  # N: the node's API and gateway port, from its config
  sed -n 's/.*"guard":{"host":"127.0.0.1","port":\([0-9]*\)}.*/\1/p' "$dir/node-$1/engine.json"
}

# Starts node N from its config and returns once it answers. The first node of a new cluster
# also creates the pool "default" (envoys are refused until it exists); the others, and a node
# started again, only read it. Nodes start one after the other: two nodes creating the database
# schema at once fail ("duplicate key value violates unique constraint pg_type...").
node_start() {  # N [create-pool]
  local node="$dir/node-$1" endpoint
  endpoint="http://127.0.0.1:$(node_port "$1")"
  local ready=(curl -fsS "$endpoint/runner-configs?namespace=default")
  [[ "${2:-}" == create-pool ]] && ready=(curl -fsS -X PUT -H 'content-type: application/json'
    -d '{"datacenters":{"default":{"normal":{}}}}' "$endpoint/runner-configs/default?namespace=default")
  kill_pidfile "$node/engine.pid" TERM
  "$ENGINE" --config "$node/engine.json" start >>"$node/engine.log" 2>&1 &
  echo $! >"$node/engine.pid"
  for _ in $(seq 1 300); do
    if "${ready[@]}" >/dev/null 2>&1; then
      echo "endpoint: $endpoint"
      return 0
    fi
    kill -0 "$(cat "$node/engine.pid")" 2>/dev/null ||
      { tail -n 20 "$node/engine.log" >&2; fail "engine node $1 exited"; }
    sleep 0.1
  done
  tail -n 20 "$node/engine.log" >&2
  fail "engine node $1 did not answer on $endpoint within 30 s"
}

cluster_start() {  # NODES
  cluster_stop
  pg_prepare
  local pg_port nats_port
  pg_port="$(free_port)"
  nats_port="$(free_port)"
  pg_start "$pg_port"
  nats_start "$nats_port"
  local n guard_port
  for n in $(seq 1 "$1"); do
    guard_port="$(free_port)"
    ((n == 1)) && [[ -n "$port" ]] && guard_port="$port"
    node_config "$n" "$guard_port" "$pg_port" "$nats_port"
    if ((n == 1)); then node_start 1 create-pool; else node_start "$n"; fi
  done
  echo "postgres: 127.0.0.1:$pg_port (data in $(pg_root)/data)"
  echo "nats: 127.0.0.1:$nats_port"
}

cluster_stop() {
  local pidfile
  for pidfile in "$dir"/node-*/engine.pid; do
    [[ -f "$pidfile" ]] && kill_pidfile "$pidfile" TERM
  done
  kill_pidfile "$dir/nats.pid" TERM
  pg_stop
}

# A crash of node N, for fault tests: SIGKILL, no shutdown of any kind.
node_kill() {  # N
  [[ -f "$dir/node-$1/engine.pid" ]] || fail "node $1 is not running"
  kill_pidfile "$dir/node-$1/engine.pid" KILL
}
