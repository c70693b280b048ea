#!/usr/bin/env bash
# The component as others get it, from the build tree BUILD of the sources
# SRC (both absolute):
#   1. `cmake --install` into a temporary prefix: the files, the package
#      version check, the consumer (tests/consumer) built with find_package
#      and run, and linked again with checkpoint.pc's flags and run;
#   2. the consumer with SRC added through add_subdirectory, as a
#      library-only build (no programs, tests, benchmarks, examples) with
#      shared libraries: only the libraries' own dependencies are looked
#      for (there and in the top-level project configured the same way),
#      the libraries carry their SOVERSION, and it runs;
#   3. the Debian packages from cpack: contents, metadata, lintian, the
#      packaged unit under `systemd-analyze verify`, and the programs and
#      the CMake package of the packages extracted into a temporary root.
#
#   package.sh SRC BUILD
set -uo pipefail

src=$1
build=$2
daemon=
source "${BASH_SOURCE%/*}/lib.sh"

# consumer_ok BINARY: runs the consumer on a fresh database file; it checks
# the bounds after every step itself and prints them.
consumer_ok() {
  local db
  db=$(mktemp -u "$work/db.XXXXXX")
  out=$(timeout 20 "$1" "$db" 2>"$work/err")
  status=$?
  [[ $status == 0 ]] || fail "$1 exited $status: $(cat "$work/err")"
  [[ $out == *"commit: [ 5.0000000000 -> 5.0000000001 )" ]] \
    || fail "$1 printed '$out'"
}

# has LISTING PATH...: every PATH is a line of LISTING.
has() {
  local listing=$1 path
  shift
  for path in "$@"; do
    grep -qxF "$path" <<<"$listing" || fail "missing $path"
  done
}

# configure DIR ARGS...: configures tests/consumer in DIR, quietly.
configure() {
  local dir=$1
  shift
  cmake -S "$src/tests/consumer" -B "$dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$work/log" 2>&1 \
    || fail "configuring $dir: $(tail -20 "$work/log")"
}

echo "== install"
prefix=$work/prefix
cmake --install "$build" --prefix "$prefix" --component dev >"$work/log" 2>&1 \
  || fail "install: $(cat "$work/log")"
installed=$(cd "$prefix" && find . -type f -o -type l | sort)
has "$installed" ./include/checkpoint/messages/hlc.hpp \
  ./include/checkpoint/storage/store.hpp \
  ./include/checkpoint/actors/supervisor.hpp \
  ./include/checkpoint/checkpoints.hpp \
  ./lib/libcheckpoint_messages.a ./lib/libcheckpoint_storage.a \
  ./lib/libcheckpoint_actors.a ./lib/libcheckpoint_facade.a \
  ./lib/cmake/checkpoint/checkpoint-config.cmake \
  ./lib/cmake/checkpoint/checkpoint-config-version.cmake \
  ./lib/cmake/checkpoint/checkpoint-targets.cmake \
  ./lib/cmake/checkpoint/FindCAF.cmake ./lib/pkgconfig/checkpoint.pc
# Only the libraries (and the -dev package's changelog): no program, test
# or source file.
extra=$(grep -v -e '^./include/checkpoint/\(messages\|storage\|actors\)/.*\.hpp$' \
  -e '^./include/checkpoint/checkpoints\.hpp$' -e '^./lib/' \
  -e '^./share/doc/libcheckpoint-dev/changelog.gz$' <<<"$installed")
[[ -z $extra ]] || fail "installed more than the libraries: $extra"

echo "== version check"
# Before 1.0 only the same minor version is compatible.
cat >"$work/version.cmake" <<EOF
# The variables find_package(checkpoint VERSION) sets for the version file.
string(REPLACE "." ";" parts "\${PACKAGE_FIND_VERSION}.0")
list(GET parts 0 PACKAGE_FIND_VERSION_MAJOR)
list(GET parts 1 PACKAGE_FIND_VERSION_MINOR)
include("$prefix/lib/cmake/checkpoint/checkpoint-config-version.cmake")
message("\${PACKAGE_VERSION_COMPATIBLE}")
EOF
for want in 0.1:TRUE 0.1.0:TRUE 0.0:FALSE 0.2:FALSE 1.0:FALSE; do
  got=$(cmake -DPACKAGE_FIND_VERSION="${want%:*}" -P "$work/version.cmake" 2>&1)
  [[ $got == "${want#*:}" ]] || fail "version ${want%:*}: compatible '$got'"
