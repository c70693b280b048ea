#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the tests and the node need.
# Skips apt-get entirely when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libcaf-dev libpqxx-dev libfmt-dev libsqlite3-dev
  libspdlog-dev libcli11-dev libcpp-httplib-dev libbenchmark-dev
  postgresql sqlite3 openssl libssl-dev
  clang libclang-rt-14-dev clang-format-14 curl
  doxygen lintian systemd dpkg-dev file
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" = 0 ] || sudo="sudo"
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
