#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for SECONDS
# (default 10), starting from the seeds in fuzz/seeds/. A crash fails the
# script; libFuzzer leaves the input as crash-* in build-fuzz/ (keep it as a
# regression seed). Run longer by hand: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}

scripts/install-deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHECKPOINT_BUILD_FUZZ=ON \
  -DCHECKPOINT_BUILD_TESTS=OFF -DCHECKPOINT_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz --target hlc_fuzz names_fuzz
for target in hlc names; do
  mkdir -p "build-fuzz/corpus/$target"
  log="build-fuzz/$target.log"
  if ! (cd build-fuzz && "fuzz/${target}_fuzz" -max_total_time="$seconds" \
          -print_final_stats=1 "corpus/$target" "../fuzz/seeds/$target") \
        >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed; the input is in build-fuzz/crash-*" >&2
    exit 1
  fi
  echo "fuzz: $target ok for ${seconds}s," \
    "$(grep -m1 -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs"
done
