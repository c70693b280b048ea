#!/usr/bin/env bash
# Runs the example programs and checks what they print: `embedded` on a
# fresh SQLite file, `remote_client` against a checkpointd started here.
# Every wait is bounded.
#
#   examples.sh EMBEDDED REMOTE_CLIENT CHECKPOINTD
set -uo pipefail

embedded=$1
remote_client=$2
daemon=$3
source "${BASH_SOURCE%/*}/lib.sh"

# The bounds after each step of examples/example.hpp: the empty group, the
# ensured partitions, p2's advance (p1's alone moves nothing), the commit.
expected() {
  printf '%s: [ 0.0000000000 -> 0.0000000001 )\n' "$1"
  printf '%s: [ 1.0000000001 -> 1.0000000002 )\n' "$1"
  printf '%s: [ 1.0000000001 -> 5.0000000001 )\n' "$1"
  printf '%s: [ 5.0000000000 -> 5.0000000001 )\n' "$1"
}

echo "== embedded"
out=$(timeout 20 "$embedded" "$work/embedded.db" 2>"$work/err")
status=$?
[[ $status == 0 ]] || fail "embedded exited $status: $(cat "$work/err")"
[[ $out == "$(expected orders)" ]] || fail "embedded printed '$out'"

echo "== remote_client"
if start_node --checkpoint.sqlite.path="$work/node.db" \
  --checkpoint.node.port=0; then
  out=$(timeout 20 "$remote_client" --node "127.0.0.1:$node_port" \
    --group Payments 2>"$work/err")
  status=$?
  [[ $status == 0 ]] || fail "remote_client exited $status: $(cat "$work/err")"
  [[ $out == "$(expected payments)" ]] || fail "remote_client printed '$out'"
  stop_node
fi
out=$(timeout 20 "$remote_client" --node 127.0.0.1:1 2>"$work/err")
status=$?
[[ $status == 3 ]] || fail "remote_client to a closed port exited $status"

finish
