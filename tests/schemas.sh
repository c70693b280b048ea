#!/usr/bin/env bash
# checkpointd refuses to start on a schema or file it must not write to
# (docs/migrations.md): one newer than it knows, and one holding a
# `checkpoints` table it did not create (replicator's staging table).
# Exit status 1, a message that says why, and nothing written. Both stores.
#
#   schemas.sh CHECKPOINTD CHECKPOINTCTL
set -uo pipefail

daemon=$1
ctl=$2
dsn=${CHECKPOINT_TEST_PG_DSN:?set CHECKPOINT_TEST_PG_DSN}
newer_schema="schemas_newer_$$"
foreign_schema="schemas_foreign_$$"
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  for schema in "$newer_schema" "$foreign_schema"; do
    drop_schema
  done
}

# The newest PostgreSQL's own pg_dump: /usr/bin/pg_dump is Debian's wrapper,
# which may want a cluster configuration.
pg_dump=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/pg_dump

# snapshot_pg SCHEMA: the schema with its rows, without pg_dump's random
# \restrict token pair.
snapshot_pg() {
  "$pg_dump" --no-owner --column-inserts --dbname="$dsn" --schema="$1" |
    grep -v '^\\restrict \|^\\unrestrict '
}

# fill ARGS...: runs checkpointd with ARGS and writes one row through it.
fill() {
  start_node "$@" || return
  expect 0 "" "" -- "$ctl" --node "127.0.0.1:$node_port" advance g p 5
  stop_node
}

# snapshot_sqlite FILE: the file's schema, rows and version.
snapshot_sqlite() {
  sqlite3 "$1" .dump 'PRAGMA user_version'
}

# refused SNAPSHOT TARGET MESSAGE ARGS...: checkpointd with ARGS must exit 1
# with MESSAGE on stderr, and TARGET (as SNAPSHOT shows it) must be unchanged.
refused() {
  local snapshot=$1 target=$2 message=$3
  shift 3
  local before
  before=$("$snapshot" "$target")
  expect 1 "" "$message" -- "$daemon" "$@"
  [[ $("$snapshot" "$target") == "$before" ]] ||
    fail "checkpointd $* wrote to $target"
}

newer="the schema is at version"
foreign="it holds a table 'checkpoints' that this component did not create \
(it has no schema version of this component; replicator's staging table has \
that name)"

pg_node=(--checkpoint.store=postgres "--checkpoint.postgres.dsn=$dsn"
  --checkpoint.node.port=0)
sqlite_node=(--checkpoint.store=sqlite --checkpoint.node.port=0)

# A schema migrated by this build, with a row, then marked one version newer.
fill "${pg_node[@]}" "--checkpoint.postgres.schema=$newer_schema"
known=$(psql -tAq "$dsn" -c \
  "SELECT max(version) FROM \"$newer_schema\".checkpoint_migrations")
psql -q "$dsn" -c "INSERT INTO \"$newer_schema\".checkpoint_migrations \
  (version) VALUES ($((known + 1)))"
refused snapshot_pg "$newer_schema" "migrating schema '$newer_schema': \
$newer $((known + 1)), newer than version $known that this build knows" \
  "${pg_node[@]}" "--checkpoint.postgres.schema=$newer_schema"

# replicator's staging table, with a row.
psql -q "$dsn" -v ON_ERROR_STOP=1 -c "CREATE SCHEMA \"$foreign_schema\";
CREATE TABLE \"$foreign_schema\".checkpoints (group_name text NOT NULL,
  source_hlc numeric NOT NULL, partition text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(), target_applied_at timestamptz,
  PRIMARY KEY (group_name, source_hlc, partition));
INSERT INTO \"$foreign_schema\".checkpoints (group_name, source_hlc, partition)
  VALUES ('g', 5.0000000001, 'p')"
refused snapshot_pg "$foreign_schema" "migrating schema '$foreign_schema': \
$foreign: choose another schema" \
  "${pg_node[@]}" "--checkpoint.postgres.schema=$foreign_schema"

# The same on SQLite: a file of this build marked one version newer.
newer_file="$work/newer.db"
fill "${sqlite_node[@]}" "--checkpoint.sqlite.path=$newer_file"
known=$(sqlite3 "$newer_file" 'PRAGMA user_version')
sqlite3 "$newer_file" "PRAGMA user_version = $((known + 1))"
refused snapshot_sqlite "$newer_file" "SQLite store '$newer_file': \
$newer $((known + 1)), newer than version $known that this build knows" \
  "${sqlite_node[@]}" "--checkpoint.sqlite.path=$newer_file"

foreign_file="$work/foreign.db"
sqlite3 "$foreign_file" "CREATE TABLE checkpoints (group_name TEXT,
  source_hlc NUMERIC, partition TEXT, first_seen TEXT, target_applied_at TEXT);
INSERT INTO checkpoints VALUES ('g', 5.0000000001, 'p', 'now', NULL)"
refused snapshot_sqlite "$foreign_file" "SQLite store '$foreign_file': \
$foreign: choose another file" \
  "${sqlite_node[@]}" "--checkpoint.sqlite.path=$foreign_file"

# A refusal quotes the path as it is printed: a control character in it
# reaches the terminal escaped, never raw.
escaped_file="$work/"$'\e[31m'"/no.db"
expect 1 "" "SQLite store '$work/\\x1b[31m/no.db'" -- "$daemon" \
  "${sqlite_node[@]}" "--checkpoint.sqlite.path=$escaped_file"
if LC_ALL=C grep -q $'\e' "$work/stderr"; then
  fail "checkpointd printed a raw escape: $(cat -v "$work/stderr")"
fi

finish
