#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL 15 cluster for tests and benches:
# trust auth, loopback only, its own port and data directory.
#
#   scripts/pg-cluster.sh start DIR PORT   # prints the DSN on stdout
#   scripts/pg-cluster.sh fresh DIR PORT   # stop, delete, start empty
#   scripts/pg-cluster.sh stop DIR [MODE]  # MODE: fast (default), immediate
#
# As root the server runs as the `postgres` user (PostgreSQL refuses root)
# and its files live under /tmp (see below).
set -euo pipefail

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] || { echo "pg-cluster: PostgreSQL server binaries not found" >&2; exit 1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|fresh DIR PORT | stop DIR [MODE]" >&2; exit 2; }

# As root the server runs as `postgres`, which may not be able to reach DIR
# (a clone in a mode-700 temporary folder, say). Its files then live in a
# folder under /tmp named after DIR, so that `stop DIR` finds them again.
if [ "$(id -u)" = 0 ]; then
  dir="/tmp/checkpoint-pg-$(realpath -m "$dir" | md5sum | cut -c1-16)"
fi

# `immediate` is a crash as far as clients and the next start are concerned
# (no checkpoint; the next start replays the WAL).
stop_cluster() {
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m "${1:-fast}" -w stop >/dev/null
  fi
}

case "$cmd" in
  fresh|start)
    if [ "$cmd" = fresh ]; then
      stop_cluster
      rm -rf "$dir"
    fi
    port=${3:?usage: $0 $cmd DIR PORT}
    mkdir -p "$dir/data" "$dir/sock"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_owner "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
        -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir/sock -c listen_addresses=127.0.0.1 -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "host=127.0.0.1 port=$port dbname=postgres user=postgres"
    ;;
  stop)
    stop_cluster "${3:-fast}"
    ;;
  *)
    echo "usage: $0 start|fresh DIR PORT | stop DIR [MODE]" >&2; exit 2 ;;
esac
