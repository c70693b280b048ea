#!/usr/bin/env bash
# Database outage: checkpointd (node A) on a PostgreSQL cluster of this
# test's own, under load (checkpoint-load), while the cluster is stopped for
# a few seconds and started again, OUTAGES times: odd outages are a fast
# shutdown, even ones an immediate one (a crash: the start replays the WAL).
# A second node B on the same database refreshes only once an hour, so it sees
# A's writes only through LISTEN/NOTIFY. Checked:
# - both nodes stay up; during the outage every operation either answers
#   from memory or fails with `store_unavailable` (per operation, through
#   checkpointctl), and the load sees no other error than that (and the
#   going-backwards refusals that its racing requesters cause);
# - the published bounds never become empty or go backwards, and do not
#   change at all while the database is down;
# - without a restart, Advances succeed again (the time from the moment the
#   database accepts queries again to the first acknowledged Advance is
#   printed), both listeners reconnect and a NOTIFY wakes node B again;
# - afterwards every acknowledged Advance is stored and A's bounds equal the
#   store's computation (checkpoint-load check).
# Every wait is bounded.
#
#   outage.sh CHECKPOINTD CHECKPOINTCTL CHECKPOINT_LOAD PG_CLUSTER_SH DIR PORT
#             [OUTAGES]
#
# DIR and PORT are for the test's own cluster (DIR is re-created).
set -uo pipefail

daemon=$1
ctl=$2
load=$3
pg_cluster=$4
pg_dir=$5
pg_port=$6
outages=${7:-1}
schema=outage
source "${BASH_SOURCE%/*}/lib.sh"

b_pid=
cleanup_more() {
  [[ -n $b_pid ]] && kill -KILL "$b_pid" 2>/dev/null
  [[ -n ${load_pid:-} ]] && kill -KILL "$load_pid" 2>/dev/null
  "$pg_cluster" stop "$pg_dir" >/dev/null 2>&1
}

millis() {
  echo $((${EPOCHREALTIME/./} / 1000))
}

dsn=$("$pg_cluster" fresh "$pg_dir" "$pg_port") || {
  fail "cannot start the test's cluster on port $pg_port"
  finish
}
node_args=(--checkpoint.store=postgres --checkpoint.postgres.dsn="$dsn"
  --checkpoint.postgres.schema="$schema" --checkpoint.node.port=0)

# Node B first, kept aside: lib.sh's helpers then hold node A.
start_node "${node_args[@]}" --checkpoint.refresh-interval=1h || finish
b_pid=$node_pid b_port=$node_port b_out=$node_out
mv "$work/node.err" "$work/b.err"
start_node "${node_args[@]}" || finish
a=("$ctl" --node "127.0.0.1:$node_port")
b=("$ctl" --node "127.0.0.1:$b_port")

# The NOTIFY probe: group `probe` on both nodes, advanced on A.
probe_ts=1000
expect 0 "" "" -- "${a[@]}" ensure probe p
expect 0 "[ 1.0000000001 -> 1.0000000002 )" "" -- "${b[@]}" bounds probe

# b_shows TS: whether node B publishes the probe's bounds up to TS.
b_shows() {
  timeout 20 "${b[@]}" bounds probe >"$work/b.bounds" 2>&1 &&
    grep -qF -- "-> $1.0000000001 )" "$work/b.bounds"
}

# notify_probe: advances the probe on A and waits for B to show it. B
# refreshes only once an hour, so only a notification can wake it.
notify_probe() {
  probe_ts=$((probe_ts + 1))
  expect 0 "" "" -- "${a[@]}" advance probe p "$probe_ts"
  eventually 10 b_shows "$probe_ts" ||
    fail "$1: node B did not see A's Advance within 10 s:" \
      "$(cat "$work/b.bounds")"
}

notify_probe "before the outages"

