#!/usr/bin/env bash
# Runs checkpointd on configs/local.ini and configs/postgres.ini (tls.sh runs
# configs/tls.ini) and drives it with checkpointctl over 127.0.0.1: every
# command, every exit status, watch across two processes, bad configs,
# SIGTERM. Every wait is bounded.
#
#   nodes.sh CHECKPOINTD CHECKPOINTCTL CONFIGS_DIR
#
# The PostgreSQL config runs against $CHECKPOINT_TEST_PG_DSN in a throwaway
# schema, dropped at the end.
set -uo pipefail

daemon=$1
ctl=$2
configs=$3
dsn=${CHECKPOINT_TEST_PG_DSN:?set CHECKPOINT_TEST_PG_DSN}
schema="nodes_test_$$"
source "${BASH_SOURCE%/*}/lib.sh"

cleanup_more() {
  drop_schema
}

# exercise: every checkpointctl command against the running node.
exercise() {
  local c=("$ctl" --node "127.0.0.1:$node_port")
  expect 0 "" "" -- "${c[@]}" ensure g p1 p2
  expect 0 "" "" -- "${c[@]}" advance g p1 5
  expect 0 "" "" -- "${c[@]}" advance g p2 7.0000000001
  # The published bounds follow a write by a refresh of their own, which a
  # busy machine may not have finished yet: `refresh` waits for one.
  expect 0 "[ 1.0000000001 -> 5.0000000001 )" "" -- "${c[@]}" refresh g
  expect 0 "[ 1.0000000001 -> 5.0000000001 )" "" -- "${c[@]}" bounds g
  expect 0 '{"group":"g","min":"1.0000000001","max":"5.0000000001"}' "" -- \
    "${c[@]}" --json bounds G
  expect 0 "" "" -- "${c[@]}" commit g 0 6
  expect 0 "[ 5.0000000000 -> 5.0000000001 )" "" -- "${c[@]}" refresh g
  # p1 is clean at 5, p2's window reaches 7.0000000001: p1 holds it back.
  expect 0 "group g  bounds [ 5.0000000000 -> 5.0000000001 )  lookahead 0  \
subscribers 0  holding back p1
  p1  head 5.0000000000  first unapplied -  unapplied 0
  p2  head 7.0000000001  first unapplied 7.0000000001  unapplied 1" "" -- \
    "${c[@]}" status g
  expect 0 '{"group":"g","min":"5.0000000000","max":"5.0000000001",'\
'"lookahead":0,"subscribers":0,"holding_back":["p1"],"partitions":['\
'{"partition":"p1","head":"5.0000000000","first_unapplied":null,'\
'"unapplied":0},{"partition":"p2","head":"7.0000000001",'\
'"first_unapplied":"7.0000000001","unapplied":1}]}' "" -- \
    "${c[@]}" --json status g
  expect 0 "g" "" -- "${c[@]}" scan
  expect 0 '{"group":"a\"b\\c","min":"0.0000000000","max":"0.0000000001"}' \
    "" -- "${c[@]}" --json bounds 'a"b\c'
  expect 0 '["g"]' "" -- "${c[@]}" --json scan
  expect 0 "" "" -- "${c[@]}" --lookahead 2 ensure h p
  # Text shows the printable form of a name (a backslash doubled), JSON the
  # name itself.
  expect 0 $'a"b\\\\c\ng\nh' "" -- "${c[@]}" groups
  expect 0 '["a\"b\\c","g","h"]' "" -- "${c[@]}" --json groups
  expect 0 "" "" -- "${c[@]}" --lookahead 2 ensure h q
  # Both partitions end at the proposed time: both hold the window back.
  expect 0 "[ 1.0000000001 -> 1.0000000002 )" "" -- "${c[@]}" refresh h
  expect 0 "group h  bounds [ 1.0000000001 -> 1.0000000002 )  lookahead 2  \
subscribers 0  holding back p,q
  p  head 1.0000000001  first unapplied -  unapplied 0
  q  head 1.0000000001  first unapplied -  unapplied 0" "" -- \
    "${c[@]}" status h
  # Refusals by the node: exit 1 with its reason.
  expect 1 "" "going_backwards" -- "${c[@]}" advance g p1 4
  expect 1 "" "lookahead_conflict" -- "${c[@]}" --lookahead 3 bounds h
  # Usage errors: exit 2 before the node is asked.
  expect 2 "" "invalid HLC time" -- "${c[@]}" advance g p1 x
  expect 2 "" "invalid HLC time" -- "${c[@]}" commit g 1.5 2
  expect 2 "" "bad range [5, 3): MIN > MAX" -- "${c[@]}" commit g 5 3
  # An empty range is a no-op (SEMANTICS), not an error.
  expect 0 "" "" -- "${c[@]}" commit g 7.0000000001 7.0000000001
  expect 0 "[ 5.0000000000 -> 5.0000000001 )" "" -- "${c[@]}" refresh g
  # Bad names, of groups and partitions alike: exit 2, and the group `fresh`
  # is never started, since nothing is sent.
  local long
  long=$(printf 'x%.0s' {1..600})
  expect 2 "" "bad_input: group name is empty" -- "${c[@]}" bounds ""
  expect 2 "" "bad_input: group name is 600 bytes long (at most 512)" -- \
    "${c[@]}" status "$long"
  expect 2 "" "bad_input: group name is not valid UTF-8 (at byte 1)" -- \
    "${c[@]}" advance $'f\xff' p 9
  expect 2 "" "bad_input: partition name is empty" -- \
    "${c[@]}" advance fresh "" 9
  expect 2 "" "bad_input: partition name is 600 bytes long (at most 512)" -- \
    "${c[@]}" advance fresh "$long" 9
  expect 2 "" "bad_input: partition name is not valid UTF-8 (at byte 0)" -- \
    "${c[@]}" ensure fresh p $'\xc0\xaf'
  expect 0 $'a"b\\\\c\ng\nh' "" -- "${c[@]}" groups
  expect 2 "" "subcommand" -- "${c[@]}"
  expect 2 "" "subcommand" -- "${c[@]}" frobnicate g
  expect 2 "" "--node" -- "$ctl" --node nowhere groups
  expect 2 "" "--lookahead" -- "${c[@]}" --lookahead -1 bounds g
  expect 2 "" "--timeout: expected seconds" -- "${c[@]}" --timeout nan groups
  # A half protocol header and an abandoned connection on the node port
  # are CAF's to reject: the node keeps serving. (Random bytes are not
  # sent: a random header can declare a huge payload, which stalls the
  # node; see docs/security.md.)
  printf '\x00\x00\x00\x10garbage' >"/dev/tcp/127.0.0.1/$node_port" \
    2>/dev/null
  expect 0 $'a"b\\\\c\ng\nh' "" -- "${c[@]}" groups
  # watch: the initial bounds, then a change made by another process.
  spawn_fifo watch timeout 20 "${c[@]}" watch g --count 2
  local watch_pid=$spawned_pid watch_out=$spawned_out first second
  read -r -t 15 -u "$watch_out" first ||
    fail "watch printed nothing: $(cat "$work/watch.err")"
  [[ $first == "[ 5.0000000000 -> 5.0000000001 )" ]] ||
    fail "watch began with '$first'"
  expect 0 "" "" -- "${c[@]}" advance g p1 6
  read -r -t 15 -u "$watch_out" second ||
    fail "watch missed the change: $(cat "$work/watch.err")"
  [[ $second == "[ 5.0000000000 -> 6.0000000001 )" ]] ||
    fail "watch saw '$second'"
  wait "$watch_pid" || fail "watch exited $?"
  exec {watch_out}<&-
}