done

echo "== find_package consumer"
configure "$work/installed" -DCMAKE_PREFIX_PATH="$prefix"
cmake --build "$work/installed" >"$work/log" 2>&1 \
  || fail "building against the install: $(tail -30 "$work/log")"
consumer_ok "$work/installed/consumer"

echo "== pkg-config consumer"
object=$work/installed/CMakeFiles/consumer.dir/consumer.cpp.o
if flags=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig \
  pkg-config --libs --static checkpoint 2>"$work/err"); then
  # shellcheck disable=SC2086 # the flags are words
  c++ -o "$work/consumer-pc" "$object" $flags 2>"$work/err" \
    || fail "linking with checkpoint.pc ($flags): $(cat "$work/err")"
  consumer_ok "$work/consumer-pc"
else
  fail "pkg-config checkpoint: $(cat "$work/err")"
fi

echo "== add_subdirectory consumer (library only, shared)"
sub=$work/subdirectory
library_only=(-DCHECKPOINT_BUILD_APPS=OFF -DCHECKPOINT_BUILD_TESTS=OFF
  -DCHECKPOINT_BUILD_BENCH=OFF -DCHECKPOINT_BUILD_EXAMPLES=OFF)
configure "$sub" -DCHECKPOINT_SOURCE_DIR="$src" -DBUILD_SHARED_LIBS=ON \
  "${library_only[@]}"
# not_looked_for CACHE: the programs' dependencies are not in CACHE.
not_looked_for() {
  local dep
  for dep in CLI11_DIR OPENSSL_ HTTPLIB_; do
    ! grep -q "^$dep" "$1" || fail "library-only build looked for $dep ($1)"
  done
}
not_looked_for "$sub/CMakeCache.txt"
# The same options on the top-level project: configured only, the build
# below compiles the same libraries.
cmake -S "$src" -B "$work/top" -G Ninja "${library_only[@]}" \
  >"$work/log" 2>&1 || fail "configuring library-only: $(tail -20 "$work/log")"
not_looked_for "$work/top/CMakeCache.txt"
cmake --build "$sub" >"$work/log" 2>&1 \
  || fail "building through add_subdirectory: $(tail -30 "$work/log")"
consumer_ok "$sub/consumer"
for lib in messages storage actors facade; do
  [[ -f $sub/checkpoint/$lib/libcheckpoint_$lib.so.0.1.0 ]] \
    || fail "no libcheckpoint_$lib.so.0.1.0"
done
ldd "$sub/consumer" | grep -q 'libcheckpoint_facade\.so\.0\.1 => ' \
  || fail "consumer does not load libcheckpoint_facade.so.0.1: $(ldd "$sub/consumer")"

echo "== Debian packages"
debs=$work/debs
if cpack -G DEB -B "$debs" --config "$build/CPackConfig.cmake" \
  >"$work/log" 2>&1; then
  dev_deb=$(echo "$debs"/libcheckpoint-dev_*.deb)
  service_deb=$(echo "$debs"/checkpointd_*.deb)
else
  fail "cpack: $(tail -30 "$work/log")"
  finish
fi
contents() { dpkg-deb -c "$1" | awk '{print $6}' | sort; }
has "$(contents "$dev_deb")" ./usr/include/checkpoint/actors/supervisor.hpp \
  ./usr/include/checkpoint/checkpoints.hpp ./usr/lib/libcheckpoint_facade.a \
  ./usr/lib/libcheckpoint_actors.a \
  ./usr/lib/cmake/checkpoint/checkpoint-config.cmake \
  ./usr/lib/cmake/checkpoint/FindCAF.cmake ./usr/lib/pkgconfig/checkpoint.pc
