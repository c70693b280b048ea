#!/usr/bin/env bash
# The README's run command: installs what is needed, builds, starts a
# checkpointd node on the embedded SQLite store (demo-data/checkpoints.db),
# runs the live demo against it, then stops the node with SIGTERM (Ctrl-C
# too) and leaves the data file behind. Arguments go to the demo, e.g.
#
#   scripts/run.sh --seconds 10
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)" \
  --target checkpointd checkpointctl checkpoint-demo

data=demo-data/checkpoints.db
mkdir -p "$(dirname "$data")"
log=$(dirname "$data")/checkpointd.log
fifo=$(mktemp -u)
mkfifo "$fifo"
node_pid=

# Stops the node: SIGTERM, then up to 15 s for its clean shutdown.
stop_node() {
  [[ -n $node_pid ]] || return 0
  kill -TERM "$node_pid" 2>/dev/null || true
  local i
  for ((i = 0; i < 150; i++)); do
    kill -0 "$node_pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$node_pid" 2>/dev/null; then
    echo "run.sh: checkpointd did not stop within 15 s, killing it" >&2
    kill -KILL "$node_pid"
  fi
  wait "$node_pid" || echo "run.sh: checkpointd exited $?, see $log" >&2
  node_pid=
}
trap 'stop_node; rm -f "$fifo"' EXIT
trap 'exit 130' INT TERM

# In its own session, so that Ctrl-C reaches the demo only and the node is
# stopped after the demo, by stop_node.
setsid build/apps/checkpointd --config-file=configs/local.ini \
  --checkpoint.sqlite.path="$data" --checkpoint.node.port=0 \
  >"$fifo" 2>"$log" &
node_pid=$!
exec {node_out}<"$fifo"
if ! read -r -t 15 -u "$node_out" line || [[ $line != "listening on "* ]]
then
  echo "run.sh: checkpointd did not start:" >&2
  cat "$log" >&2
  exit 1
fi
node=${line#listening on }
echo "checkpointd is serving $data on $node (log: $log)"
echo

# In the background, so that a SIGTERM to this script reaches the demo too;
# the demo stops cleanly on SIGINT, and the next steps are printed after it.
build/apps/checkpoint-demo --node "$node" "$@" &
demo_pid=$!
trap 'kill -INT "$demo_pid" 2>/dev/null || true' INT TERM
status=0
wait "$demo_pid" || status=$?
# A trapped signal ends `wait` early: wait again for the demo's own exit.
while kill -0 "$demo_pid" 2>/dev/null; do
  status=0
  wait "$demo_pid" || status=$?
done
trap 'exit 130' INT TERM
stop_node

cat <<EOF

checkpointd stopped; the checkpoints stay in $data. Next, try:

  # start the node on that file again (Ctrl-C stops it)
  build/apps/checkpointd --config-file=configs/local.ini \\
    --checkpoint.sqlite.path=$data

  # and, in another terminal, ask it
  build/apps/checkpointctl groups           # groups running on the node
  build/apps/checkpointctl scan             # groups with unapplied rows
  build/apps/checkpointctl bounds demo      # the demo group's window
  build/apps/checkpointctl watch demo       # every change of that window
  build/apps/checkpoint-demo --seconds 10   # the demo again, on that node
EOF
exit "$status"