echo "== sqlite: configs/local.ini"
cd "$work" || exit 1
start_node --config-file="$configs/local.ini" --checkpoint.node.port=0 &&
  exercise
# A busy port: the running node's.
expect 1 "" "checkpoint.node.port: cannot listen on 127.0.0.1:$node_port" -- \
  "$daemon" --config-file="$configs/local.ini" \
  --checkpoint.sqlite.path="$work/other.db" \
  --checkpoint.node.port="$node_port"
stop_node
# Unreachable once the node is gone: exit 3.
expect 3 "" "cannot reach node 127.0.0.1:$node_port" -- \
  "$ctl" --node "127.0.0.1:$node_port" groups
# The data survives a restart (bootstrap starts the unapplied group g).
start_node --config-file="$configs/local.ini" --checkpoint.node.port=0 &&
  expect 0 "g" "" -- "$ctl" --node "127.0.0.1:$node_port" groups
stop_node

echo "== postgres: configs/postgres.ini"
pg=(--config-file="$configs/postgres.ini" --checkpoint.postgres.dsn="$dsn"
    --checkpoint.postgres.schema="$schema")
start_node "${pg[@]}" --checkpoint.node.port=0 && exercise
# A watch loses its group when the node shuts down: exit 3, told by the
# node (group_stopped) or, when the node exits before that message is out,
# by the lost connection.
spawn_fifo watch timeout 20 "$ctl" --node "127.0.0.1:$node_port" watch g
watch_pid=$spawned_pid watch_out=$spawned_out
read -r -t 15 -u "$watch_out" line || fail "watch printed nothing"
stop_node
wait "$watch_pid"
status=$?
[[ $status == 3 ]] || fail "watch exited $status when its node stopped"
grep -qE "stopped on node [^ ]*: the node is shutting down|lost node" \
  "$work/watch.err" || fail "watch wrote '$(cat "$work/watch.err")'"
exec {watch_out}<&-

echo "== two postgres nodes: boot groups, wake-up by notification"
# The periodic refresh is an hour away: only a notification can carry a
# write through one node to the other's watch.
cat >"$work/boot.ini" <<'EOF'
[checkpoint]
store = "postgres"
refresh-interval = 1h
groups = ["orders", "payments"]

