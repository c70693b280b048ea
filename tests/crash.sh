#!/usr/bin/env bash
# Crash durability: checkpointd on PostgreSQL under load (checkpoint-load:
# 64 requesters advancing 16 partitions, an applier committing behind them)
# is killed with SIGKILL at a random moment and restarted on the same
# database, KILLS times. After each restart `checkpoint-load check` confirms
# that every acknowledged Advance of every run so far is stored, that no
# partition's rows were written out of timestamp order, and that the
# restarted node's bounds equal the store's computation. Every wait is
# bounded.
#
#   crash.sh CHECKPOINTD CHECKPOINT_LOAD [KILLS]
#
# Needs $CHECKPOINT_TEST_PG_DSN (a server where it may create and drop a
# schema). scripts/soak.sh runs it with more kills.
set -uo pipefail

daemon=$1
load=$2
kills=${3:-3}
dsn=${CHECKPOINT_TEST_PG_DSN:?set CHECKPOINT_TEST_PG_DSN}
schema="crash_$$"
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  drop_schema
}

node_args=(--checkpoint.store=postgres --checkpoint.postgres.dsn="$dsn"
  --checkpoint.postgres.schema="$schema" --checkpoint.node.port=0
  --checkpoint.bootstrap)

acked() {
  local n
  n=$(wc -l <"$work/acks" 2>/dev/null) || n=0
  echo "$n"
}

# more_acks N: whether more than N Advances are acknowledged.
more_acks() {
  (($(acked) > $1))
}

echo "== $kills SIGKILLs under load, each followed by a restart and a check"
start_node "${node_args[@]}" || finish
: >"$work/acks"
for ((i = 1; i <= kills; i++)); do
  "$load" run --node "127.0.0.1:$node_port" --group crash \
    --acks "$work/acks" --seconds 30 >"$work/run.out" 2>"$work/run.err" &
  load_pid=$!
  # A random moment once the load is flowing: 0.2 to 2 s after the next ack.
  eventually 15 more_acks "$(acked)" ||
    fail "kill $i: no Advance acknowledged within 15 s: $(cat "$work/run.err")"
  pause=$((RANDOM % 1800 + 200))
  sleep "$((pause / 1000)).$(printf %03d $((pause % 1000)))"
  kill -KILL "$node_pid"
  { wait "$node_pid"; } 2>/dev/null
  exec {node_out}<&-
  node_pid=
  # The driver notices the loss and ends by itself.
  if ! eventually 20 gone "$load_pid"; then
    fail "kill $i: the load driver still ran 20 s after the node died"
    kill -KILL "$load_pid"
  fi
  wait "$load_pid" || fail "kill $i: the load driver exited $?"
  grep -q 'node_lost=1' "$work/run.out" ||
    fail "kill $i: the load driver did not see the node die:" \
      "$(cat "$work/run.out" "$work/run.err")"
  start_node "${node_args[@]}" || break
  if ! "$load" check --dsn "$dsn" --schema "$schema" --group crash \
    --acks "$work/acks" --node "127.0.0.1:$node_port" \
    >"$work/check.out" 2>"$work/check.err"; then
    fail "kill $i: check: $(cat "$work/check.out" "$work/check.err")"
  fi
  echo "kill $i after ${pause} ms: load: $(cat "$work/run.out")"
  echo "  check: $(cat "$work/check.out")"
done
[[ -n $node_pid ]] && stop_node
# The last check covers the acknowledgements of every run.
read -r acknowledged found lost < <(sed -n \
  's/^acknowledged=\([0-9]*\) found=\([0-9]*\) lost=\([0-9]*\).*/\1 \2 \3/p' \
  "$work/check.out")
echo "kills=$kills acknowledged=${acknowledged:-?} found=${found:-?}" \
  "lost=${lost:-?}"
((${acknowledged:-0} > 0)) || fail "nothing was acknowledged"
finish
