#!/usr/bin/env bash
# Runs checkpointd with its HTTP endpoint and checks, over 127.0.0.1, the
# Prometheus metrics after checkpointctl commands, /healthz on a live and on
# a lost PostgreSQL database, the structured log lines, and the options'
# errors. Every wait is bounded.
#
#   metrics.sh CHECKPOINTD CHECKPOINTCTL CONFIGS_DIR
#
# Needs curl and $CHECKPOINT_TEST_PG_DSN (a server where it may create and
# drop a database).
set -uo pipefail

daemon=$1
ctl=$2
configs=$3
dsn=${CHECKPOINT_TEST_PG_DSN:?set CHECKPOINT_TEST_PG_DSN}
db="metrics_test_$$"
http=
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  psql -q "$dsn" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
    >/dev/null 2>&1
}

# start_http_node ARGS...: start_node, with ARGS that set the metrics port;
# also sets http, the metrics address.
start_http_node() {
  start_node "$@" || return 1
  # Printed before the node is published, so it is there by now.
  http=$(sed -n 's/^checkpointd: metrics on //p' "$work/node.err")
  [[ -n $http ]] || fail "no metrics address in: $(cat "$work/node.err")"
}

# has TEXT LINE...: checks that every LINE is a whole line of TEXT.
has() {
  local text=$1 line
  shift
  for line in "$@"; do
    grep -qxF -- "$line" <<<"$text" || fail "no line '$line' in:
$text"
  done
}

# healthz STATUS: checks /healthz's HTTP status.
healthz() {
  local status
  status=$(curl -s -m 10 -o "$work/healthz" -w '%{http_code}' \
    "http://$http/healthz")
  [[ $status == "$1" ]] ||
    fail "/healthz answered $status, not $1: $(cat "$work/healthz")"
}

ctl_ok() {
  timeout 20 "$ctl" --node "127.0.0.1:$node_port" "$@" >/dev/null ||
    fail "checkpointctl $* exited $?"
}

echo "== sqlite: metrics after checkpointctl commands"
cd "$work" || exit 1
free=(--checkpoint.node.port=0 --checkpoint.metrics.port=0)
start_http_node --config-file="$configs/local.ini" "${free[@]}" \
  --checkpoint.log-level=info
ctl_ok ensure g p1 p2
ctl_ok advance g p1 5
ctl_ok advance g p2 7
timeout 20 "$ctl" --node "127.0.0.1:$node_port" advance g p1 4 2>/dev/null
[[ $? == 1 ]] || fail "a backwards advance was not refused"
ctl_ok commit g 0 6
# The bounds are now [ 5.0000000000 -> 5.0000000001 ): 5 ns after the epoch.
metrics=$(curl -s -m 10 "http://$http/metrics") || fail "no /metrics"
has "$metrics" \
  '# TYPE checkpoint_advance_duration_seconds histogram' \
  'checkpoint_advance_duration_seconds_count{group="g"} 3' \
  'checkpoint_commit_duration_seconds_count{group="g"} 1' \
  'checkpoint_batch_size_sum{group="g"} 5' \
  'checkpoint_proposed_going_backwards_errors{group="g"} 1' \
  'checkpoint_committed_time_seconds{group="g"} 5e-09' \
  'checkpoint_proposed_time_seconds{group="g"} 5e-09' \
  '# TYPE checkpoint_refresh_duration_seconds histogram' \
  '# TYPE checkpoint_committed_age_seconds gauge' \
  '# TYPE checkpoint_proposed_age_seconds gauge'
grep -q '^checkpoint_proposed_age_seconds{group="g"} 1[0-9]\{9\}' \
  <<<"$metrics" || fail "no proposed age of about 56 years"
# A timestamp far in the future (the year 2255) is refused, counted and
# logged; nothing is written (the bounds stay).
expect 1 "" "far_future: checkpoint for group 'g' partition 'p1' is too far in \
the future: 9000000000000000000.0000000000 (2255-03-14T16:00:00.000000000Z) \
is more than 1h (checkpoint.max-future) ahead of this node's clock (" -- \
  "$ctl" --node "127.0.0.1:$node_port" advance g p1 9000000000000000000
metrics=$(curl -s -m 10 "http://$http/metrics") || fail "no /metrics"
has "$metrics" 'checkpoint_far_future_errors{group="g"} 1' \
  'checkpoint_proposed_time_seconds{group="g"} 5e-09'
# Bad requests to the endpoint are refused, and it goes on serving.
for request in "GET /nope" "POST /metrics" "DELETE /healthz"; do
  status=$(curl -s -m 10 -o /dev/null -w '%{http_code}' \
    -X "${request% *}" "http://$http${request#* }")
  [[ $status == 4[0-9][0-9] ]] ||
    fail "$request answered $status"
done
printf 'NOT HTTP\r\n\r\n' >"/dev/tcp/${http%:*}/${http##*:}" 2>/dev/null
healthz 200
# A group and a partition named with a carriage return and a terminal escape:
# every output shows the printable form, r\r\x1b[31m, and no raw control
# byte; the stored names are unchanged (JSON has them exactly).
bad=$'R\r\e[31m' shown='r\r\x1b[31m'
c=("$ctl" --node "127.0.0.1:$node_port")
ctl_ok ensure "$bad" "$bad"
ctl_ok advance "$bad" "$bad" 5
expect 1 "" "going_backwards: " -- "${c[@]}" advance "$bad" "$bad" 4
outputs=$(cat "$work/stderr")
grep -qF "$shown" <<<"$outputs" || fail "the refusal said: $outputs"
outputs+=$'\n'$(timeout 20 "${c[@]}" status "$bad" 2>&1) ||
  fail "status exited $?"
