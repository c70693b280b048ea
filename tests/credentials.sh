#!/usr/bin/env bash
# checkpointd against a PostgreSQL server that checks passwords (its own
# throwaway cluster, scram-sha-256 for the role `ckpt`): the password works
# from each of libpq's places outside the config file (PGPASSWORD,
# PGPASSFILE, PGSERVICEFILE) and from the connection string, a wrong or
# missing one is a clear startup error, and no password ever shows in the
# node's output, even at log level trace. Every wait is bounded.
#
#   credentials.sh CHECKPOINTD CHECKPOINTCTL PG_CLUSTER_SCRIPT DIR PORT
set -uo pipefail

daemon=$1
ctl=$2
pg_cluster=$3
pg_dir=$4
port=$5
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  "$pg_cluster" stop "$pg_dir"
}

# Distinct, so that a leak is found by grep.
password="pw-$RANDOM$RANDOM-right"
wrong="pw-$RANDOM$RANDOM-wrong"
dsn="host=127.0.0.1 port=$port dbname=postgres user=ckpt"
node=(--checkpoint.store=postgres --checkpoint.node.port=0
      --checkpoint.log-level=trace)

# serve_and_check NAME: drives the started node, stops it, and checks that
# neither password is in what it wrote.
serve_and_check() {
  local c=("$ctl" --node "127.0.0.1:$node_port")
  expect 0 "" "" -- "${c[@]}" advance "$1" p1 5
  expect 0 "[ 0.0000000000 -> 5.0000000001 )" "" -- "${c[@]}" refresh "$1"
  stop_node
  grep -qF -e "$password" -e "$wrong" "$work/node.err" &&
    fail "$1: checkpointd wrote a password: $(cat "$work/node.err")"
}

# no_leak: the last `expect` wrote neither password.
no_leak() {
  grep -qF -e "$password" -e "$wrong" "$work/stderr" &&
    fail "checkpointd wrote a password: $(cat "$work/stderr")"
}

echo "== a cluster that checks the password of ckpt"
admin=$("$pg_cluster" fresh "$pg_dir" "$port") || {
  fail "cannot start a cluster on port $port"
  finish
}
hba=$(psql -tAq "$admin" -c "SHOW hba_file") &&
  psql -q "$admin" -v ON_ERROR_STOP=1 \
    -c "CREATE ROLE ckpt LOGIN PASSWORD '$password'" \
    -c "GRANT CREATE ON DATABASE postgres TO ckpt" &&
  printf 'host all ckpt 127.0.0.1/32 scram-sha-256\n%s\n' "$(cat "$hba")" \
    >"$work/hba" && cat "$work/hba" >"$hba" &&
  psql -tAq "$admin" -c "SELECT pg_reload_conf()" >/dev/null ||
  fail "cannot set up password authentication"
# The test means nothing if the server lets a wrong password in.
PGPASSWORD=$wrong psql -q "$dsn" -c "SELECT 1" >/dev/null 2>&1 &&
  fail "the server accepts a wrong password"

echo "== PGPASSWORD"
PGPASSWORD=$password start_node "${node[@]}" \
  --checkpoint.postgres.dsn="$dsn" && serve_and_check env

echo "== PGPASSFILE"
printf '127.0.0.1:%s:postgres:ckpt:%s\n' "$port" "$password" >"$work/pgpass"
chmod 600 "$work/pgpass"
PGPASSFILE=$work/pgpass start_node "${node[@]}" \
  --checkpoint.postgres.dsn="$dsn" && serve_and_check passfile

echo "== PGSERVICEFILE with checkpoint.postgres.dsn = service=ckpt"
printf '[ckpt]\nhost=127.0.0.1\nport=%s\ndbname=postgres\nuser=ckpt\n' \
  "$port" >"$work/services"
printf 'password=%s\n' "$password" >>"$work/services"
PGSERVICEFILE=$work/services start_node "${node[@]}" \
  --checkpoint.postgres.dsn="service=ckpt" && serve_and_check service

echo "== the password in the connection string"
start_node "${node[@]}" --checkpoint.postgres.dsn="$dsn password=$password" &&
  serve_and_check dsn

echo "== a wrong or missing password stops the node at startup"
refused='checkpoint.postgres.dsn: cannot open the store'
expect 1 "" "password authentication failed for user \"ckpt\"" -- \
  env PGPASSWORD="$wrong" "$daemon" "${node[@]}" \
  --checkpoint.postgres.dsn="$dsn"
no_leak
grep -qF "$refused" "$work/stderr" || fail "no '$refused'"
expect 1 "" "password authentication failed for user \"ckpt\"" -- \
  "$daemon" "${node[@]}" --checkpoint.postgres.dsn="$dsn password=$wrong"
no_leak
expect 1 "" "no password supplied" -- \
  env -u PGPASSWORD PGPASSFILE=/nonexistent "$daemon" "${node[@]}" \
  --checkpoint.postgres.dsn="$dsn"

finish