# listeners N: whether N backends of the cluster are listening.
listeners() {
  local n
  n=$(psql -Atq "$dsn" -c "SELECT count(*) FROM pg_stat_activity
        WHERE query LIKE 'LISTEN %'" 2>/dev/null) && ((n == $1))
}
eventually 10 listeners 2 || fail "the two listeners are not listening"

"$load" run --node "127.0.0.1:$node_port" --group outage --acks "$work/acks" \
  --bounds-log "$work/bounds" --seconds 600 >"$work/load.out" \
  2>"$work/load.err" &
load_pid=$!

# acks_since MILLIS: the first acknowledgement at or after MILLIS, if any.
first_ack_since() {
  awk -v t="$1" '$3 >= t && (first == "" || $3 < first) { first = $3 }
    END { if (first != "") print first }' "$work/acks" 2>/dev/null
}
acked_since() {
  [[ -n $(first_ack_since "$1") ]]
}

# during STATUS ERROR ARGS...: checkpointctl ARGS against node A during the
# outage exits with STATUS and, if ERROR is set, names it on stderr.
during() {
  local want=$1 err=$2 status start
  shift 2
  start=$(millis)
  timeout 20 "${a[@]}" "$@" >"$work/during.out" 2>"$work/during.err"
  status=$?
  echo "  $* -> exit $status in $(($(millis) - start)) ms:" \
    "$(head -c 300 "$work/during.err")"
  [[ $status == "$want" ]] ||
    fail "during the outage, $* exited $status, not $want"
  [[ -z $err ]] || grep -qF -- "$err" "$work/during.err" ||
    fail "during the outage, $* did not say $err: $(cat "$work/during.err")"
}

recoveries=()
for ((i = 1; i <= outages; i++)); do
  echo "== outage $i"
  eventually 15 acked_since "$(millis)" ||
    fail "outage $i: no Advance acknowledged before stopping the database"
  mode=$( ((i % 2 == 1)) && echo fast || echo immediate)
  "$pg_cluster" stop "$pg_dir" "$mode" || fail "cannot stop the cluster"
  stopped=$(millis)
  echo "  stopped ($mode shutdown)"
  # Per operation, through node A while the database is down.
  during 1 store_unavailable advance outage p0 1
  during 1 store_unavailable commit outage 0 1
  during 1 store_unavailable ensure outage p0
  during 1 store_unavailable refresh outage
  during 1 store_unavailable status outage
  during 1 store_unavailable scan
  during 0 "" bounds outage
  during 0 "" watch outage --count 1
  during 0 "" groups
  during 1 store_unavailable bounds "new$i"
  # The load keeps running against the dead database for 3 s at least.
  while (($(millis) < stopped + 3000)); do sleep 0.1; done
  gone "$node_pid" && fail "outage $i: node A died"
  gone "$b_pid" && fail "outage $i: node B died"
  starting=$(millis)
  "$pg_cluster" start "$pg_dir" "$pg_port" >/dev/null &
  start_pid=$!
  # The moment it accepts queries again, to within a psql round trip and
  # 10 ms (the node's first Advance can come first: it tries as often).
  ready=
  for ((n = 0; n < 3000; n++)); do
    psql -Atq "$dsn" -c "SELECT 1" >/dev/null 2>&1 && ready=$(millis) && break
    sleep 0.01
  done
  [[ -n $ready ]] || fail "outage $i: the database did not come back"
  wait "$start_pid" || fail "cannot start the cluster again"
  eventually 30 acked_since "$starting" ||
    fail "outage $i: no Advance acknowledged within 30 s of the restart"
  first=$(first_ack_since "$starting")
  if [[ -n $first ]]; then
    recoveries+=("$((first - ready))")
    echo "  after the start command: database up in $((ready - starting)) ms," \
      "first acknowledged Advance in $((first - starting)) ms"
  fi
  # The bounds while the database was down (from 200 ms after the stop
  # returned, leaving answers already on the way): one value throughout.
  read -r seen distinct < <(awk -v from=$((stopped + 200)) -v to="$starting" \
    '$1 >= from && $1 < to { n++; v[$2 " " $3] = 1 }
     END { print n + 0, length(v) }' "$work/bounds")
  echo "  bounds seen during the outage: $seen, distinct: $distinct"
  ((seen > 0)) || fail "outage $i: no bounds seen during the outage"
  ((distinct <= 1)) ||
    fail "outage $i: the bounds changed while the database was down"
  eventually 15 listeners 2 ||
    fail "outage $i: the listeners did not reconnect within 15 s"
  # Twice: the first one may still be answered by B's resynchronisation.
  notify_probe "after outage $i"
  notify_probe "after outage $i"
  expect 0 "" "" -- "${a[@]}" ensure outage p0
done

kill -TERM "$load_pid"
if ! eventually 20 gone "$load_pid"; then
  fail "the load driver still ran 20 s after SIGTERM"
  kill -KILL "$load_pid"
fi
wait "$load_pid" || fail "the load driver exited $?: $(cat "$work/load.err")"
load_pid=
echo "load: $(cat "$work/load.out")"
summary=$(cat "$work/load.out")
# Only these errors: what the outage causes, and the racing requesters.
others=$(tr ' ' '\n' <<<"$summary" | grep -vE \
  '^(acknowledged|sent|commits|seconds|bounds_seen|bounds_empty|proposed_backwards|committed_backwards|node_lost|going_backwards|store_unavailable)=')
[[ -z $others ]] || fail "the load saw other errors: $others"
grep -q ' store_unavailable=[1-9]' <<<"$summary" ||
  fail "the load saw no store_unavailable error"
grep -q ' bounds_empty=0 proposed_backwards=0 ' <<<"$summary" ||
  fail "the bounds became empty or went backwards: $summary"
grep -q ' node_lost=0' <<<"$summary" || fail "the load lost the node"
"$load" check --dsn "$dsn" --schema "$schema" --group outage \
  --acks "$work/acks" --node "127.0.0.1:$node_port" --settle 5 \
  >"$work/check.out" 2>"$work/check.err" ||
  fail "check: $(cat "$work/check.out" "$work/check.err")"
echo "check: $(cat "$work/check.out")"
echo "outages=$outages ms from the database's return to the first" \
  "acknowledged Advance: ${recoveries[*]}"
stop_node
node_pid=$b_pid node_out=$b_out
b_pid=
stop_node
finish