outputs+=$'\n'$(timeout 20 "${c[@]}" scan 2>&1) || fail "scan exited $?"
outputs+=$'\n'$(timeout 20 "${c[@]}" groups 2>&1) || fail "groups exited $?"
outputs+=$'\n'$(timeout 20 "${c[@]}" watch "$bad" --count 1 2>&1) ||
  fail "watch exited $?"
for part in "group $shown  bounds [ 1.0000000001 -> 5.0000000001 )" \
  "  $shown  head 5.0000000000  first unapplied 5.0000000000  unapplied 1"; do
  grep -qF -- "$part" <<<"$outputs" || fail "no '$part' in: $outputs"
done
has "$outputs" "$shown" "[ 1.0000000001 -> 5.0000000001 )"
expect 0 '["g","r\u000d\u001b[31m"]' "" -- "${c[@]}" --json scan
# DEL and a C1 control (U+009B, CSI on some terminals) too.
ctl_ok ensure $'D\x7f\xc2\x9b' p
expect 0 $'d\\x7f\\xc2\\x9b\ng\nr\\r\\x1b[31m' "" -- "${c[@]}" groups
expect 0 '["d\u007f\u009b","g","r\u000d\u001b[31m"]' "" -- \
  "${c[@]}" --json groups
metrics=$(curl -s -m 10 "http://$http/metrics") || fail "no /metrics"
has "$metrics" \
  'checkpoint_proposed_going_backwards_errors{group="r\\r\\x1b[31m"} 1'
outputs+=$'\n'$metrics
stop_node
grep -qF 'msg="advance rejected" group=g partition=p1 error="far_future: ' \
  "$work/node.err" || fail "no far_future logged: $(cat "$work/node.err")"
grep -qF 'group="r\\r\\x1b[31m" partition="r\\r\\x1b[31m" ' \
  "$work/node.err" || fail "no rejection logged: $(cat "$work/node.err")"
for text in "$outputs" "$(cat "$work/node.err")"; do
  ! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' <<<"$text" ||
    fail "a raw control byte in: $(cat -v <<<"$text")"
done
grep -qF 'level=warning msg="advance rejected" group=g partition=p1 ' \
  "$work/node.err" || fail "no rejection logged: $(cat "$work/node.err")"
grep -qF "level=info msg=listening address=127.0.0.1:$node_port store=sqlite" \
  "$work/node.err" || fail "no start logged: $(cat "$work/node.err")"
grep -qF 'level=info msg=stopped' "$work/node.err" ||
  fail "no stop logged: $(cat "$work/node.err")"

echo "== postgres: /healthz while the database is up, then gone"
psql -q "$dsn" -c "CREATE DATABASE \"$db\"" >/dev/null ||
  fail "cannot create database $db"
# trust authentication ignores the password; it must not reach the logs.
pg_dsn="$(sed "s/dbname=[^ ]*/dbname=$db/" <<<"$dsn") password=s3cret"
start_http_node --config-file="$configs/postgres.ini" "${free[@]}" \
  --checkpoint.postgres.dsn="$pg_dsn" --checkpoint.log-level=debug
ctl_ok advance h p 9
healthz 200
psql -q "$dsn" -c "DROP DATABASE \"$db\" WITH (FORCE)" >/dev/null ||
  fail "cannot drop database $db"
healthz 503
grep -qF 'store unavailable' "$work/healthz" ||
  fail "/healthz said '$(cat "$work/healthz")'"
stop_node
grep -qF 'level=error msg="store unavailable"' "$work/node.err" ||
  fail "no unavailability logged: $(cat "$work/node.err")"
! grep -qF 's3cret' "$work/node.err" || fail "the password was logged"

echo "== options"
expect 2 "" "checkpoint.metrics.port: expected -1 (none), 0 (any)" -- \
  "$daemon" --checkpoint.metrics.port=-2
expect 2 "" "checkpoint.log-level: expected trace" -- \
  "$daemon" --checkpoint.log-level=loud
# The same options from a config file's dotted sections.
cat >"$work/metrics.ini" <<'INI'
[checkpoint]
log-level = "warn"
[checkpoint.sqlite]
path = "from-file.db"
[checkpoint.node]
port = 0
[checkpoint.metrics]
port = 0
INI
start_http_node --config-file="$work/metrics.ini"
[[ $node_port != 7710 && -f $work/from-file.db ]] ||
  fail "[checkpoint.node] or [checkpoint.sqlite] ignored: port $node_port"
healthz 200
! grep -q 'level=info' "$work/node.err" || fail "log-level = warn ignored"
# A busy metrics port: that node's HTTP endpoint.
expect 1 "" "checkpoint.metrics.port: bad_input: cannot listen on $http" \
  -- "$daemon" --config-file="$configs/local.ini" \
  --checkpoint.sqlite.path=other.db --checkpoint.node.port=0 \
  --checkpoint.metrics.port="${http##*:}"
stop_node

finish
