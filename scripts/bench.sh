#!/usr/bin/env bash
# Benchmarks: ratios against Debian's sysdig measured in the same run on the same capture.
#   BENCH_RUNS=3 (median of N runs)   BENCH_BIG=0 skips the multi-GB memory check
set -euo pipefail
cd "$(dirname "$0")/.."
npm run -s build:ts
node dist/scripts/bench/read.js