has "$(contents "$service_deb")" ./usr/bin/checkpointd ./usr/bin/checkpointctl \
  ./etc/checkpoint/checkpointd.ini ./lib/systemd/system/checkpointd.service
! contents "$service_deb" | grep -q include/ || fail "headers in checkpointd"
# Depends: from dpkg-shlibdeps for the programs, listed for the -dev one.
depends=$(dpkg-deb -f "$service_deb" Depends)
for dep in adduser libcaf-core libcaf-io libpqxx libsqlite3 libssl libspdlog; do
  [[ $depends == *"$dep"* ]] || fail "checkpointd does not depend on $dep: $depends"
done
depends=$(dpkg-deb -f "$dev_deb" Depends)
for dep in libcaf-dev libpqxx-dev libsqlite3-dev libfmt-dev libspdlog-dev; do
  [[ $depends == *"$dep"* ]] || fail "libcheckpoint-dev does not depend on $dep: $depends"
done
[[ $(dpkg-deb -I "$service_deb" conffiles) == /etc/checkpoint/checkpointd.ini ]] \
  || fail "checkpointd.ini is not a conffile"
dpkg-deb -I "$service_deb" postinst | grep -q 'adduser --system' \
  || fail "checkpointd's postinst creates no system user"

echo "== lintian"
# Errors fail; warnings are shown. Suppressed, because the project has
# not decided them yet (README.md, "Installing the service"):
#   no-copyright-file: there is no licence to put in it;
#   bogus-mail-host*: the maintainer is a placeholder until a release sets
#   -DCHECKPOINT_MAINTAINER.
if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 --suppress-tags \
    no-copyright-file,bogus-mail-host,bogus-mail-host-in-debian-changelog \
    "$dev_deb" "$service_deb" >"$work/lintian" 2>&1
  grep -v 'root privileges' "$work/lintian"
  ! grep -q '^E:' "$work/lintian" || fail "lintian reports errors"
else
  fail "lintian is not installed (scripts/install-deps.sh)"
fi

echo "== extracted packages"
root=$work/root
dpkg -x "$dev_deb" "$root" && dpkg -x "$service_deb" "$root" \
  || fail "dpkg -x"
"$root/usr/bin/checkpointd" --long-help >"$work/out" 2>&1 \
  || fail "checkpointd --long-help: $(cat "$work/out")"
grep -q 'checkpoint.sqlite.path' "$work/out" \
  || fail "checkpointd --long-help: $(cat "$work/out")"
"$root/usr/bin/checkpointctl" --help >"$work/out" 2>&1 \
  || fail "checkpointctl --help: $(cat "$work/out")"
grep -q 'watch' "$work/out" || fail "checkpointctl --help: $(cat "$work/out")"
# The packaged config starts a node (on a temporary copy of its path).
sed "s|/var/lib/checkpoint/|$work/|" "$root/etc/checkpoint/checkpointd.ini" \
  >"$work/checkpointd.ini"
daemon=$root/usr/bin/checkpointd
if start_node --config-file="$work/checkpointd.ini" --checkpoint.node.port=0; then
  stop_node
fi
[[ -f $work/checkpoints.db ]] || fail "the packaged config made no database"
# The packaged CMake package is found and its targets load.
configure "$work/from-deb" -DCMAKE_PREFIX_PATH="$root/usr"

echo "== systemd-analyze verify"
# The unit as packaged, its ExecStart pointed at the extracted binary.
unit=$work/checkpointd.service
sed "s|^ExecStart=/usr/bin/|ExecStart=$root/usr/bin/|" \
  "$root/lib/systemd/system/checkpointd.service" >"$unit"
systemd-analyze verify --man=no "$unit" >"$work/out" 2>&1 \
  || fail "systemd-analyze verify: $(cat "$work/out")"
[[ ! -s $work/out ]] || fail "systemd-analyze verify says: $(cat "$work/out")"

finish