[checkpoint.partitions]
orders = ["p1", "p2"]
EOF
two=(--config-file="$work/boot.ini" --checkpoint.postgres.dsn="$dsn"
     --checkpoint.postgres.schema="$schema" --checkpoint.node.port=0)
if start_node "${two[@]}"; then
  a_pid=$node_pid a_port=$node_port a_out=$node_out
  if start_node "${two[@]}"; then
    a=("$ctl" --node "127.0.0.1:$a_port")
    b=("$ctl" --node "127.0.0.1:$node_port")
    expect 0 $'orders\npayments' "" -- "${a[@]}" groups
    spawn_fifo watch timeout 20 "${a[@]}" watch orders --count 3
    watch_pid=$spawned_pid watch_out=$spawned_out
    read -r -t 15 -u "$watch_out" line ||
      fail "watch printed nothing: $(cat "$work/watch.err")"
    [[ $line == "[ 1.0000000001 -> 1.0000000002 )" ]] ||
      fail "watch of a boot group began with '$line'"
    # p2 was ensured at boot: advancing p1 alone moves nothing.
    expect 0 "" "" -- "${b[@]}" advance orders p1 5
    expect 0 "" "" -- "${b[@]}" advance orders p2 7
    read -r -t 15 -u "$watch_out" line ||
      fail "watch on A missed advances through B"
    [[ $line == "[ 1.0000000001 -> 5.0000000001 )" ]] ||
      fail "watch on A saw '$line' after advances through B"
    expect 0 "" "" -- "${b[@]}" commit orders 0 6
    read -r -t 15 -u "$watch_out" line ||
      fail "watch on A missed a commit through B"
    [[ $line == "[ 5.0000000000 -> 5.0000000001 )" ]] ||
      fail "watch on A saw '$line' after a commit through B"
    wait "$watch_pid" || fail "watch exited $?"
    exec {watch_out}<&-
    stop_node
  fi
  node_pid=$a_pid node_out=$a_out
  stop_node
fi

echo "== bad options"
printf '[checkpoint]\ngroups = ["a"]\n[checkpoint.partitions]\nb = ["p"]\n' \
  >"$work/stray.ini"
printf '[checkpoint]\ngroups = ["a"]\n[checkpoint.partitions]\na = "p"\n' \
  >"$work/scalar.ini"
expect 2 "" "checkpoint.partitions.b: not a group of checkpoint.groups" -- \
  "$daemon" --config-file="$work/stray.ini"
expect 2 "" "checkpoint.partitions.a: expected a list of partition names" -- \
  "$daemon" --config-file="$work/scalar.ini"
expect 1 "" "checkpoint.groups: group '': " -- \
  "$daemon" --checkpoint.sqlite.path="$work/boot.db" \
  --checkpoint.node.port=0 '--checkpoint.groups=[""]'
printf '[checkpoint.node]\nport = "abc"\n' >"$work/port.ini"
printf '[checkpoint]\nworker = 3\n' >"$work/typo.ini"
printf '[checkpoint]\nrefresh-interval = 0s\n' >"$work/refresh.ini"
printf '[checkpoint]\nworkers = -1\n' >"$work/negative.ini"
expect 2 "" "checkpoint.node.port: invalid value" -- \
  "$daemon" --config-file="$work/port.ini"
expect 2 "" "checkpoint.worker: unknown option" -- \
  "$daemon" --config-file="$work/typo.ini"
expect 2 "" "checkpoint.refresh-interval: must be positive" -- \
  "$daemon" --config-file="$work/refresh.ini"
# CAF itself drops a wrong-typed value of the plain section silently.
expect 2 "" "checkpoint.workers: invalid value -1" -- \
  "$daemon" --config-file="$work/negative.ini"
expect 2 "" "bad command line or config file" -- \
  "$daemon" --config-file="$work/missing.ini"
expect 2 "" "checkpoint.store: expected postgres or sqlite" -- \
  "$daemon" --checkpoint.store=mysql
expect 2 "" "checkpoint.postgres.dsn: required" -- \
  "$daemon" --checkpoint.store=postgres
expect 2 "" "--checkpoint.node.port=abc" -- \
  "$daemon" --checkpoint.node.port=abc
expect 2 "" "checkpoint.workers: must be at least 1" -- \
  "$daemon" --checkpoint.workers=0
# The plain node port stays on loopback unless the risk is accepted.
expect 2 "" "checkpoint.node.host: 0.0.0.0 is not a loopback address" -- \
  "$daemon" --checkpoint.node.host=0.0.0.0
if start_node --checkpoint.sqlite.path="$work/insecure.db" \
  --checkpoint.node.port=0 --checkpoint.node.host=0.0.0.0 \
  --checkpoint.node.insecure; then
  grep -qF "node port reachable beyond loopback without TLS" \
    "$work/node.err" || fail "no warning for an insecure node port"
  stop_node
fi
expect 1 "" "checkpoint.postgres.dsn: cannot open the store" -- \
  "$daemon" --checkpoint.store=postgres \
  --checkpoint.postgres.dsn="host=127.0.0.1 port=1 dbname=postgres"

finish
