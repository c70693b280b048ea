#!/usr/bin/env bash
# The fault tests of tests/ (crash.sh, outage.sh, peers.sh, overload.sh), run
# longer than in CI, by hand; the results go into docs/reliability.md.
#
#   scripts/soak.sh [BUILD_DIR]      (default: build)
#
# Environment: KILLS (default 25), OUTAGES (5), CYCLES (1000), FLOOD_SECONDS
# (30), PG_PORT (25435, a cluster for the crash and overload runs) and
# OUTAGE_PORT (25436, the cluster that the outage run stops and starts). Both
# clusters are the script's own, under BUILD_DIR. It takes about 5 minutes
# on 2 cores and prints the counts of each run and a summary; the exit
# status is 1 if any run failed.
set -uo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
kills=${KILLS:-25}
outages=${OUTAGES:-5}
cycles=${CYCLES:-1000}
flood_seconds=${FLOOD_SECONDS:-30}
pg_port=${PG_PORT:-25435}
outage_port=${OUTAGE_PORT:-25436}

[[ -f $build/CMakeCache.txt ]] ||
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j 2 --target checkpointd checkpointctl \
  checkpoint-load || exit 1
daemon=$build/apps/checkpointd
ctl=$build/apps/checkpointctl
load=$build/tests/checkpoint-load

log=$(mktemp)
pg_dir=$build/soak-pg
export CHECKPOINT_TEST_PG_DSN
CHECKPOINT_TEST_PG_DSN=$(scripts/pg-cluster.sh fresh "$pg_dir" "$pg_port") ||
  exit 1
trap 'scripts/pg-cluster.sh stop "$pg_dir"; rm -f "$log"' EXIT

echo "soak started $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "KILLS=$kills OUTAGES=$outages CYCLES=$cycles" \
  "FLOOD_SECONDS=$flood_seconds"
failed=()
# run NAME COMMAND...: runs one test script, its output also kept in $log.
run() {
  local name=$1 start=$SECONDS
  shift
  echo "== $name"
  "$@" 2>&1 | tee -a "$log"
  local status=${PIPESTATUS[0]}
  echo "-- $name: exit $status in $((SECONDS - start)) s"
  ((status == 0)) || failed+=("$name")
}
run crash tests/crash.sh "$daemon" "$load" "$kills"
run outage tests/outage.sh "$daemon" "$ctl" "$load" scripts/pg-cluster.sh \
  "$build/soak-pg-outage" "$outage_port" "$outages"
run peers tests/peers.sh "$daemon" "$ctl" "$load" "$cycles"
run overload tests/overload.sh "$daemon" "$ctl" "$load" "$flood_seconds"

echo "== summary $(date -u +%Y-%m-%dT%H:%M:%SZ)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"
grep -E '^(kills=|outages=|VmRSS after the warm-up|VmRSS before the flood)' \
  "$log"
if ((${#failed[@]} > 0)); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all soak runs passed"
