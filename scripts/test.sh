#!/usr/bin/env bash
# Installs what is needed, builds, and runs every test suite. ctest starts
# (and stops) its own throwaway PostgreSQL cluster; nothing needs to run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-format.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$(nproc)"
# The API reference: an undocumented public declaration fails it.
cmake --build build --target docs
# Our own parsers under libFuzzer, briefly (scripts/fuzz.sh 600 by hand).
scripts/fuzz.sh 10
cd build
ctest --output-on-failure -j "$(nproc)"
