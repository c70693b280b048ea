#!/usr/bin/env bash
# Checks that checkpointd drops a subscriber whose process dies without
# unsubscribing: a `checkpointctl watch` killed with SIGKILL. The node's own
# count (`checkpointctl --json status`) must go from 1 back to 0. Then that a
# watch ends (exit 3, saying why) when its group is stopped through the node.
# Every wait is bounded.
#
#   subscribers.sh CHECKPOINTD CHECKPOINTCTL STOP_GROUP
set -uo pipefail

daemon=$1
ctl=$2
stop_group=$3
source "${BASH_SOURCE%/*}/lib.sh"

# subscribers N: whether the node reports N subscribers of group g.
subscribers() {
  timeout 20 "${c[@]}" --json status g >"$work/status" 2>&1 &&
    grep -qF "\"subscribers\":$1," "$work/status"
}

echo "== a killed watch is unsubscribed"
start_node --checkpoint.sqlite.path="$work/node.db" \
  --checkpoint.node.port=0 || finish
c=("$ctl" --node "127.0.0.1:$node_port")
expect 0 "" "" -- "${c[@]}" ensure g p
subscribers 0 || fail "before the watch: $(cat "$work/status")"
# Not under `timeout`: SIGKILL must reach checkpointctl itself. It ends with
# the node at the latest.
"${c[@]}" watch g >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
eventually 10 subscribers 1 ||
  fail "the watch did not subscribe within 10 s: $(cat "$work/status")" \
    "$(cat "$work/watch.err")"
kill -KILL "$watch_pid"
{ wait "$watch_pid"; } 2>/dev/null # not the shell's "Killed"
eventually 10 subscribers 0 ||
  fail "the killed watch was still subscribed after 10 s:" \
    "$(cat "$work/status")"

echo "== a stopped group ends the watch"
timeout 20 "${c[@]}" watch g >"$work/watch.out" 2>"$work/watch.err" &
watch_pid=$!
eventually 10 subscribers 1 ||
  fail "the watch did not subscribe within 10 s: $(cat "$work/status")" \
    "$(cat "$work/watch.err")"
timeout 20 "$stop_group" "127.0.0.1:$node_port" g ||
  fail "stop_group exited $?"
wait "$watch_pid"
status=$?
[[ $status == 3 ]] ||
  fail "the watch exited $status, not 3: $(cat "$work/watch.err")"
grep -qF "group g stopped on node 127.0.0.1:$node_port: stopped on request" \
  "$work/watch.err" || fail "the watch wrote '$(cat "$work/watch.err")'"
[[ $(cat "$work/watch.out") == "[ 1.0000000001 -> 1.0000000002 )" ]] ||
  fail "the watch printed '$(cat "$work/watch.out")'"
expect 0 "" "" -- "${c[@]}" groups
stop_node

finish
