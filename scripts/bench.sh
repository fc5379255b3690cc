#!/usr/bin/env bash
# Benchmarks: ratios against Debian's sysdig measured in the same run on the same capture
# (ratio = sysdig time / scaptool time: above 1 means scaptool is faster).
#   BENCH_RUNS=3 (median of N runs)   BENCH_BIG=0 skips the multi-GB memory check
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build
echo "== ratios against sysdig on the five workloads (issue #11)"
node dist/scripts/bench/ratios.js
echo
echo "== where the time goes: start-up stages, replay phases, CPU by library (issue #11)"
node dist/scripts/bench/split.js
echo
echo "== k8s-audit-like events: golden size and replay cost (issue #11)"
node dist/scripts/bench/audit.js
echo
echo "== read (issue #2)"
node dist/scripts/bench/read.js
echo
echo "== replay and record (issue #4)"
node dist/scripts/bench/replay.js
echo
echo "== extraction cost per field (issue #3)"
cargo run -q --release --manifest-path native/Cargo.toml -p plugin-host --example extract_bench
for f in dist/scripts/bench/filter*.js; do
  [ -e "$f" ] || continue
  echo
  echo "== $(basename "$f" .js) (issue #5)"
  node "$f"
done
