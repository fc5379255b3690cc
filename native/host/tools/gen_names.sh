#!/usr/bin/env bash
# Regenerates src/inspector/names.rs (errno, signal and syscall names libsinsp renders event
# parameters with) from the oracle build of libsinsp (bash scripts/build-oracle.sh): data read
# from the library at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
sx=$(bash "$root/scripts/build-oracle.sh" --print | sed -n 's/^SINSP_EXAMPLE=//p')
cache=${sx%/falco/build/*}
L=$cache/libs
B=$cache/falco/build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
g++ -std=c++17 -I/usr/include/jsoncpp -I"$L/userspace" -I"$L/userspace/libsinsp" -I"$L/userspace/libscap" -I"$L" \
  -I"$B/driver/src" -I"$B/libscap" -I"$B/libsinsp" "$here/dump_names.cpp" \
  "$B/libsinsp/libsinsp.a" "$B/libscap/libscap.a" "$B/libscap/libscap_event_schema.a" "$B/libscap/libdriver_event_schema.a" \
  "$B/libscap/libscap_error.a" "$B/libscap/engine/savefile/libscap_engine_savefile.a" "$B/libscap/libscap_platform_util.a" \
  -ljsoncpp -lre2 -ltbb -lz -lelf -lpthread -o "$tmp/dump"
"$tmp/dump" > "$here/../src/inspector/names.rs"
echo "wrote src/inspector/names.rs"
