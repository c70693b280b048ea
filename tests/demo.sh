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
work=$(mktemp -d)
failures=0
node_pid=

cleanup() {
  [[ -n $node_pid ]] && kill -KILL "$node_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# The wall clock a minute before the demo, in nanoseconds: the demo's
# changefeed sends wall-clock times at most seconds behind, Ensure only 1.
started=$(($(date +%s%N) - 60000000000))

mkfifo "$work/node.out"
"$daemon" --config-file="$configs/local.ini" \
  --checkpoint.sqlite.path="$work/checkpoints.db" \
  --checkpoint.node.port=0 >"$work/node.out" 2>"$work/node.err" &
node_pid=$!
exec {node_out}<"$work/node.out"
if ! read -r -t 15 -u "$node_out" line || [[ $line != "listening on "* ]]
then
  echo "FAIL: checkpointd did not start: $(cat "$work/node.err")" >&2
  exit 1
fi
node="127.0.0.1:${line##*:}"

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
sleep 2
kill -INT "$demo_pid"
for ((i = 0; i < 100; i++)); do
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.1
done
wait "$demo_pid"
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

kill -TERM "$node_pid"
for ((i = 0; i < 150; i++)); do
  kill -0 "$node_pid" 2>/dev/null || break
  sleep 0.1
done
wait "$node_pid"
status=$?
node_pid=
[[ $status == 0 ]] || fail "checkpointd exited $status after SIGTERM"
exec {node_out}<&-

if ((failures > 0)); then
  echo "$failures failure(s)" >&2
  exit 1
fi
echo "all passed"
