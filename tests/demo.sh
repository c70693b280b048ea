#!/usr/bin/env bash
# Runs checkpoint-demo against checkpointd on a temporary SQLite file, as
# scripts/run.sh does, and checks what a newcomer should see: a moving
# window, the lagging partition named as the one holding it back, a clean
# exit (also on SIGINT), and commits that the node still reports afterwards.
# Every wait is bounded.
#
#   demo.sh CHECKPOINT_DEMO CHECKPOINTD CHECKPOINTCTL CONFIGS_DIR
set -uo pipefail

demo=$1
daemon=$2
ctl=$3
configs=$4
source "${BASH_SOURCE%/*}/lib.sh"

# The wall clock a minute before the demo, in nanoseconds: the demo's
# changefeed sends wall-clock times at most seconds behind, Ensure only 1.
started=$(($(date +%s%N) - 60000000000))

start_node --config-file="$configs/local.ini" \
  --checkpoint.sqlite.path="$work/checkpoints.db" \
  --checkpoint.node.port=0 || finish
node="127.0.0.1:$node_port"

echo "== the demo for 4 seconds"
timeout 30 "$demo" --node "$node" --seconds 4 >"$work/demo.out" \
  2>"$work/demo.err"
status=$?
cat "$work/demo.out"
[[ $status == 0 ]] || fail "the demo exited $status: $(cat "$work/demo.err")"
[[ ! -s $work/demo.err ]] || fail "the demo wrote '$(cat "$work/demo.err")'"
lagging="  p4 advances every 500 ms, 3000 ms behind the wall clock:"
grep -qx "$lagging the lagging partition" "$work/demo.out" ||
  fail "the demo did not name p4 as the lagging partition"
# One line per second: TIME [ COMMITTED -> PROPOSED ) LAG ADV/S COMMIT/S
# HOLDING-BACK (BEHIND).
rows=$(grep -E '^ *[0-9]+\.[0-9]s  \[ ' "$work/demo.out")
(($(wc -l <<<"$rows") >= 3)) || fail "fewer than 3 lines: '$rows'"
windows=$(grep -oE '\[ [^)]* \)' <<<"$rows" | sort -u | wc -l)
((windows >= 2)) || fail "the window did not move: '$rows'"
[[ $(tail -n 1 <<<"$rows" | awk '{print $(NF - 2)}') == p4 ]] ||
  fail "the last line does not say p4 holds the window back: '$rows'"
[[ $(tail -n 1 <<<"$rows" | awk '{print $(NF - 4)}') != 0.0 ]] ||
  fail "no advances in the last second: '$rows'"

echo "== the node after the demo"
bounds=$(timeout 20 "$ctl" --node "$node" bounds demo 2>&1)
[[ $bounds =~ ^\[\ ([0-9]+)\.[0-9]{10}\ -\>\ ([0-9]+)\.[0-9]{10}\ \)$ ]] ||
  fail "checkpointctl bounds demo printed '$bounds'"
committed=${BASH_REMATCH[1]:-0}
((committed > started)) ||
  fail "committed time $committed is before the start $started: no commit"
grep -qxF "  now           $bounds" "$work/demo.out" ||
  fail "the demo's final bounds differ from the node's '$bounds'"

echo "== Ctrl-C stops the demo cleanly"
timeout 30 "$demo" --node "$node" --seconds 60 >"$work/int.out" \
  2>"$work/int.err" &
demo_pid=$!
# Its table header comes after it has blocked SIGINT for its own handling.
eventually 10 grep -q "holding back" "$work/int.out" ||
  fail "the demo printed no table: $(cat "$work/int.err")"
stop "$demo_pid" INT 10
status=$?
[[ $status == 0 ]] || fail "the demo exited $status on SIGINT"
grep -qx "interrupted" "$work/int.out" ||
  fail "the demo did not say it was interrupted: $(cat "$work/int.out")"

echo "== a bad --node"
timeout 20 "$demo" --node 127.0.0.1:1 --seconds 1 >/dev/null \
  2>"$work/bad.err"
status=$?
[[ $status == 3 ]] || fail "the demo exited $status for an unreachable node"
grep -qF "cannot reach node 127.0.0.1:1" "$work/bad.err" ||
  fail "the demo wrote '$(cat "$work/bad.err")'"

echo "== bad durations"
for option in --seconds --timeout; do
  expect 2 "" "$option: expected seconds from 0.001 to 86400, got nan" -- \
    "$demo" --node 127.0.0.1:1 "$option" nan
done

stop_node
finish
