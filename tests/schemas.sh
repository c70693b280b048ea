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

pg_node=(--checkpoint.store=postgres "--checkpoint.postgres.dsn=$dsn"
  --checkpoint.node.port=0)
sqlite_node=(--checkpoint.store=sqlite --checkpoint.node.port=0)

# A schema migrated by this build, with a row, then marked one version newer.
fill "${pg_node[@]}" "--checkpoint.postgres.schema=$newer_schema"
known=$(psql -tAq "$dsn" -c \
  "SELECT max(version) FROM \"$newer_schema\".checkpoint_migrations")
psql -q "$dsn" -c "INSERT INTO \"$newer_schema\".checkpoint_migrations \
  (version) VALUES ($((known + 1)))"
before=$(snapshot_pg "$newer_schema")
expect 1 "" "migrating schema '$newer_schema': the schema is at version \
$((known + 1)), newer than version $known that this build knows" -- \
  "$daemon" "${pg_node[@]}" "--checkpoint.postgres.schema=$newer_schema"
[[ $(snapshot_pg "$newer_schema") == "$before" ]] ||
  fail "checkpointd wrote to the newer schema $newer_schema"

# replicator's staging table, with a row.
psql -q "$dsn" -v ON_ERROR_STOP=1 -c "CREATE SCHEMA \"$foreign_schema\";
CREATE TABLE \"$foreign_schema\".checkpoints (group_name text NOT NULL,
  source_hlc numeric NOT NULL, partition text NOT NULL,
  first_seen timestamptz NOT NULL DEFAULT now(), target_applied_at timestamptz,
  PRIMARY KEY (group_name, source_hlc, partition));
INSERT INTO \"$foreign_schema\".checkpoints (group_name, source_hlc, partition)
  VALUES ('g', 5.0000000001, 'p')"
before=$(snapshot_pg "$foreign_schema")
expect 1 "" "migrating schema '$foreign_schema': it holds a table \
'checkpoints' that this component did not create" -- \
  "$daemon" "${pg_node[@]}" "--checkpoint.postgres.schema=$foreign_schema"
grep -qF "choose another schema" "$work/stderr" ||
  fail "no advice in '$(cat "$work/stderr")'"
[[ $(snapshot_pg "$foreign_schema") == "$before" ]] ||
  fail "checkpointd wrote to the foreign schema $foreign_schema"

# The same on SQLite: a file of this build marked one version newer.
newer_file="$work/newer.db"
fill "${sqlite_node[@]}" "--checkpoint.sqlite.path=$newer_file"
known=$(sqlite3 "$newer_file" 'PRAGMA user_version')
sqlite3 "$newer_file" "PRAGMA user_version = $((known + 1))"
before=$(snapshot_sqlite "$newer_file")
expect 1 "" "SQLite store '$newer_file': the schema is at version \
$((known + 1)), newer than version $known that this build knows" -- \
  "$daemon" "${sqlite_node[@]}" "--checkpoint.sqlite.path=$newer_file"
[[ $(snapshot_sqlite "$newer_file") == "$before" ]] ||
  fail "checkpointd wrote to the newer file $newer_file"

foreign_file="$work/foreign.db"
sqlite3 "$foreign_file" "CREATE TABLE checkpoints (group_name TEXT,
  source_hlc NUMERIC, partition TEXT, first_seen TEXT, target_applied_at TEXT);
INSERT INTO checkpoints VALUES ('g', 5.0000000001, 'p', 'now', NULL)"
before=$(snapshot_sqlite "$foreign_file")
expect 1 "" "SQLite store '$foreign_file': it holds a table 'checkpoints' \
that this component did not create" -- \
  "$daemon" "${sqlite_node[@]}" "--checkpoint.sqlite.path=$foreign_file"
grep -qF "choose another file" "$work/stderr" ||
  fail "no advice in '$(cat "$work/stderr")'"
[[ $(snapshot_sqlite "$foreign_file") == "$before" ]] ||
  fail "checkpointd wrote to the foreign file $foreign_file"

finish
