#!/usr/bin/env bash
# Regenerates src/event_schema/table.rs from current libscap, as built by the oracle recipe
# (bash scripts/build-oracle.sh; its cache holds the libs source and the static libraries): the
# event table and the savefile converter's rules are data, read from the library at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
sx=$(bash "$root/scripts/build-oracle.sh" --print | sed -n 's/^SINSP_EXAMPLE=//p')
cache=${sx%/falco/build/*}
libs=$cache/libs
build=$cache/falco/build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -std=c++17 -O0 -I"$libs" -I"$libs/userspace" -I"$libs/userspace/libscap" -I"$libs/userspace/libscap/engine/savefile" \
  -I"$build/driver/src" -I"$build/libscap" \
  "$here/dump_event_schema.cpp" \
  "$build/libscap/engine/savefile/libscap_engine_savefile.a" "$build/libscap/libscap_event_schema.a" \
  "$build/libscap/libdriver_event_schema.a" "$build/libscap/libscap_error.a" \
  -o "$tmp/dump"
"$tmp/dump" > "$here/../src/event_schema/table.rs"
echo "wrote src/event_schema/table.rs"
