#!/usr/bin/env bash
# The main job on the bundled default: describe the capture Debian's sysdig recorded with the
# project's dummy_c plugin (fixtures/captures/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
./bin/run.js info fixtures/captures/dummy_c-sysdig.scap
