#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from what clang-format-14
# makes of it with the repository's .clang-format; `--fix` rewrites them.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
if [ "${1:-}" = --fix ]; then
  clang-format-14 -i "${files[@]}"
else
  clang-format-14 --dry-run -Werror "${files[@]}"
  echo "format: ${#files[@]} files as .clang-format says"
fi
