#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang and runs each for SECONDS
# (default 10), starting from the seeds in fuzz/seeds/. A crash fails the
# script; libFuzzer leaves the input as crash-* in build-fuzz/ (keep it as a
# regression seed). Run longer by hand: scripts/fuzz.sh 600
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}

scripts/install-deps.sh
# Hidden visibility: CAF's g++-built library and clang disagree on the
# static locals of inline templates (g++ makes them unique symbols, clang
# weak ones), so the two copies would mix; CAF's config parser then calls a
# null function pointer of an option's meta state. Hidden, the targets'
# copies stay their own.
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHECKPOINT_BUILD_FUZZ=ON \
  -DCMAKE_CXX_VISIBILITY_PRESET=hidden \
  -DCHECKPOINT_BUILD_TESTS=OFF -DCHECKPOINT_BUILD_BENCH=OFF >/dev/null
targets=(hlc names ctl_args node_options)
cmake --build build-fuzz --target "${targets[@]/%/_fuzz}"
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target"
  log="build-fuzz/$target.log"
  # -close_fd_mask=1: the help texts that a target prints go nowhere.
  if ! (cd build-fuzz && "fuzz/${target}_fuzz" -max_total_time="$seconds" \
          -close_fd_mask=1 -print_final_stats=1 \
          "corpus/$target" "../fuzz/seeds/$target") >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target failed; the input is in build-fuzz/crash-*" >&2
    exit 1
  fi
  echo "fuzz: $target ok for ${seconds}s," \
    "$(grep -m1 -o 'number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs"
done
