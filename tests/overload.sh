#!/usr/bin/env bash
# Overload: checkpointd on PostgreSQL with a small queue limit
# (checkpoint.queue-limit=32) flooded by checkpoint-load with 64 requesters
# keeping 16 Advances each in flight (1,024 at once). Checked: some requests
# get `overloaded` at once, the others succeed and are stored, the node's
# memory (VmRSS, sampled every 0.2 s) stays within TOLERANCE_KB of what it
# was before the flood, and the node still serves afterwards. Every wait is
# bounded.
#
#   overload.sh CHECKPOINTD CHECKPOINTCTL CHECKPOINT_LOAD [SECONDS]
#               [TOLERANCE_KB]
#
# Needs $CHECKPOINT_TEST_PG_DSN (a server where it may create and drop a
# schema).
set -uo pipefail

daemon=$1
ctl=$2
load=$3
seconds=${4:-6}
# Measured growth: 1.6 MB in 6 s, 2.5 MB in 20 s (docs/reliability.md).
tolerance_kb=${5:-16384}
dsn=${CHECKPOINT_TEST_PG_DSN:?set CHECKPOINT_TEST_PG_DSN}
schema="overload_$$"
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  [[ -n ${load_pid:-} ]] && kill -KILL "$load_pid" 2>/dev/null
  drop_schema
}

rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$node_pid/status"
}

start_node --checkpoint.store=postgres --checkpoint.postgres.dsn="$dsn" \
  --checkpoint.postgres.schema="$schema" --checkpoint.node.port=0 \
  --checkpoint.queue-limit=32 || finish
c=("$ctl" --node "127.0.0.1:$node_port")

echo "== warm-up: one requester"
"$load" run --node "127.0.0.1:$node_port" --group flood --requesters 1 \
  --acks "$work/acks" --count 200 >"$work/warm.out" 2>&1 ||
  fail "warm-up: $(cat "$work/warm.out")"
before=$(rss_kb)

echo "== flood: 64 requesters with 16 Advances in flight each, ${seconds} s"
"$load" run --node "127.0.0.1:$node_port" --group flood --in-flight 16 \
  --acks "$work/acks" --seconds "$seconds" --count 1000000000 \
  >"$work/load.out" 2>"$work/load.err" &
load_pid=$!
peak=$before
# Sampled until the driver ends (bounded by its --seconds and timeouts).
for ((n = 0; n < (seconds + 30) * 5; n++)); do
  gone "$load_pid" && break
  rss=$(rss_kb)
  ((rss > peak)) && peak=$rss
  sleep 0.2
done
if ! gone "$load_pid"; then
  fail "the load driver still ran $((seconds + 30)) s after it started"
  kill -KILL "$load_pid"
fi
wait "$load_pid" || fail "the load driver exited $?: $(cat "$work/load.err")"
load_pid=
summary=$(cat "$work/load.out")
echo "load: $summary"
echo "VmRSS before the flood ${before} kB, peak ${peak} kB (growth" \
  "$((peak - before)) kB, tolerance $tolerance_kb kB)"
grep -q ' overloaded=[1-9]' <<<"$summary" ||
  fail "no request was refused as overloaded"
grep -q '^acknowledged=[1-9]' <<<"$summary" ||
  fail "no Advance was acknowledged during the flood"
others=$(tr ' ' '\n' <<<"$summary" | grep -vE \
  '^(acknowledged|sent|commits|seconds|bounds_seen|bounds_empty|proposed_backwards|committed_backwards|node_lost|going_backwards|overloaded)=')
[[ -z $others ]] || fail "the flood saw other errors: $others"
grep -qF "overloaded: group 'flood' has 32 operations queued (the limit)" \
  "$work/load.err" || fail "no clear overloaded message: $(cat "$work/load.err")"
((peak - before <= tolerance_kb)) ||
  fail "VmRSS grew by $((peak - before)) kB during the flood"

echo "== the node still serves"
expect 0 "" "" -- "${c[@]}" ensure flood extra
expect 0 "" "" -- "${c[@]}" advance flood extra 2
"$load" check --dsn "$dsn" --schema "$schema" --group flood \
  --acks "$work/acks" --node "127.0.0.1:$node_port" --settle 5 \
  >"$work/check.out" 2>"$work/check.err" ||
  fail "check: $(cat "$work/check.out" "$work/check.err")"
echo "check: $(cat "$work/check.out")"
stop_node
finish
