#!/usr/bin/env bash
# Builds the test oracles: current libsinsp's sinsp-example and current Falco, from the sources
# in ../shared/oracle-src/ (recipe in its README). One cmake tree builds both: Falco builds
# libsinsp from the libs source anyway, so the example is built in the same tree
# (-DBUILD_LIBSINSP_EXAMPLES=ON overrides Falco's default, which is only a cache default).
#
# The build is cached outside the work tree, keyed by the sha256 of everything it is built
# from, so a machine builds it once (about 30 minutes on 2 cores):
#   $SCAPTOOL_ORACLE_CACHE (default /var/cache/scaptool-oracle)/<key>/
# Prints the two binaries' paths on success:
#   SINSP_EXAMPLE=<path>
#   FALCO=<path>
# Usage: scripts/build-oracle.sh [--print]   (--print: only print the paths, exit 1 when not built)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
src=${SCAPTOOL_ORACLE_SRC:-$here/../shared/oracle-src}
src=$(cd "$src" && pwd)
libs_tgz=$src/falcosecurity-libs-48dfd53.tar.gz
falco_tgz=$src/falco-1307474.tar.gz
valijson_tgz=$src/valijson-1.0.6.tar.gz
patch_file=$src/sinsp-example-multiplugin.patch
# The key covers the inputs and the recipe's version: bump RECIPE when the cmake or make lines
# below change, so machines rebuild.
RECIPE=1
key=$( (cat "$libs_tgz" "$falco_tgz" "$valijson_tgz" "$patch_file"; echo "recipe $RECIPE") | sha256sum | cut -c1-16)
root=${SCAPTOOL_ORACLE_CACHE:-/var/cache/scaptool-oracle}
cache=$root/$key
falco_bin=$cache/falco/build/userspace/falco/falco

locate() {
  # the example's place in Falco's tree depends on how Falco includes libs: find it once built
  sinsp_example=$(find "$cache/falco/build" -type f -name sinsp-example -perm -u+x 2>/dev/null | head -n1)
  [ -n "$sinsp_example" ] && [ -x "$falco_bin" ] && [ -f "$cache/done" ]
}

if locate; then
  echo "SINSP_EXAMPLE=$sinsp_example"
  echo "FALCO=$falco_bin"
  exit 0
fi
[ "${1:-}" = "--print" ] && { echo "oracle not built in $cache (run scripts/build-oracle.sh)" >&2; exit 1; }

packages=(cmake g++ make pkg-config patch libtbb-dev libjsoncpp-dev libre2-dev libvalijson-dev uthash-dev libcxxopts-dev
  libelf-dev zlib1g-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev libcurl4-openssl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "oracle: installing ${missing[*]}" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

mkdir -p "$root"
# one builder per machine at a time; a second caller waits for the first
exec 9>"$root/.lock"
flock 9
if locate; then
  echo "SINSP_EXAMPLE=$sinsp_example"; echo "FALCO=$falco_bin"; exit 0
fi

start=$(date +%s)
rm -rf "$cache"
mkdir -p "$cache/libs" "$cache/falco" "$cache/valijson"
tar xzf "$libs_tgz" -C "$cache/libs"
tar xzf "$falco_tgz" -C "$cache/falco"
tar xzf "$valijson_tgz" -C "$cache/valijson"
(cd "$cache/libs/userspace/libsinsp/examples" && patch -s -p0 test.cpp <"$patch_file")
# Falco's `make falco` also downloads the container plugin (no network here): drop that dependency
sed -i 's/^\tadd_dependencies(falco container)/\t# add_dependencies(falco container)/' "$cache/falco/CMakeLists.txt"
touch "$cache/empty_rules.yaml"
# valijson ships its headers one level down in the tarball
vj_include=$(dirname "$(find "$cache/valijson" -type d -name valijson -path '*/include/valijson' | head -n1)")

cmake -S "$cache/falco" -B "$cache/falco/build" -Wno-dev -DCMAKE_BUILD_TYPE=Release -DMINIMAL_BUILD=ON \
  -DUSE_BUNDLED_DEPS=OFF -DUSE_BUNDLED_TBB=OFF -DUSE_BUNDLED_UTHASH=OFF -DUSE_BUNDLED_VALIJSON=OFF \
  -DUSE_BUNDLED_RE2=OFF -DUSE_BUNDLED_JSONCPP=OFF -DUSE_BUNDLED_CXXOPTS=OFF -DUSE_BUNDLED_YAMLCPP=OFF \
  -DUSE_BUNDLED_NLOHMANN_JSON=OFF -DUSE_BUNDLED_ZLIB=OFF -DUSE_BUNDLED_LIBELF=OFF -DUSE_BUNDLED_OPENSSL=OFF \
  -DUSE_BUNDLED_CURL=OFF -DUSE_BUNDLED_CPPHTTPLIB=OFF -DBUILD_DRIVER=OFF -DBUILD_FALCO_MODERN_BPF=OFF \
  -DBUILD_LIBSCAP_MODERN_BPF=OFF -DCREATE_TEST_TARGETS=OFF -DBUILD_LIBSINSP_EXAMPLES=ON \
  -DFALCOSECURITY_LIBS_SOURCE_DIR="$cache/libs" -DDRIVER_SOURCE_DIR="$cache/libs/driver" \
  -DFALCOSECURITY_RULES_FALCO_PATH="$cache/empty_rules.yaml" -DFALCOSECURITY_RULES_LOCAL_PATH="$cache/empty_rules.yaml" \
  -DCMAKE_CXX_FLAGS="-I$vj_include" >"$cache/cmake.log" 2>&1 || { tail -40 "$cache/cmake.log" >&2; exit 1; }
make -C "$cache/falco/build" -j"$(nproc)" falco sinsp-example >"$cache/make.log" 2>&1 || { tail -60 "$cache/make.log" >&2; exit 1; }
touch "$cache/done"
echo "oracle: built in $(( $(date +%s) - start )) s" >&2
locate
echo "SINSP_EXAMPLE=$sinsp_example"
echo "FALCO=$falco_bin"
