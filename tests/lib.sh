# shellcheck shell=bash
# Helpers shared by the process tests (nodes.sh, metrics.sh, demo.sh,
# examples.sh, subscribers.sh). Source it after `set -uo pipefail` and after
# setting `daemon` (the checkpointd to run). Every wait in it is bounded.
#
# It sets:
#   work      a temporary directory, removed at exit
#   failures  the number of failed checks so far
#   node_pid, node_port, node_out, node_line
#             the checkpointd started by start_node: its process, its port,
#             the file descriptor reading its stdout and its first line
# and kills a node still running at exit. A script with more to clean up
# defines `cleanup_more`, which runs at exit before the directory goes.
#
# Functions: fail, finish, eventually, stop, spawn_fifo, expect, start_node,
# stop_node, drop_schema.

work=$(mktemp -d)
failures=0
node_pid=
node_port=
node_out=
node_line=

on_exit() {
  # A child killed between fork and exec runs the trap too: not its business.
  [[ $BASHPID == "$$" ]] || return
  [[ -n $node_pid ]] && kill -KILL "$node_pid" 2>/dev/null
  declare -F cleanup_more >/dev/null && cleanup_more
  rm -rf "$work"
}
trap on_exit EXIT

# drop_schema: drops the test's schema `$schema` in the database `$dsn`, for
# a script's cleanup_more.
drop_schema() {
  psql -q "$dsn" -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE" \
    >/dev/null 2>&1
}

# fail MESSAGE: counts a failed check and says why on stderr.
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# finish: exits 1 after any failure, else 0.
finish() {
  if ((failures > 0)); then
    echo "$failures failure(s)" >&2
    exit 1
  fi
  echo "all passed"
  exit 0
}

# eventually SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds;
# returns 1 if it has not within SECONDS (whole seconds).
eventually() {
  # Microseconds, from the clock: COMMAND's own time counts too.
  local deadline=$((${EPOCHREALTIME/./} + $1 * 1000000))
  shift
  until "$@"; do
    ((${EPOCHREALTIME/./} < deadline)) || return 1
    sleep 0.1
  done
}

gone() {
  ! kill -0 "$1" 2>/dev/null
}

# stop PID SIGNAL SECONDS: sends SIGNAL to the child PID and returns its exit
# status. One still running after SECONDS is killed (status 137) and fails,
# so that waiting for it cannot hang.
stop() {
  local pid=$1 signal=$2 seconds=$3
  kill "-$signal" "$pid"
  if ! eventually "$seconds" gone "$pid"; then
    fail "process $pid still ran $seconds s after SIG$signal: killed"
    kill -KILL "$pid"
  fi
  wait "$pid"
}

# spawn_fifo NAME COMMAND...: runs COMMAND in the background with its stdout
# on a FIFO and its stderr in $work/NAME.err; sets spawned_pid and
# spawned_out, a file descriptor reading the FIFO (close it when done).
spawn_fifo() {
  local name=$1
  shift
  rm -f "$work/$name.out" && mkfifo "$work/$name.out"
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  spawned_pid=$!
  exec {spawned_out}<"$work/$name.out"
}

# expect STATUS STDOUT STDERR_PART -- COMMAND...: runs COMMAND (bounded) and
# checks its exit status, its whole stdout and a part of its stderr (that it
# is empty when STDERR_PART is).
expect() {
  local want_status=$1 want_out=$2 want_err=$3
  shift 4
  local out status
  out=$(timeout 20 "$@" 2>"$work/stderr")
  status=$?
  [[ $status == "$want_status" ]] ||
    fail "$* exited $status, not $want_status: $(cat "$work/stderr")"
  [[ $out == "$want_out" ]] || fail "$* printed '$out', not '$want_out'"
  if [[ -z $want_err ]]; then
    [[ ! -s $work/stderr ]] || fail "$* wrote '$(cat "$work/stderr")'"
  else
    grep -qF -- "$want_err" "$work/stderr" ||
      fail "$* wrote '$(cat "$work/stderr")', without '$want_err'"
  fi
}

# start_node ARGS...: starts checkpointd with ARGS and waits (15 s at most)
# for its `listening on HOST:PORT[ with TLS]` line; sets node_pid, node_out,
# node_line, node_port. Its stderr is in $work/node.err.
start_node() {
  spawn_fifo node "$daemon" "$@"
  node_pid=$spawned_pid node_out=$spawned_out node_line=
  if ! read -r -t 15 -u "$node_out" node_line ||
    [[ $node_line != "listening on "* ]]; then
    fail "checkpointd $* did not start: $(cat "$work/node.err")"
    return 1
  fi
  local address=${node_line#listening on }
  address=${address%% *}
  node_port=${address##*:}
}

# stop_node: SIGTERM, then expects exit 0 within 15 s.
stop_node() {
  stop "$node_pid" TERM 15
  local status=$?
  [[ $status == 0 ]] || fail "checkpointd exited $status after SIGTERM"
  exec {node_out}<&-
  node_pid=
}
