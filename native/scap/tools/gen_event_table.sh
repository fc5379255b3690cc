#!/usr/bin/env bash
# Regenerates src/event_types_2022.rs from Debian's libscap (package libfalcosecurity0-dev):
# the event table is data (names, parameter counts, flags), read from the library at run time.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
gcc -I/usr/include/falcosecurity-libs "$here/dump_event_table.c" -lscap -o "$tmp/dump"
"$tmp/dump" | grep -v '^#' | awk -F'\t' '
BEGIN {
  print "// Generated from Debian libscap 0.1.1dev+git20220316.e5c53d64 (g_event_info) by"
  print "// native/scap/tools/dump_event_table.c: name, parameter count and flags of event types 0..335."
  print "// Do not edit by hand; regenerate with `native/scap/tools/gen_event_table.sh` (needs libfalcosecurity0-dev)."
  print ""
  print "use super::EventTypeInfo;"
  print ""
  print "pub(super) static TABLE_2022: [EventTypeInfo; 336] = ["
}
{ printf "    EventTypeInfo { name: \"%s\", nparams: %d, flags: %d },\n", $2, $3, $4 }
END { print "];" }' > "$here/../src/event_types_2022.rs"
